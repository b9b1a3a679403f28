import type { Labels } from '../domain/inventory.ts';
import type { ListingEventKind } from '../domain/listing.ts';
import type { Severity } from '../domain/zone.ts';
import type { Message } from '../render/message.ts';

/**
 * What routing and notifiers see: a stored listing event, or a notice about rblwatch itself (a failed scan, a
 * delivery given up on). Notifiers never see store or scan types.
 */
export type AlertKind = ListingEventKind | 'scan-failed' | 'delivery-failed' | 'store-reset' | 'report';

export const alertKinds: readonly AlertKind[] = [
  'listed',
  'delisted',
  'zone-degraded',
  'zone-recovered',
  'resolver-down',
  'resolver-recovered',
  'scan-failed',
  'delivery-failed',
  'store-reset',
  'report',
];

export interface Alert {
  /** The listing event's id (`<runId>:<n>`), or a synthetic id for notices; unique and stable. */
  readonly id: string;
  readonly kind: AlertKind;
  /** ISO 8601 time the change was decided. */
  readonly at: string;
  readonly severity: Severity;
  readonly runId?: string;
  readonly zone?: string;
  /** Absent on zone and notice alerts. */
  readonly target?: string;
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly txt: readonly string[];
  /** Delist or lookup page, from the zone catalog. */
  readonly delist?: string;
  /** The listing existed before watching began (first scan of the target). */
  readonly initial?: boolean;
  /** Zone and notice alerts: why. */
  readonly detail?: string;
  /** Labels of the inventory entry the target belongs to (a range's labels for each of its addresses). */
  readonly labels?: Labels;
  /** The inventory entry the target came from (`198.51.100.0/24` for `198.51.100.7`). */
  readonly entry?: string;
  /** ISO 8601: when the listing was first decided (on delistings: when the listing began). */
  readonly listedSince?: string;
  /** Sent by `rblwatch alerts test`: receivers must be able to tell it is not real. */
  readonly test?: boolean;
  /** `report` alerts: the scheduled blacklist report, already rendered. */
  readonly report?: Message;
}

/**
 * `trigger` opens (or appends to) a page, `resolve` closes it; `notify` is a plain message (chat, webhooks).
 * Pagers map `listed`, `zone-degraded` and `resolver-down` to `trigger`; `delisted`, `zone-recovered` and
 * `resolver-recovered` to `resolve`.
 */
export type DeliveryAction = 'trigger' | 'resolve' | 'notify';

/** One message to one destination, as the outbox hands it to a notifier. Stable across retries. */
export interface Delivery {
  /** Outbox id: the same on every attempt, so receivers can drop duplicates of an at-least-once delivery. */
  readonly id: string;
  readonly destination: string;
  readonly action: DeliveryAction;
  /** Pagers: `rblwatch:<target>:<zone>` or `rblwatch:zone:<zone>`; the same for a trigger and its resolve. */
  readonly dedupKey?: string;
  /** One alert for paging destinations; one or more of the same kind for grouped destinations. */
  readonly alerts: readonly Alert[];
  /** A test delivery from `rblwatch alerts test`. */
  readonly test?: boolean;
}
