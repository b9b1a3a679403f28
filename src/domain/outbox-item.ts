import { type DeliveryAction, type OutboxPayload, payloadId } from './alert.ts';

/**
 * One routed payload (an alert, a notice, a report) for one destination, persisted before any attempt to send
 * it. Grouped destinations send several items as one message, and each item stays traceable by its own id.
 */
export interface OutboxItem {
  /** `<payload id>><destination>`: routing the same alert twice (a replay after a crash) cannot queue it twice. */
  readonly id: string;
  readonly destination: string;
  readonly action: DeliveryAction;
  /**
   * Ordering key. Paging destinations: the dedup key, and only the oldest pending item per key is sent, so a
   * resolve never overtakes its trigger. Grouped destinations: the group (alert kind), items of which become one
   * message.
   */
  readonly key: string;
  readonly payload: OutboxPayload;
  /** ISO 8601, when routed. */
  readonly createdAt: string;
  /** ISO 8601: not before this (end of the grouping window, or the backoff after a failed attempt). */
  readonly dueAt: string;
  readonly attempts: number;
  readonly status: 'pending' | 'failed';
  /**
   * Set at the first attempt of a grouped message: the items sent together. Retries resend the same batch under the
   * same delivery id, so a receiver can drop a duplicate.
   */
  readonly batch?: string;
  /** The last failure (status and a short, secret-free reason). */
  readonly lastError?: string;
  readonly lastStatus?: number;
  /** ISO 8601, when given up on (`status: 'failed'`). */
  readonly failedAt?: string;
}

/** A new, not yet attempted item; its id is derived from the payload and the destination (see {@link OutboxItem.id}). */
export function newOutboxItem(
  payload: OutboxPayload,
  destination: string,
  route: { readonly action: DeliveryAction; readonly key: string },
  createdAt: string,
  dueAt: string = createdAt,
): OutboxItem {
  return {
    id: `${payloadId(payload)}>${destination}`,
    destination,
    action: route.action,
    key: route.key,
    payload,
    createdAt,
    dueAt,
    attempts: 0,
    status: 'pending',
  };
}
