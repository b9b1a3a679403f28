import type { ChannelPoster } from '../../chat/chat-adapter.ts';
import { renderAlertMessage } from '../../render/alert-message.ts';
import type { ChatDestination } from '../destinations.ts';
import type { Notifier } from './notifier.ts';

/**
 * A Slack or Discord channel as an alert destination. The platform client does the posting (and its own 429
 * queueing); failures come back as DeliveryErrors, so the outbox retries them like any other destination.
 */
export function createChatNotifier(config: ChatDestination, poster: ChannelPoster): Notifier {
  return {
    name: config.name,
    type: config.type,
    mode: 'grouped',
    async send(delivery) {
      await poster.post(config.channel, { ...renderAlertMessage(delivery), ephemeral: false });
    },
  } satisfies Notifier;
}
