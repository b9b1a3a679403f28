import type { Message } from './message.ts';

/** Posts a message to a channel. Errors are {@link DeliveryError}s, so the alert outbox can retry them. */
export interface ChannelPoster {
  /** The chat platform's name in the registry (`slack`): channel destinations of that type post through it. */
  readonly platform: string;
  /** Resolves once the platform accepted the message; throws DeliveryError (retryable for 429, 5xx, network). */
  post(channel: string, message: Message): Promise<void>;
}
