import { getServers } from 'node:dns';
import { type Alerting, createAlerting } from './alerts/alerting.ts';
import { createNotifierDispatcher } from './alerts/http-post.ts';
import type { NotifierDefinition } from './alerts/notifiers/notifier.ts';
import { createNotifiers, destinationMode, notifierFor, notifiers } from './alerts/notifiers/registry.ts';
import type { ChannelPoster } from './chat/chat-adapter.ts';
import { createLookupService } from './checks/lookup-service.ts';
import { probeZones } from './checks/run-check.ts';
import type { CommandServices } from './command-api/command.ts';
import { createZoneService } from './command-api/zone-service.ts';
import { type AppConfig, loadConfig } from './config/app-config.ts';
import { formatResolverAddress, parseResolverAddress } from './dns/resolver-address.ts';
import { UdpResolver } from './dns/udp-resolver.ts';
import type { CheckResult } from './domain/check-result.ts';
import { AppError, ErrorCode } from './errors.ts';
import { createMetrics, type ScanMetrics } from './http/metrics.ts';
import type { Logger } from './log.ts';
import type { ListingRepository } from './store/listing-repository.ts';
import { openStore } from './store/open-store.ts';
import { createLogPublisher } from './watch/log-publisher.ts';
import { type EventPublisher, runScan, type ScanDependencies, type ScanOutcome } from './watch/run-scan.ts';
import { syncConfigInventory } from './watch/sync-inventory.ts';
import { buildCatalog, type Catalog } from './zones/catalog.ts';

/**
 * The composition root: the one place that constructs concrete adapters (store, resolver, scheduler, HTTP) from a
 * validated configuration. Everything else receives them.
 */
export interface WatchRuntime {
  readonly config: AppConfig;
  readonly repo: ListingRepository;
  readonly resolver: UdpResolver;
  readonly catalog: Catalog;
  readonly metrics: ScanMetrics;
  scan(options?: {
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    /** Where the scan's events go after the commit; logged only when absent. */
    publisher?: EventPublisher;
  }): Promise<ScanOutcome>;
  close(): Promise<void>;
}

export { loadConfig };

/**
 * Open the store (recovering what a killed process left), sync the config file's targets into it, and build the
 * resolver and zone catalog. Fails before anything is scanned if any of it is wrong.
 */
