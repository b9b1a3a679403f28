/**
 * What Slack and Discord channel destinations share (`slack.ts`, `discord.ts`): the channel id in the config, and a
 * notifier that renders the delivery and hands it to the platform's connection.
 */

import { z } from 'zod';
import type { Delivery } from '../../domain/alert.ts';
import type { ChannelPoster } from '../../domain/channel-poster.ts';
import type { Message } from '../../domain/message.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import { renderAlertMessage } from '../../render/alert-message.ts';
import { renderReportMessage } from '../../reports/render-message.ts';
import { type DestinationBase, type Notifier, type NotifierDefinition, notifierOf } from './notifier.ts';

export interface ChatDestination extends DestinationBase {
  /** Slack channel id (`C0123456789`) or Discord channel id (a snowflake). */
  readonly channel: string;
}

/** What a channel shows for a delivery: the report, or the alerts in it. */
export function renderDeliveryMessage(delivery: Delivery): Message {
  const { report } = delivery;
  if (report?.type === 'report') return renderReportMessage(report.report);
  // Queued by an older version, already rendered.
  if (report?.type === 'rendered-report') return report.message;
  return renderAlertMessage(delivery);
}

/**
 * A channel as an alert destination. The platform client does the posting (and its own 429 queueing); failures
 * come back as DeliveryErrors, so the outbox retries them like any other destination.
 */
export function createChatNotifier(
  definition: Pick<NotifierDefinition, 'type' | 'mode'>,
  config: ChatDestination,
  poster: ChannelPoster,
): Notifier {
  return notifierOf(definition, config, async (delivery) => {
    await poster.post(config.channel, { ...renderDeliveryMessage(delivery), ephemeral: false });
  });
}

/** The definition of a channel destination on chat platform `type` (the destination type is the platform's name). */
export function chatChannelNotifier<Type extends string>(options: {
  readonly type: Type;
  readonly description: string;
  /** The channel id's form, with the message for anything else. */
  readonly channel: z.ZodString;
}) {
  const configSchema = z.strictObject({ type: z.literal(options.type), channel: options.channel });
  // Channels get grouped messages: a mass listing is one readable post, not hundreds.
  const mode = 'grouped' as const;
  const definition = {
    type: options.type,
    mode,
    description: options.description,
    configSchema,
    platform: options.type,
    resolve: (spec, context) => ({ type: spec.type, name: context.name, channel: spec.channel }),
    create(config, deps): Notifier {
      const poster = deps.chat[options.type];
      if (!poster) {
        throw new AppError(
          ErrorCode.NOTIFY_CONFIG_INVALID,
          `destination ${config.name}: ${options.type} is not connected (its credentials are missing)`,
        );
      }
      return createChatNotifier({ type: options.type, mode }, config, poster);
    },
  } satisfies NotifierDefinition<typeof configSchema, ChatDestination & { readonly type: Type }>;
  return definition;
}
