import { createHash } from 'node:crypto';
import type { Alert, DeliveryAction } from './alert.ts';
import { isMuted, type Mute } from './mutes.ts';
import type { Notifier } from './notifiers/notifier.ts';
import type { OutboxItem } from './outbox-item.ts';
import { destinationsFor, type Route } from './route.ts';

export interface RoutingContext {
  readonly routes: readonly Route[];
  /** Configured destinations by name, with how each is delivered to. */
  readonly modes: ReadonlyMap<string, Notifier['mode']>;
  readonly mutes: readonly Mute[];
  readonly now: Date;
  /** Grouped destinations wait this long for more alerts of the same kind before sending. */
  readonly groupWindowMs: number;
}

export interface RoutingResult {
  readonly items: OutboxItem[];
  /** Alerts silenced by a mute (recorded in history all the same). */
  readonly muted: Alert[];
  /** Alerts no route took. */
  readonly unrouted: Alert[];
}

/** PagerDuty allows 255 characters; longer keys (very long domains) are hashed so they stay stable and valid. */
const MAX_DEDUP_KEY = 255;

/**
 * Turns alerts into outbox items, one per (alert, destination). Pure: persisting and sending are the outbox's job.
 * Items for paging destinations carry the pager action and the dedup key that pairs a trigger with its resolve.
 */
export function routeAlerts(alerts: readonly Alert[], context: RoutingContext): RoutingResult {
  const items: OutboxItem[] = [];
  const muted: Alert[] = [];
  const unrouted: Alert[] = [];
  const createdAt = context.now.toISOString();
  const groupDue = new Date(context.now.getTime() + context.groupWindowMs).toISOString();
  for (const alert of alerts) {
    if (isMuted(context.mutes, alert, context.now)) {
      muted.push(alert);
      continue;
    }
    const names = destinationsFor(context.routes, alert);
    if (names.length === 0) unrouted.push(alert);
    for (const destination of names) {
      const mode = context.modes.get(destination);
      if (!mode) continue;
      const perKey = mode === 'per-key';
      items.push({
        id: `${alert.id}>${destination}`,
        destination,
        action: perKey ? pagerAction(alert) : 'notify',
        key: perKey ? dedupKey(alert) : groupKey(alert),
        alert,
        createdAt,
        dueAt: perKey ? createdAt : groupDue,
        attempts: 0,
        status: 'pending',
      });
    }
  }
  return { items, muted, unrouted };
}

/** Listings and degraded zones open a page; delistings and recoveries close the same one. */
export function pagerAction(alert: Alert): DeliveryAction {
  return alert.kind === 'delisted' || alert.kind === 'zone-recovered' ? 'resolve' : 'trigger';
}

/** The same for a listing and its delisting: `rblwatch:<target>:<zone>`; zones: `rblwatch:zone:<zone>`. */
export function dedupKey(alert: Alert): string {
  const key =
    alert.kind === 'listed' || alert.kind === 'delisted'
      ? `rblwatch:${alert.target}:${alert.zone}`
      : alert.kind === 'zone-degraded' || alert.kind === 'zone-recovered'
        ? `rblwatch:zone:${alert.zone}`
        : `rblwatch:${alert.kind}:${alert.id}`;
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `rblwatch:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Grouped messages hold one kind; first-scan listings ("already listed") are not mixed with new ones. */
function groupKey(alert: Alert): string {
  return alert.initial ? `${alert.kind}:initial` : alert.kind;
}
