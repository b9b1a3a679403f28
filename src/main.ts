import { getServers } from 'node:dns';
import { commandRegistry } from '../commands/index.ts';
import { buildReport, loadReportInput } from '../commands/report.ts';
import { type Alerting, createAlerting } from './alerts/alerting.ts';
import { destinationMode } from './alerts/destinations.ts';
import { createNotifierDispatcher } from './alerts/http-post.ts';
import { createNotifiers } from './alerts/notifiers/index.ts';
import { createReportScheduler } from './alerts/report-schedule.ts';
import type { ChannelPoster } from './chat/chat-adapter.ts';
import type { ChatAdapters } from './chat/create-chat-adapters.ts';
import { createLookupService } from './checks/lookup-service.ts';
import { probeZones } from './checks/run-check.ts';
import type { CommandServices } from './command-api/command.ts';
import { createZoneService } from './command-api/zone-service.ts';
import { type AppConfig, loadConfig } from './config/app-config.ts';
import { parseResolverAddress } from './dns/resolver-address.ts';
import { UdpResolver } from './dns/udp-resolver.ts';
import type { CheckResult } from './domain/check-result.ts';
import { startHttpServer } from './http/http-server.ts';
import { createMetrics, type ScanMetrics } from './http/metrics.ts';
import type { Logger } from './log.ts';
import { createScanScheduler } from './scheduler/scan-scheduler.ts';
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

export function storeLocation(config: AppConfig): string {
  return config.store.kind === 'sqlite' ? config.store.path : config.store.url;
}

/**
 * Open the store (recovering what a killed process left), sync the config file's targets into it, and build the
 * resolver and zone catalog. Fails before anything is scanned if any of it is wrong.
 */
