import type { DnsResolver } from '../dns/dns-resolver.ts';
import type { CheckResult } from '../domain/check-result.ts';
import type { EventPublisher } from '../domain/event-publisher.ts';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingPolicy } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { Zone } from '../domain/zone.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import { runScan, type ScanDependencies, type ScanOutcome } from './run-scan.ts';
import { syncConfigInventory } from './sync-inventory.ts';

export interface ScanOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Where the scan's events go after the commit, besides the log. */
  readonly publisher?: EventPublisher;
}

/** What scanning reports to the metrics (the `/metrics` registry implements it). */
export interface WatchMetrics {
  /** The watched target count (after CIDR expansion) and the enabled zone count. */
  setInventory(targets: number, zones: number): void;
  /** One lookup; called once per (target, zone) check, so it must be cheap. */
  recordLookup(zone: string, status: string, reason?: string): void;
  recordScan(run: ScanRun): void;
  recordEvents(events: readonly { kind: string }[]): void;
  /** Every listing now, by zone and severity. */
  setListings(listings: readonly { zone: string; severity: string }[]): void;
}

export interface WatchServiceOptions {
  readonly repo: ListingRepository;
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  /** The resolvers asked (`host:port`), to name them when they are down. */
  readonly servers: readonly string[];
  readonly concurrency: number;
  readonly policy: ListingPolicy;
  /** Normalised zone name -> minimum time between lookups of a target on it, ms. */
  readonly zoneIntervalsMs: Readonly<Record<string, number>>;
  /** How long runs and events are kept, ms; `undefined` keeps everything. */
  readonly historyKeepMs: number | undefined;
  readonly metrics: WatchMetrics;
  /** Where every scan's events go first (the log). */
  readonly publisher: EventPublisher;
  readonly log: Logger;
  readonly clock?: () => Date;
}

/** Watching: one scan of everything watched, with what has to happen around it. */
export interface WatchService {
  scan(options?: ScanOptions): Promise<ScanOutcome>;
}

/**
 * Before a process scans anything: apply what a killed process left (a committed scan not yet applied, a run that
 * never ended) and sync the config file's targets into the store.
 */
export async function prepareStore(
  repo: ListingRepository,
  targets: readonly InventoryEntry[],
  log: Logger,
  clock: () => Date = () => new Date(),
): Promise<void> {
  if (repo.identity === undefined) {
    log.error(
      'the store has data but lost its identity marker (keys deleted by hand, or a partial restore): a later reset ' +
        'of this store cannot be told apart from a clean start; check the store before trusting its history',
    );
  }
  const recovered = await repo.recover(clock().toISOString());
  if (recovered.replayed.length > 0)
    log.warn({ runs: recovered.replayed }, 'applied scan results a stopped process left behind');
  if (recovered.interrupted.length > 0) log.warn({ runs: recovered.interrupted }, 'marked interrupted scans');
  const synced = await syncConfigInventory(repo, targets);
  if (synced.added.length + synced.updated.length + synced.removed.length > 0) {
    log.info(synced, 'inventory synced with the config file');
  }
}

/**
 * Scans as `serve` and `rblwatch scan` run them: the store's identity checked and leftovers recovered first, the
 * metrics kept, and history pruned after a completed scan when `history.keep` says so.
 */
export function createWatchService(options: WatchServiceOptions): WatchService {
  const { repo, metrics, log } = options;
  const clock = options.clock ?? (() => new Date());
  const zoneIntervals = new Map(Object.entries(options.zoneIntervalsMs));
  const severity = new Map(options.zones.map((zone) => [zone.zone, zone.severity]));
  let listingsKnown = false;
  return {
    async scan(scanOptions = {}) {
      await checkIdentity(repo);
      // Another process may have died mid-scan since the last look; its run is marked interrupted now, not at the
      // next start (cheap: reads only, unless something is due).
      const recovered = await repo.recover(clock().toISOString());
      if (recovered.replayed.length + recovered.interrupted.length > 0) log.warn(recovered, 'recovered runs');
      const inventory = await repo.listInventory();
      metrics.setInventory(inventory.length, options.zones.length);
      if (inventory.length === 0) {
        log.warn('nothing is watched yet: add targets to rblwatch.yml or run `rblwatch watch add TARGET`');
      }
      const deps: ScanDependencies = {
        repo,
        resolver: options.resolver,
        zones: options.zones,
        concurrency: options.concurrency,
        policy: options.policy,
        inventory: async () => inventory,
        publisher: scanOptions.publisher
          ? combinePublishers(options.publisher, scanOptions.publisher)
          : options.publisher,
        zoneIntervals,
        servers: options.servers,
        clock,
        onResult: (result: CheckResult) => metrics.recordLookup(result.zone, result.status, result.reason),
        ...(scanOptions.onProgress ? { onProgress: scanOptions.onProgress } : {}),
      };
      const outcome = await runScan(deps, scanOptions.signal);
      metrics.recordScan(outcome.run);
      if (options.historyKeepMs !== undefined && outcome.run.status === 'completed') {
        // Housekeeping after a scan that is already recorded and routed: its failure must not fail the scan.
        try {
          const pruned = await repo.prune(new Date(clock().getTime() - options.historyKeepMs).toISOString());
          if (pruned.runs > 0) log.info(pruned, 'pruned history older than history.keep');
        } catch (error) {
          log.warn({ err: error }, 'could not prune old history; trying again after the next scan');
        }
      }
      metrics.recordEvents(outcome.events);
      // The listings gauge changes only with events (or on the first scan of this process): no store read otherwise.
      if (outcome.events.length === 0 && listingsKnown) return outcome;
      listingsKnown = true;
      const states = await repo.getStates();
      metrics.setListings(
        [...states.values()]
          .filter((state) => state.status === 'listed')
          .map((state) => ({ zone: state.zone, severity: severity.get(state.zone) ?? 'major' })),
      );
      return outcome;
    },
  };
}

/**
 * Fails when the store is not the one opened: its identity marker is gone or different (a flushed Redis, a replaced
 * database). Carrying on would treat an empty store as a clean start: every listing forgotten, open pages never
 * resolved, the next scan's listings announced as new.
 */
async function checkIdentity(repo: ListingRepository): Promise<void> {
  const opened = repo.identity;
  if (opened === undefined) return;
  const now = await repo.getIdentity();
  if (now?.id === opened.id) return;
  throw new AppError(
    ErrorCode.STORE_RESET,
    `the ${repo.backend} store was reset while rblwatch was running (its identity marker ${opened.id}, created ` +
      `${opened.createdAt}, is ${now ? `replaced by ${now.id}` : 'gone'}): its history and open pages are lost; ` +
      'nothing more is scanned until rblwatch is restarted on purpose',
  );
}

/** Both publishers, in order: the first (the log) before the second (alerting). */
export function combinePublishers(first: EventPublisher, second: EventPublisher): EventPublisher {
  return {
    async publish(events, run) {
      await first.publish(events, run);
      await second.publish(events, run);
    },
    async scanFailed(run) {
      await first.scanFailed?.(run);
      await second.scanFailed?.(run);
    },
  };
}
