import type { Delivery, Signal } from '../domain/alert.ts';
import { DeliveryError } from '../domain/delivery-error.ts';

/**
 * The one alert (or notice) of a per-key delivery (pagers get one delivery per alert, and never a report).
 * Anything else is an outbox bug that no retry will fix, so it is a final refusal rather than a crash in the middle
 * of a payload builder.
 */
export function singleAlert(delivery: Delivery): Signal {
  const [alert] = delivery.alerts;
  if (delivery.alerts.length !== 1 || alert === undefined) {
    throw new DeliveryError(
      false,
      `a per-key delivery must carry exactly one alert, got ${delivery.alerts.length} (delivery ${delivery.id})`,
    );
  }
  return alert;
}

/**
 * The delivery's dedup key cut to the service's limit or, when the outbox sent none (a `notify`), one derived from
 * the delivery id: stable across retries, so a re-sent attempt still lands on the same incident. A resolve without
 * a key cannot name what to close, so it is refused.
 */
export function dedupKeyOf(delivery: Delivery, max: number): string {
  if (delivery.dedupKey) return delivery.dedupKey.slice(0, max);
  if (delivery.action === 'resolve') {
    throw new DeliveryError(false, `a resolve needs a dedup key (delivery ${delivery.id})`);
  }
  return `rblwatch:delivery:${delivery.id}`.slice(0, max);
}
