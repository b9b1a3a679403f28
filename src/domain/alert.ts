import type { Labels } from './inventory.ts';
import { type ListingEventKind, listingEventKinds } from './listing.ts';
import type { Message } from './message.ts';
import type { Report } from './report.ts';
import type { Severity } from './zone.ts';

/**
 * A stored listing event as routing and notifiers see it: a listing or delisting, a zone or the resolver going bad
 * or recovering. Notifiers never see store or scan types.
 */
export interface Alert {
  /** The listing event's id (`<runId>:<n>`), or a synthetic id (`unwatched:...`, `test:...`); unique and stable. */
  readonly id: string;
  readonly kind: ListingEventKind;
  /** ISO 8601 time the change was decided. */
  readonly at: string;
  readonly severity: Severity;
  readonly runId?: string;
  readonly zone?: string;
  /** Absent on zone and resolver alerts. */
  readonly target?: string;
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly txt: readonly string[];
  /** Delist or lookup page, from the zone catalog. */
  readonly delist?: string;
  /** The listing existed before watching began (first scan of the target). */
  readonly initial?: boolean;
  /** Zone and resolver alerts: why. */
  readonly detail?: string;
  /** Labels of the inventory entry the target belongs to (a range's labels for each of its addresses). */
  readonly labels?: Labels;
  /** The inventory entry the target came from (`198.51.100.0/24` for `198.51.100.7`). */
  readonly entry?: string;
  /** ISO 8601: when the listing was first decided (on delistings: when the listing began). */
  readonly listedSince?: string;
  /** Sent by `rblwatch alerts test`: receivers must be able to tell it is not real. */
  readonly test?: boolean;
}

/** What rblwatch says about itself: a scan that failed, a delivery given up on, a store that lost its data. */
export const noticeKinds = ['scan-failed', 'delivery-failed', 'store-reset'] as const;

export type NoticeKind = (typeof noticeKinds)[number];

/** A notice about rblwatch itself, routed like an alert. It has a reason, never DNS evidence. */
export interface Notice {
  /** `scan-failed:<runId>`, `delivery-failed:<item id>`, `store-reset:<time>`. */
  readonly id: string;
  readonly kind: NoticeKind;
  /** ISO 8601. */
  readonly at: string;
  readonly severity: Severity;
  /** What happened, for people. */
  readonly detail: string;
  readonly runId?: string;
  /** What the notice is about, when it is about one listing (a delivery given up on names its alert's). */
  readonly zone?: string;
  readonly target?: string;
  readonly test?: boolean;
}

/** What routes match and notifiers render: an alert, or a notice. */
export type Signal = Alert | Notice;

/**
 * Every kind a route may name (`routes[].match.kind`): the listing events, the notices, and `report`. Derived from
 * the lists it is made of, so a new event or notice kind is routable without another edit.
 */
export type AlertKind = ListingEventKind | NoticeKind | 'report';

export const alertKinds: readonly AlertKind[] = [...listingEventKinds, ...noticeKinds, 'report'];

const notices: ReadonlySet<string> = new Set(noticeKinds);

/** Whether a signal is a notice (no DNS evidence, no labels). */
export function isNotice(signal: Signal): signal is Notice {
  return notices.has(signal.kind);
}

/** The fields only an alert has (labels, entry, delist page, first seen, ...): all absent for a notice. */
export function alertFieldsOf(signal: Signal): Partial<Alert> {
  return isNotice(signal) ? {} : signal;
}

/** The DNS evidence of a signal: an alert's codes, meanings and TXT; none for a notice. */
export function evidenceOf(signal: Signal): Pick<Alert, 'codes' | 'meanings' | 'txt'> {
  return isNotice(signal) ? { codes: [], meanings: [], txt: [] } : signal;
}

/**
 * What the outbox stores and delivers, tagged by what it is. Stores written by rblwatch before payloads were
 * tagged hold a flat `alert` instead; the store reads those as one of these (see `keyv-alert-store.ts`).
 */
export type OutboxPayload =
  | { readonly type: 'alert'; readonly alert: Alert }
  | { readonly type: 'notice'; readonly notice: Notice }
  | { readonly type: 'report'; readonly report: Report }
  /**
   * A scheduled report queued by a version that queued reports as chat messages: delivered as it was queued.
   * Only ever read from an older store, never written.
   */
  | { readonly type: 'rendered-report'; readonly id: string; readonly at: string; readonly message: Message };

/** A report payload, structured or as queued by an older version. */
export type ReportPayload = Extract<OutboxPayload, { type: 'report' | 'rendered-report' }>;

/** The payload for a signal. */
export function payloadOf(signal: Signal): OutboxPayload {
  return isNotice(signal) ? { type: 'notice', notice: signal } : { type: 'alert', alert: signal };
}

/** The signal a payload carries; `undefined` for reports. */
export function signalOf(payload: OutboxPayload): Signal | undefined {
  if (payload.type === 'alert') return payload.alert;
  if (payload.type === 'notice') return payload.notice;
  return undefined;
}

/** The payload's own id, unique per payload and stable: the outbox item id is `<payload id>><destination>`. */
export function payloadId(payload: OutboxPayload): string {
  switch (payload.type) {
    case 'alert':
      return payload.alert.id;
    case 'notice':
      return payload.notice.id;
    case 'report':
      return payload.report.id;
    case 'rendered-report':
      return payload.id;
  }
}

/** The kind a payload is routed and grouped by. */
export function payloadKind(payload: OutboxPayload): AlertKind {
  return signalOf(payload)?.kind ?? 'report';
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
  /**
   * One alert or notice for paging destinations; one or more of the same kind for grouped destinations; none when
   * the delivery is a report.
   */
  readonly alerts: readonly Signal[];
  /** A scheduled report (grouped destinations only): the newest, when several piled up while the destination was down. */
  readonly report?: ReportPayload;
  /** A test delivery from `rblwatch alerts test`. */
  readonly test?: boolean;
}

/**
 * What a delivery of these payloads carries: the alerts and notices, or the report (the newest, when several
 * piled up while a channel was down: it supersedes the older ones). A test delivery is one whose every payload is a
 * test alert.
 */
export function deliveryContent(
  payloads: readonly OutboxPayload[],
): Pick<Delivery, 'alerts' | 'report' | 'test'> {
  const alerts = payloads.map(signalOf).filter((signal): signal is Signal => signal !== undefined);
  const report = payloads
    .filter((payload): payload is ReportPayload => signalOf(payload) === undefined)
    .at(-1);
  const test = alerts.length > 0 && alerts.length === payloads.length && alerts.every((alert) => alert.test);
  return { alerts, ...(report ? { report } : {}), ...(test ? { test: true } : {}) };
}
