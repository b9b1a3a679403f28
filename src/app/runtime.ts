/**
 * The composition root: the one place that constructs concrete adapters (store, resolver, notifiers, metrics) from
 * a validated configuration and wires them together. It decides nothing: scanning is `watch/`'s, alerting
 * `alerts/`'s, the serve lifecycle `app/serve.ts`'s. The CLI and `serve` call these construction functions only.
 */

import { getServers } from 'node:dns';
import { type Alerting, createAlerting } from '../alerts/alerting.ts';
import { createNotifierDispatcher } from '../alerts/http-post.ts';
import type { NotifierDefinition } from '../alerts/notifiers/notifier.ts';
import { createNotifiers, destinationMode, notifierFor, notifiers } from '../alerts/notifiers/registry.ts';
import { createLookupService } from '../checks/lookup-service.ts';
import { probeZones } from '../checks/run-check.ts';
import type { CommandServices } from '../command-api/command.ts';
import { createZoneService } from '../command-api/zone-service.ts';
import type { AppConfig } from '../config/app-config.ts';
import {
  formatResolverAddress,
  parseResolverAddress,
  type ResolverAddress,
} from '../dns/resolver-address.ts';
import { UdpResolver } from '../dns/udp-resolver.ts';
import type { ChannelPoster } from '../domain/channel-poster.ts';
import { createMetrics, type ScanMetrics } from '../http/metrics.ts';
import type { Logger } from '../log.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import { openStore } from '../store/open-store.ts';
import { createLogPublisher } from '../watch/log-publisher.ts';
import { createWatchService, prepareStore, type WatchService } from '../watch/watch-service.ts';
import { buildCatalog, type Catalog } from '../zones/catalog.ts';
import { createShutdownStack } from './shutdown-stack.ts';

/** What a process that watches runs on: the store, the resolver, the catalog, the metrics, and scanning. */
export interface WatchRuntime extends WatchService {
  readonly config: AppConfig;
  readonly repo: ListingRepository;
  readonly resolver: UdpResolver;
  /** The resolvers asked, in order of preference. */
  readonly servers: readonly ResolverAddress[];
  readonly catalog: Catalog;
  readonly metrics: ScanMetrics;
  /** Closes what was opened, last opened first. */
  close(): Promise<void>;
}

/**
 * Opens the store (recovering what a killed process left), syncs the config file's targets into it, and builds
 * the resolver and the zone catalog. Fails before anything is scanned if any of it is wrong, closing what it opened.
 */
export async function openRuntime(config: AppConfig, log: Logger): Promise<WatchRuntime> {
  const catalog = buildCatalog(
    config.zones.specs,
    config.spamhausDqsKey ? { dqsKey: config.spamhausDqsKey.reveal() } : {},
  );
  const opened = createShutdownStack(log);
  const repo = await openStore(config.store);
  opened.push('store', () => repo.close());
  try {
    await prepareStore(repo, config.targets, log);
  } catch (error) {
    await opened.closeAll();
    throw error;
  }
  const servers = config.resolvers.length > 0 ? config.resolvers : getServers().map(parseResolverAddress);
  const resolver = new UdpResolver({ servers, timeoutMs: config.dns.timeoutMs, retries: config.dns.retries });
  opened.push('resolver', () => resolver.close());
  const metrics = createMetrics();
  const watch = createWatchService({
    repo,
    resolver,
    zones: catalog.zones,
    servers: servers.map(formatResolverAddress),
    concurrency: config.dns.concurrency,
    policy: config.policy,
    zoneIntervalsMs: config.zoneIntervalsMs,
    historyKeepMs: config.historyKeepMs,
    metrics,
    publisher: createLogPublisher(log),
    log,
  });
  return {
    config,
    repo,
    resolver,
    servers,
    catalog,
    metrics,
    scan: watch.scan,
    close: () => opened.closeAll(),
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
      servers: runtime.servers.map(formatResolverAddress),
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

export interface RuntimeAlerting {
  readonly alerting: Alerting;
  close(): Promise<void>;
}

/**
 * Alerting over the runtime's store: notifiers for every configured destination this process can reach (channel
 * destinations only when their chat platform is connected), routing, and the outbox, caught up with anything
 * stored but not yet routed.
 * @param chat - the connected chat platforms, by name.
 */
export async function openAlerting(
  runtime: WatchRuntime,
  log: Logger,
  chat: Readonly<Record<string, ChannelPoster | undefined>> = {},
  registry: readonly NotifierDefinition[] = notifiers,
): Promise<RuntimeAlerting> {
  const { alerts } = runtime.config;
  const opened = createShutdownStack(log);
  const dispatcher = createNotifierDispatcher(alerts.timeoutMs);
  opened.push('notifier connections', () => dispatcher.close());
  // Channel destinations are routed (and queued) by every process, but sent only by one holding their platform.
  const reachable = alerts.destinations.filter((destination) => {
    const platform = notifierFor(destination.type, registry)?.platform;
    return platform === undefined || chat[platform] !== undefined;
  });
  const alerting = createAlerting({
    repo: runtime.repo,
    routes: alerts.routes,
    modes: new Map(
      alerts.destinations.map((destination) => [
        destination.name,
        destinationMode(destination.type, registry),
      ]),
    ),
    notifiers: createNotifiers(
      reachable,
      { http: { dispatcher, timeoutMs: alerts.timeoutMs, clock: () => new Date() }, chat },
      registry,
    ),
    log: log.child({ component: 'alerts' }),
    groupWindowMs: alerts.groupWindowMs,
    retry: alerts.retry,
    onResult: (destination, result, items) => {
      runtime.metrics.recordDelivery(destination, result, items);
      updateOutboxGauge();
    },
  });
  // Sends in flight are cancelled first; what is still queued waits in the store for the next start.
  opened.push('outbox', () => alerting.outbox.stop());
  const updateOutboxGauge = () => {
    const items = alerting.outbox.items();
    const failed = items.filter((item) => item.status === 'failed').length;
    runtime.metrics.setOutbox(items.length - failed, failed);
  };
  try {
    await alerting.open();
  } catch (error) {
    await opened.closeAll();
    throw error;
  }
  updateOutboxGauge();
  const pending = alerting.outbox.items().filter((item) => item.status === 'pending').length;
  if (pending > 0) log.info({ pending }, 'alerts from before the last stop are waiting to be delivered');
  return { alerting, close: () => opened.closeAll() };
}
