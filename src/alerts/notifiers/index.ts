import type { ChannelPoster } from '../../chat/chat-adapter.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import type { ChatDestination, DestinationConfig, DestinationType } from '../destinations.ts';
import type { HttpNotifierDeps } from '../http-post.ts';
import { createChatNotifier } from './chat.ts';
import { createJsmNotifier } from './jsm.ts';
import type { Notifier } from './notifier.ts';
import { createOpsgenieNotifier } from './opsgenie.ts';
import { createPagerDutyNotifier } from './pagerduty.ts';
import { createWebhookNotifier } from './webhook.ts';

/** What notifiers are built with: HTTP for the paging services and webhooks, the chat adapters for channels. */
export interface NotifierDeps {
  readonly http: HttpNotifierDeps;
  readonly chat: { readonly slack?: ChannelPoster; readonly discord?: ChannelPoster };
}

type Factory<T extends DestinationType> = (
  config: Extract<DestinationConfig, { type: T }>,
  deps: NotifierDeps,
) => Notifier;

function chatFactory<T extends 'slack' | 'discord'>(platform: T): Factory<T> {
  return (config, deps) => {
    const chat = config as ChatDestination;
    const poster = deps.chat[platform];
    if (!poster) {
      throw new AppError(
        ErrorCode.NOTIFY_CONFIG_INVALID,
        `destination ${chat.name}: ${platform} is not connected (its credentials are missing)`,
      );
    }
    return createChatNotifier(chat, poster);
  };
}

/**
 * Every destination type and how to build it: the one registry of notifiers. A test checks it against the files in
 * this folder, so a notifier nobody registered fails CI.
 */
const factories: { readonly [T in DestinationType]: Factory<T> } = {
  pagerduty: (config, deps) => createPagerDutyNotifier(config, deps.http),
  opsgenie: (config, deps) => createOpsgenieNotifier(config, deps.http),
  jsm: (config, deps) => createJsmNotifier(config, deps.http),
  webhook: (config, deps) => createWebhookNotifier(config, deps.http),
  slack: chatFactory('slack'),
  discord: chatFactory('discord'),
};
export const notifierFactories = Object.freeze(factories);

/** Builds one notifier per configured destination, by name. */
export function createNotifiers(
  destinations: readonly DestinationConfig[],
  deps: NotifierDeps,
): Map<string, Notifier> {
  const notifiers = new Map<string, Notifier>();
  for (const destination of destinations) {
    if (notifiers.has(destination.name)) {
      throw new AppError(ErrorCode.NOTIFY_CONFIG_INVALID, `destination ${destination.name} is defined twice`);
    }
    const factory = notifierFactories[destination.type] as Factory<DestinationType>;
    notifiers.set(destination.name, factory(destination as never, deps));
  }
  return notifiers;
}