export async function openRuntime(config: AppConfig, log: Logger): Promise<WatchRuntime> {
  const catalog = buildCatalog(
    config.zones.specs,
    config.spamhausDqsKey ? { dqsKey: config.spamhausDqsKey.reveal() } : {},
  );
  const repo = await openStore(config.store);
  try {
    const recovered = await repo.recover(new Date().toISOString());
    if (recovered.replayed.length > 0)
      log.warn({ runs: recovered.replayed }, 'applied scan results a stopped process left behind');
    if (recovered.interrupted.length > 0)
      log.warn({ runs: recovered.interrupted }, 'marked interrupted scans');
    const synced = await syncConfigInventory(repo, config.targets);
    if (synced.added.length + synced.updated.length + synced.removed.length > 0) {
      log.info(synced, 'inventory synced with the config file');
    }
  } catch (error) {
    await repo.close();
    throw error;
  }
  const servers = config.resolvers.length > 0 ? config.resolvers : getServers().map(parseResolverAddress);
  const resolver = new UdpResolver({ servers, timeoutMs: config.dns.timeoutMs, retries: config.dns.retries });
  const metrics = createMetrics();
  const publisher = createLogPublisher(log);
  const zoneIntervals = new Map(Object.entries(config.zoneIntervalsMs));
  let listingsKnown = false;

  return {
    config,
    repo,
    resolver,
    catalog,
    metrics,
    async scan(options = {}) {
      await checkIdentity(repo);
      // Another process may have died mid-scan since the last look; its run is marked interrupted now, not at the
      // next start (cheap: reads only, unless something is due).
      const recovered = await repo.recover(new Date().toISOString());
      if (recovered.replayed.length + recovered.interrupted.length > 0) log.warn(recovered, 'recovered runs');
      const inventory = await repo.listInventory();
      metrics.setInventory(inventory.length, catalog.zones.length);
      if (inventory.length === 0) {
        log.warn('nothing is watched yet: add targets to rblwatch.yml or run `rblwatch watch add TARGET`');
      }
      const deps: ScanDependencies = {
        repo,
        resolver,
        zones: catalog.zones,
        concurrency: config.dns.concurrency,
        policy: config.policy,
        inventory: async () => inventory,
        publisher: options.publisher ? combine(publisher, options.publisher) : publisher,
        zoneIntervals,
        servers: servers.map(formatResolverAddress),
        onResult: (result: CheckResult) => metrics.recordLookup(result.zone, result.status, result.reason),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      const outcome = await runScan(deps, options.signal);
      metrics.recordScan(outcome.run);
      if (config.historyKeepMs !== undefined && outcome.run.status === 'completed') {
        const pruned = await repo.prune(new Date(Date.now() - config.historyKeepMs).toISOString());
        if (pruned.runs > 0) log.info(pruned, 'pruned history older than history.keep');
      }
      metrics.recordEvents(outcome.events);
      // The listings gauge changes only with events (or on the first scan of this process): no store read otherwise.
      if (outcome.events.length === 0 && listingsKnown) return outcome;
      listingsKnown = true;
      const states = await repo.getStates();
      const severity = new Map(catalog.zones.map((zone) => [zone.zone, zone.severity]));
      metrics.setListings(
        [...states.values()]
          .filter((state) => state.status === 'listed')
          .map((state) => ({ zone: state.zone, severity: severity.get(state.zone) ?? 'major' })),
      );
      return outcome;
    },
    async close() {
      await resolver.close();
      await repo.close();
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

/** The ports chat commands (and the CLI's `mute`/`unmute`/`mutes`) run against. */
export function createCommandServices(
  runtime: WatchRuntime,
  extras: { scans?: CommandServices['scans'] } = {},
): CommandServices {
  const zones = runtime.catalog.zones;
  return {
    lookup: createLookupService({
      resolver: runtime.resolver,
      zones,
      concurrency: Math.min(runtime.config.dns.concurrency, 50),
    }),
    store: runtime.repo,
    zones: createZoneService({
      zones,
      repo: runtime.repo,
      probe: async () => [...(await probeZones(zones, runtime.resolver)).zones.values()],
    }),
    mutes: runtime.repo.alerts,
    ...(extras.scans ? { scans: extras.scans } : {}),
    clock: () => new Date(),
  };
}

function combine(first: EventPublisher, second: EventPublisher): EventPublisher {
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

export interface RuntimeAlerting {
  readonly alerting: Alerting;
  close(): Promise<void>;
}

/**
 * Alerting over the runtime's store: notifiers for every configured destination this process can reach (chat
 * destinations only when their adapter is connected), routing, and the outbox, caught up with anything stored but
 * not yet routed.
 */
export async function openAlerting(
  runtime: WatchRuntime,
  log: Logger,
  chat: Readonly<Record<string, ChannelPoster | undefined>> = {},
  registry: readonly NotifierDefinition[] = notifiers,
): Promise<RuntimeAlerting> {
  const { alerts } = runtime.config;
  const dispatcher = createNotifierDispatcher(alerts.timeoutMs);
  // Channel destinations are routed (and queued) by every process, but sent only by one holding their platform.
  const reachable = alerts.destinations.filter((destination) => {
    const platform = notifierFor(destination.type, registry)?.platform;
    return platform === undefined || chat[platform] !== undefined;
  });
  const built = createNotifiers(
    reachable,
    { http: { dispatcher, timeoutMs: alerts.timeoutMs, clock: () => new Date() }, chat },
    registry,
  );
  const alerting = createAlerting({
    repo: runtime.repo,
    routes: alerts.routes,
    modes: new Map(
      alerts.destinations.map((destination) => [
        destination.name,
        destinationMode(destination.type, registry),
      ]),
    ),
    notifiers: built,
    log: log.child({ component: 'alerts' }),
    groupWindowMs: alerts.groupWindowMs,
    retry: alerts.retry,
    onResult: (destination, result, items) => {
      runtime.metrics.recordDelivery(destination, result, items);
      updateOutboxGauge();
    },
  });
  const updateOutboxGauge = () => {
    const items = alerting.outbox.items();
    const failed = items.filter((item) => item.status === 'failed').length;
    runtime.metrics.setOutbox(items.length - failed, failed);
  };
  await alerting.open();
  updateOutboxGauge();
  const pending = alerting.outbox.items().filter((item) => item.status === 'pending').length;
  if (pending > 0) log.info({ pending }, 'alerts from before the last stop are waiting to be delivered');
  return {
    alerting,
    async close() {
      await alerting.outbox.stop();
      await dispatcher.close();
    },
  };
}
