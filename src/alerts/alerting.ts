import { type Alert, type Notice, payloadOf, type Signal, signalOf } from '../domain/alert.ts';
import type { EventPublisher } from '../domain/event-publisher.ts';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent } from '../domain/listing.ts';
import { newOutboxItem, type OutboxItem } from '../domain/outbox-item.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import { entryHolding } from '../inventory/inventory.ts';
import type { Logger } from '../log.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import type { Notifier } from './notifiers/notifier.ts';
import { createOutbox, type Outbox, type RetryPolicy } from './outbox.ts';
import type { Route } from './route.ts';
import { isResolve, listingOfKey, pageOf, parsePage, routeAlerts } from './route-alerts.ts';

export interface AlertingOptions {
  readonly repo: ListingRepository;
  readonly routes: readonly Route[];
  /**
   * Every configured destination, by name, with how it is delivered to. Routing queues items for all of them; only
   * those with a notifier are sent from this process (a one-shot `rblwatch scan` has no chat connection and leaves
   * channel posts to `serve`).
   */
  readonly modes: ReadonlyMap<string, Notifier['mode']>;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly log: Logger;
  readonly groupWindowMs: number;
  readonly retry?: RetryPolicy;
  readonly clock?: () => Date;
  readonly random?: () => number;
  readonly pollMs?: number;
  readonly onResult?: (destination: string, result: 'delivered' | 'retry' | 'failed', items: number) => void;
}

/**
 * Alerting as the scan sees it (an {@link EventPublisher}) plus what `serve` and the CLI drive: catching up on
 * events stored but not routed (the process died between the commit and routing), notices about failed scans, and
 * the outbox.
 */
export interface Alerting extends EventPublisher {
  readonly outbox: Outbox;
  /** Loads the outbox and routes events of runs stored after the last routed one. Call once at start. */
  open(): Promise<void>;
  /** Routes a notice that a scan failed. */
  scanFailed(run: ScanRun): Promise<void>;
  /** Routes arbitrary alerts and notices (tests, a store reset); returns the items queued. */
  route(alerts: readonly Signal[]): Promise<OutboxItem[]>;
  /**
   * The open pages as last read from the store (`<destination>|<dedup key>`), kept in memory: what a store that
   * was reset under a running process can no longer tell.
   */
  knownPages(): readonly string[];
}

/** Events read per page while catching up. */
const CATCH_UP_PAGE = 1000;

