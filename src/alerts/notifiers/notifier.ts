import type { Delivery } from '../alert.ts';

/**
 * The notifier port: one configured destination (a PagerDuty service, a webhook, a Slack channel).
 *
 * `send` either resolves (the service accepted the message) or throws a {@link DeliveryError} saying whether a
 * retry can help. It never retries on its own: the outbox owns retries, backoff and the give-up horizon, so a
 * notifier stays a thin, testable translation.
 */
export interface Notifier {
  /** The destination's name in `rblwatch.yml`. */
  readonly name: string;
  /** The destination type (`pagerduty`, `webhook`, ...). */
  readonly type: string;
  /**
   * `per-key`: one delivery per alert, sent in order per dedup key (pagers: a trigger before its resolve).
   * `grouped`: alerts of the same kind arriving within the grouping window become one delivery (chat, webhooks).
   */
  readonly mode: 'per-key' | 'grouped';
  send(delivery: Delivery, signal?: AbortSignal): Promise<void>;
}
