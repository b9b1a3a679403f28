import { createHash } from 'node:crypto';
import { type DeliveryAction, noticeKinds, payloadOf, type Signal } from '../domain/alert.ts';
import type { Mute } from '../domain/mute.ts';
import { newOutboxItem, type OutboxItem } from '../domain/outbox-item.ts';
import { isMuted } from './mutes.ts';
import type { Notifier } from './notifiers/notifier.ts';
import { type Route, routeMatches } from './route.ts';

export interface RoutingContext {
  readonly routes: readonly Route[];
  /** Configured destinations by name, with how each is delivered to. */
  readonly modes: ReadonlyMap<string, Notifier['mode']>;
  readonly mutes: readonly Mute[];
  readonly now: Date;
  /** Grouped destinations wait this long for more alerts of the same kind before sending. */
  readonly groupWindowMs: number;
  /** Pages open now (`<destination>|<dedup key>`): resolves also go to these, whatever the routes say. */
  readonly openPages?: ReadonlySet<string>;
}

export interface RoutingResult {
  readonly items: OutboxItem[];
  /** Pages these items open and close (`<destination>|<dedup key>`). */
  readonly opened: string[];
  readonly closed: string[];
  /** Alerts silenced by a mute (recorded in history all the same). */
  readonly muted: Signal[];
  /** Alerts and notices no route took. */
  readonly unrouted: Signal[];
}

/** PagerDuty allows 255 characters; longer keys (very long domains) are hashed so they stay stable and valid. */
const MAX_DEDUP_KEY = 255;

/**
 * Turns alerts and notices into outbox items, one per (signal, destination). Pure: persisting and sending are the
 * outbox's job. Items for paging destinations carry the pager action and the dedup key that pairs a trigger with
 * its resolve.
 */
export function routeAlerts(alerts: readonly Signal[], context: RoutingContext): RoutingResult {
  const items: OutboxItem[] = [];
  const muted: Signal[] = [];
  const unrouted: Signal[] = [];
  const opened: string[] = [];
  const closed: string[] = [];
  const createdAt = context.now.toISOString();
  const groupDue = new Date(context.now.getTime() + context.groupWindowMs).toISOString();
  for (const alert of alerts) {
    if (isMuted(context.mutes, alert, context.now)) {
      muted.push(alert);
      continue;
    }
    const names = destinationsFor(context, alert);
    if (names.length === 0) unrouted.push(alert);
    for (const destination of names) {
      const perKey = context.modes.get(destination) === 'per-key';
      const action = perKey ? pagerAction(alert) : 'notify';
      const key = perKey ? dedupKey(alert) : groupKey(alert);
      if (action === 'trigger') opened.push(pageOf(destination, key));
      if (action === 'resolve') closed.push(pageOf(destination, key));
      items.push(
        newOutboxItem(
          payloadOf(alert),
          destination,
          { action, key },
          createdAt,
          perKey ? createdAt : groupDue,
        ),
      );
    }
  }
  return { items, opened, closed, muted, unrouted };
}

/**
 * Notices about rblwatch itself page only where a route names their kind: most have nothing that would resolve them,
 * and a resolver outage is rblwatch's own trouble, which the operator chooses to be woken for.
 */
const pagedOnlyWhenNamed: ReadonlySet<string> = new Set([
  ...noticeKinds,
  'report',
  'resolver-down',
  'resolver-recovered',
]);

/** Alerts that close the page of an earlier alert. */
const resolves: ReadonlySet<string> = new Set(['delisted', 'zone-recovered', 'resolver-recovered']);

/** Whether an alert closes a page (a delisting, a recovery). */
export function isResolve(alert: Signal): boolean {
  return resolves.has(alert.kind);
}

function destinationsFor(context: RoutingContext, alert: Signal): string[] {
  const names = new Set<string>();
  for (const route of context.routes) {
    if (!routeMatches(route.match, alert)) continue;
    for (const name of route.to) {
      const mode = context.modes.get(name);
      if (!mode) continue;
      if (
        mode === 'per-key' &&
        pagedOnlyWhenNamed.has(alert.kind) &&
        !route.match.kind?.includes(alert.kind)
      ) {
        continue;
      }
      names.add(name);
    }
  }
  // A resolve closes every page its trigger opened, even where today's routes would not send it.
  if (resolves.has(alert.kind)) {
    const key = dedupKey(alert);
    for (const page of context.openPages ?? []) {
      const open = parsePage(page);
      if (open.key === key && context.modes.get(open.destination) === 'per-key') names.add(open.destination);
    }
  }
  return [...names];
}

/** Listings, degraded zones and a resolver outage open a page; delistings and recoveries close the same one. */
export function pagerAction(alert: Signal): DeliveryAction {
  return resolves.has(alert.kind) ? 'resolve' : 'trigger';
}

/**
 * The same for a listing and its delisting: `rblwatch:<target>:<zone>`; zones: `rblwatch:zone:<zone>`; the
 * resolver: `rblwatch:resolver`.
 */
export function dedupKey(alert: Pick<Signal, 'id' | 'kind' | 'target' | 'zone'>): string {
  const key =
    alert.kind === 'listed' || alert.kind === 'delisted'
      ? `rblwatch:${alert.target}:${alert.zone}`
      : alert.kind === 'zone-degraded' || alert.kind === 'zone-recovered'
        ? `rblwatch:zone:${alert.zone}`
        : alert.kind === 'resolver-down' || alert.kind === 'resolver-recovered'
          ? 'rblwatch:resolver'
          : `rblwatch:${alert.kind}:${alert.id}`;
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `rblwatch:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** An open page as stored: `<destination>|<dedup key>` (destination names cannot contain `|`). */
export function pageOf(destination: string, key: string): string {
  return `${destination}|${key}`;
}

export function parsePage(page: string): { destination: string; key: string } {
  const bar = page.indexOf('|');
  return { destination: page.slice(0, bar), key: page.slice(bar + 1) };
}

/**
 * The (target, zone) a listing's dedup key names, or `undefined` for zone pages, notices and hashed keys. Zone
 * names have no colon and IPv6 targets do, so the zone is what follows the last one.
 */
export function listingOfKey(key: string): { target: string; zone: string } | undefined {
  if (key.startsWith('rblwatch:zone:') || key.startsWith('rblwatch:sha256:') || key === 'rblwatch:resolver')
    return undefined;
  const match = /^rblwatch:(.+):([^:]+)$/.exec(key);
  return match ? { target: match[1] as string, zone: match[2] as string } : undefined;
}

/** Grouped messages hold one kind; first-scan listings ("already listed") are not mixed with new ones. */
function groupKey(alert: Signal): string {
  return 'initial' in alert && alert.initial ? `${alert.kind}:initial` : alert.kind;
}