export function createAlerting(options: AlertingOptions): Alerting {
  const { repo, log } = options;
  const clock = options.clock ?? (() => new Date());
  const store = repo.alerts;
  let lastPages: readonly string[] = [];
  const readPages = async (): Promise<string[]> => {
    const pages = await store.listPages();
    lastPages = pages;
    return pages;
  };

  const outbox: Outbox = createOutbox({
    store,
    notifiers: options.notifiers,
    log: log.child({ component: 'outbox' }),
    clock,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    onGiveUp: (items, reason) => tellOthers(items, reason),
  });

  async function route(alerts: readonly Signal[]): Promise<OutboxItem[]> {
    if (alerts.length === 0) return [];
    const now = clock();
    const resolves = alerts.some(isResolve);
    const routed = routeAlerts(alerts, {
      routes: options.routes,
      modes: options.modes,
      mutes: await store.listMutes(now),
      now,
      groupWindowMs: options.groupWindowMs,
      ...(resolves ? { openPages: new Set(await readPages()) } : {}),
    });
    for (const alert of routed.muted)
      log.info({ alert: alert.id }, `muted: ${alert.kind} ${alert.target ?? alert.zone}`);
    if (routed.unrouted.length > 0) {
      log.debug({ alerts: routed.unrouted.map((alert) => alert.id) }, 'no route takes these alerts');
    }
    const added = await outbox.add(routed.items);
    // After the items: a crash in between re-routes them (same ids) and records the pages then.
    await store.updatePages(routed.opened, routed.closed);
    return added;
  }

  /** The inventory, read at most once per publish however many steps need it. */
  type InventoryReader = () => Promise<readonly InventoryEntry[]>;
  const readOnce = (): InventoryReader => {
    let read: Promise<InventoryEntry[]> | undefined;
    return () => {
      read ??= repo.listInventory();
      return read;
    };
  };

  async function routeEvents(
    events: readonly ListingEvent[],
    inventoryOf: InventoryReader = readOnce(),
  ): Promise<void> {
    if (events.length === 0) return;
    const inventory = await inventoryOf();
    await route(events.map((event) => toAlert(event, inventory)));
  }

  /** A delivery given up on is itself news: tell every other destination that takes notices. */
  async function tellOthers(items: readonly OutboxItem[], reason: string): Promise<void> {
    const first = items[0];
    // A notice that could not be delivered is not news about itself (that would go round in circles).
    if (!first || (first.payload.type === 'notice' && first.payload.notice.kind === 'delivery-failed'))
      return;
    const now = clock();
    const about = signalOf(first.payload);
    const notice: Notice = {
      id: `delivery-failed:${first.id}`,
      kind: 'delivery-failed',
      at: now.toISOString(),
      severity: 'major',
      detail:
        `${items.length} alert(s) to ${first.destination} could not be delivered after ${first.attempts} ` +
        `attempt(s) and were given up: ${reason}. \`rblwatch alerts pending\` lists them.`,
      ...(about?.zone ? { zone: about.zone } : {}),
      ...(about?.target ? { target: about.target } : {}),
    };
    const routed = routeAlerts([notice], {
      routes: options.routes,
      modes: options.modes,
      mutes: [],
      now,
      groupWindowMs: 0,
    }).items.filter((item) => item.destination !== first.destination);
    // No route asks for these notices: every other non-paging destination gets them, so a failure is never silent.
    const targets =
      routed.length > 0
        ? routed
        : [...options.modes]
            .filter(([name, mode]) => name !== first.destination && mode === 'grouped')
            .map(([name]) =>
              newOutboxItem(
                payloadOf(notice),
                name,
                { action: 'notify', key: notice.kind },
                now.toISOString(),
              ),
            );
    try {
      await outbox.add(targets);
    } catch (error) {
      log.error({ err: error }, 'could not queue the delivery-failed notice');
    }
  }

  /**
   * A target that stops being watched while listed never gets a delisting, so its pages would stay open for good:
   * resolve them (pagers only; chat is not told it was "delisted", since nobody checked).
   */
  async function closeUnwatched(runId: string, inventoryOf: InventoryReader): Promise<void> {
    const pages = await readPages();
    if (pages.length === 0) return;
    const inventory = await inventoryOf();
    const now = clock().toISOString();
    const items: OutboxItem[] = [];
    for (const page of pages) {
      const { destination, key } = parsePage(page);
      const listing = listingOfKey(key);
      if (!listing || !options.modes.has(destination) || entryHolding(listing.target, inventory)) continue;
      const { target, zone } = listing;
      const alert: Alert = {
        id: `unwatched:${runId}:${target}:${zone}`,
        kind: 'delisted',
        at: now,
        severity: 'info',
        runId,
        zone,
        target,
        codes: [],
        meanings: [],
        txt: [],
        detail: 'no longer watched: rblwatch stopped checking this target, so this page is closed',
      };
      items.push(newOutboxItem(payloadOf(alert), destination, { action: 'resolve', key }, now));
    }
    if (items.length === 0) return;
    log.info({ pages: items.length }, 'resolving pages of targets no longer watched');
    await outbox.add(items);
    await store.updatePages(
      [],
      items.map((item) => pageOf(item.destination, item.key)),
    );
  }

  /** Set when routing failed after a commit: the next publish catches up from the store first. */
  let behind = false;

  /**
   * Routes every stored event of a run after the last routed one, oldest first, then moves the cursor. Called for
   * each scan that has events (its own are among them), and after anything failed: a commit whose caller was told
   * it failed may still have landed, and its events must reach someone even though its scan never published them.
   */
  async function catchUp(current?: string, inventoryOf: InventoryReader = readOnce()): Promise<void> {
    const through = await store.getRoutedThrough();
    if (through === undefined) {
      // First start with alerting: history before now is not news. Start routing after the newest stored run (or
      // from the beginning of an empty store: '' sorts before every run id).
      const [latest] = await repo.listRuns({ limit: 1 });
      await store.setRoutedThrough(latest?.id ?? '');
      return;
    }
    const missed: ListingEvent[] = [];
    let cursor: string | undefined;
    const since = through === '' ? undefined : through.slice(0, 24);
    do {
      const page = await repo.listEvents({
        limit: CATCH_UP_PAGE,
        ...(since ? { since } : {}),
        ...(cursor ? { cursor } : {}),
      });
      missed.push(...page.events.filter((event) => event.runId > through));
      cursor = page.next;
    } while (cursor);
    if (missed.length === 0) return;
    missed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const earlier = missed.filter((event) => event.runId !== current).length;
    if (earlier > 0) log.warn({ events: earlier }, 'routing events that were stored but not yet routed');
    await routeEvents(missed, inventoryOf);
    await store.setRoutedThrough((missed.at(-1) as ListingEvent).runId);
  }

  return {
    outbox,
    async open() {
      await outbox.load();
      await catchUp();
      await readPages();
    },
    knownPages: () => lastPages,
    async publish(events, run) {
      try {
        const inventoryOf = readOnce();
        // A scan without events leaves the cursor where it is: nothing to route, and no store write per scan.
        if (events.length > 0 || behind) await catchUp(run.id, inventoryOf);
        await closeUnwatched(run.id, inventoryOf);
        behind = false;
      } catch (error) {
        behind = true;
        throw error;
      }
    },
    async scanFailed(run) {
      // The commit may have landed although the scan was told it failed: look for its events next time.
      behind = true;
      await route([
        {
          id: `scan-failed:${run.id}`,
          kind: 'scan-failed',
          at: run.endedAt ?? clock().toISOString(),
          severity: 'major',
          runId: run.id,
          detail: run.error ?? 'the scan failed',
        },
      ]);
    },
    route,
  };
}

/** The event as an alert, with the labels of the inventory entry the target belongs to. */
export function toAlert(event: ListingEvent, inventory: readonly InventoryEntry[]): Alert {
  const entry = event.target === undefined ? undefined : entryHolding(event.target, inventory);
  return {
    id: event.id,
    kind: event.kind,
    at: event.at,
    severity: event.severity,
    runId: event.runId,
    zone: event.zone,
    codes: event.codes,
    meanings: event.meanings,
    txt: event.txt,
    ...(event.target === undefined ? {} : { target: event.target }),
    ...(event.delist ? { delist: event.delist } : {}),
    ...(event.initial ? { initial: true } : {}),
    ...(event.detail ? { detail: event.detail } : {}),
    ...(event.kind === 'listed' ? { listedSince: event.at } : {}),
    ...(entry ? { entry: entry.target, labels: entry.labels } : {}),
  };
}