export async function openRuntime(config: AppConfig, log: Logger): Promise<WatchRuntime> {
  const catalog = buildCatalog(
    config.zones.specs,
    config.spamhausDqsKey ? { dqsKey: config.spamhausDqsKey.reveal() } : {},
  );
  const repo = await openStore(storeLocation(config));
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
        onResult: (result: CheckResult) => metrics.recordLookup(result.zone, result.status, result.reason),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      const outcome = await runScan(deps, options.signal);
      metrics.recordScan(outcome.run);
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
  chat: { slack?: ChannelPoster; discord?: ChannelPoster } = {},
): Promise<RuntimeAlerting> {
  const { alerts } = runtime.config;
  const dispatcher = createNotifierDispatcher(alerts.timeoutMs);
  const reachable = alerts.destinations.filter(
    (destination) =>
      (destination.type !== 'slack' && destination.type !== 'discord') ||
      chat[destination.type] !== undefined,
  );
  const notifiers = createNotifiers(reachable, {
    http: { dispatcher, timeoutMs: alerts.timeoutMs, clock: () => new Date() },
    chat,
  });
  const alerting = createAlerting({
    repo: runtime.repo,
    routes: alerts.routes,
    modes: new Map(
      alerts.destinations.map((destination) => [destination.name, destinationMode(destination.type)]),
    ),
    notifiers,
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

/**
 * `rblwatch serve`: scan on schedule until SIGTERM or SIGINT, serve /healthz and /metrics when configured, then
 * finish (or abandon, on a second signal) the scan in flight and close the store.
 * @returns once stopped
 */
export async function serve(config: AppConfig, log: Logger): Promise<void> {
  for (const warning of config.warnings) log.warn(warning);
  const runtime = await openRuntime(config, log);
  // Chat commands can ask for a scan; the scheduler that runs it is built below.
  let scheduler: ReturnType<typeof createScanScheduler> | undefined;
  const services = createCommandServices(runtime, {
    scans: { runNow: (by) => scheduler?.runNow(by) ?? Promise.resolve('stopped') },
  });
  let chat: ChatAdapters;
  let alerts: RuntimeAlerting;
  try {
    // Loaded only when a platform is configured: Bolt and discord.js are large, and every CLI command imports this.
    chat =
      config.chat.slack || config.chat.discord
        ? (await import('./chat/create-chat-adapters.ts')).createChatAdapters(
            config.chat,
            commandRegistry,
            services,
            log,
          )
        : { all: [] };
    alerts = await openAlerting(runtime, log, {
      ...(chat.slack ? { slack: chat.slack } : {}),
      ...(chat.discord ? { discord: chat.discord } : {}),
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const { alerting } = alerts;
  try {
    // A bad token or a missing scope stops the start here, with the platform's answer, rather than later in a log.
    for (const adapter of chat.all) await adapter.start();
  } catch (error) {
    for (const adapter of chat.all) await adapter.stop().catch(() => {});
    await alerts.close();
    await runtime.close();
    throw error;
  }
  if (chat.all.length === 0) {
    log.info(
      'no chat: set SLACK_BOT_TOKEN or DISCORD_TOKEN (see README, Chat) for /rbl commands and channel alerts',
    );
  } else {
    log.info(
      { platforms: chat.all.map((adapter) => adapter.platform) },
      'chat connected: /rbl commands are answered',
    );
  }
  let lastScan: ScanOutcome | undefined;
  let lastError: string | undefined;
  scheduler = createScanScheduler({
    schedule: config.schedule.cron,
    ...(config.schedule.timezone ? { timezone: config.schedule.timezone } : {}),
    jitterMs: config.schedule.jitterMs,
    run: async (trigger, signal) => {
      const scanLog = log.child({ trigger: trigger.kind });
      scanLog.info('scan started');
      try {
        lastScan = await runtime.scan({ signal, publisher: alerting });
        lastError = undefined;
        const { run } = lastScan;
        scanLog.info(
          {
            runId: run.id,
            status: run.status,
            lookups: run.lookups,
            listed: run.listed,
            unknown: run.unknown,
            events: run.events,
          },
          `scan ${run.status}`,
        );
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        throw error;
      }
    },
    onSkip: (trigger, reason) => log.warn({ trigger: trigger.kind }, `scan skipped: ${reason}`),
    onError: (error) => log.error({ err: error }, 'scan failed'),
  });
  const http = config.http
    ? await startHttpServer({
        port: config.http.port,
        host: config.http.host,
        metrics: runtime.metrics,
        health: () => ({
          ok: lastError === undefined,
          detail: {
            lastRun: lastScan?.run.id ?? null,
            lastStatus: lastScan?.run.status ?? null,
            error: lastError ?? null,
          },
        }),
        onError: (error) => log.error({ err: error }, 'http server error'),
      })
    : undefined;
  if (http) log.info({ url: http.url }, 'serving /healthz and /metrics');
  const reports = createReportScheduler({
    reports: config.alerts.reports,
    ...(config.schedule.timezone ? { timezone: config.schedule.timezone } : {}),
    build: async () => buildReport(await loadReportInput(services)),
    outbox: alerting.outbox,
    log: log.child({ component: 'reports' }),
  });
  scheduler.start();
  alerting.outbox.start();
  reports.start();
  log.info(
    {
      store: config.store.display,
      schedule: config.schedule.cron,
      zones: runtime.catalog.zones.length,
      next: scheduler.nextRun()?.toISOString() ?? null,
    },
    'rblwatch serving: scans run on schedule',
  );
  const destinations = config.alerts.destinations.map(
    (destination) => `${destination.name} (${destination.type})`,
  );
  if (destinations.length === 0) {
    log.warn(
      'no alert destinations are configured: listings are recorded and logged only (see README, Alerts)',
    );
  } else {
    log.info(
      { destinations, routes: config.alerts.routes.length },
      'alerts go to the configured destinations',
    );
  }
  // A first scan right away, so a fresh install shows results without waiting for the schedule.
  void scheduler.runNow('startup');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: abandoning the scan in flight');
        void scheduler.stop({ abort: true });
        return;
      }
      stopping = true;
      log.info({ signal }, 'stopping: letting the scan in flight finish (send again to abandon it)');
      void (async () => {
        // Each step runs even when an earlier one failed: a stuck chat socket must not keep the store open.
        const steps: [string, () => Promise<unknown>][] = [
          ['reports', () => reports.stop()],
          ['scheduler', async () => scheduler?.stop()],
          ['chat', () => Promise.all(chat.all.map((adapter) => adapter.stop()))],
          // Sends in flight are cancelled; what is still queued waits in the store for the next start.
          ['alerts', () => alerts.close()],
          ['http', async () => http?.close()],
          ['store', () => runtime.close()],
        ];
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (error) {
            log.error({ err: error }, `stopping ${name} failed`);
          }
        }
        log.info('stopped');
        resolve();
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
