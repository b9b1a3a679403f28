/**
 * The service configuration: one YAML file (`rblwatch.yml`) plus environment overrides, validated once at start.
 * Every problem found is reported together, each line naming the file (or the variable) and the field, and the
 * service refuses to start; later layers only ever see the frozen {@link AppConfig}.
 *
 * The file (every key optional; unknown keys are refused). Each part is one module under `sections/`, which owns
 * its schema and uses it for the file, for its variable and for a command-line flag where there is one:
 *
 * ```yaml
 * store: ./data/rblwatch.sqlite          # SQLite file, memory:, redis://..., postgres://...    RBLWATCH_STORE
 * resolvers: [127.0.0.1:53]              # host[:port]; empty = the system's resolvers       RBLWATCH_RESOLVERS
 * zones: builtin                         # or a zone file path (the `check --zones` format)
 * schedule: "0 * * * *"                  # node-cron, 5 fields or 6 with seconds first       RBLWATCH_SCHEDULE
 * jitterSeconds: 300                     # random delay before each scheduled scan, 0-3600
 * timezone: UTC                          # IANA zone for the schedule; the process zone when absent
 * policy: { listAfter: 1, delistAfter: 2, massListingShare: 0.5, massListingMinTargets: 20 }
 * dns: { timeoutMs: 2000, retries: 2, concurrency: 100 }                                     RBLWATCH_DNS_*
 * zoneIntervals: { b.barracudacentral.org: 6h }   # minimum time between lookups on a zone (30m, 6h, 1d)
 * history: { keep: 400d }                        # prune runs and events older than this (default: keep all)
 * http: { port: 9465, host: 127.0.0.1 }  # /metrics and /healthz; off without a port        RBLWATCH_HTTP_PORT
 * targets:
 *   - 203.0.113.7
 *   - { target: 198.51.100.0/28, labels: { team: mail, customer: acme, owner: ops, tags: [edge] } }
 *   - { target: example.com }
 * destinations:                          # one schema per notifier type (src/alerts/notifiers/registry.ts)
 *   pager:    { type: pagerduty, routingKey: "${PAGERDUTY_ROUTING_KEY}" }
 *   mail-ops: { type: slack, channel: C0123456789 }
 * routes:
 *   - { match: { kind: [listed, delisted], severity: [critical, major] }, to: [pager, mail-ops] }
 * alerts: { groupWindow: 60s, giveUpAfter: 24h, timeout: 10s }
 * reports: [{ schedule: "0 8 * * 1", to: [mail-ops] }]   # the blacklist report, Mondays 08:00
 * chat:                                  # one mapping per chat platform (src/chat/platforms.ts)
 *   slack:   { allowedUsers: [U0123], allowedGroups: [S0123], admins: true, mode: socket, port: 3000 }
 *   discord: { allowedUsers: [], allowedRoles: ["1234"], admins: true, guilds: ["1234"] }
 *   lookupLimit: { perUser: 5, window: 1m }
 * ```
 *
 * `${VAR}` in any string value is replaced from the environment (`$$` is a literal `$`). Relative paths in the file
 * (`store`, `zones`) are resolved against the file's directory, so the service finds them whatever its working
 * directory; relative paths in the environment against the working directory. The Spamhaus DQS key is read only
 * from `RBLWATCH_SPAMHAUS_DQS_KEY`: a credential does not belong in a file that gets copied and committed.
 */
import type { NotifierDefinition } from '../alerts/notifiers/notifier.ts';
import { type DestinationConfig, notifiers } from '../alerts/notifiers/registry.ts';
import type { Route } from '../alerts/route.ts';
import type { ChatPlatformDefinition } from '../chat/chat-platform.ts';
import { type ChatConfig, chatPlatforms } from '../chat/platforms.ts';
import type { ResolverAddress } from '../dns/resolver-address.ts';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingPolicy } from '../domain/listing.ts';
import type { Secret } from '../domain/secret.ts';
import { type StoreBackend, storeBackends } from '../store/open-store.ts';
import { expandConfig, makeRedactor, readConfigFile } from './config-file.ts';
import { type FileSchemaPlugins, fileSchema } from './file-schema.ts';
import { ConfigIssues } from './issues.ts';
import type { SectionContext } from './section.ts';
import { resolveChat } from './sections/chat.ts';
import {
  checkDestinationsUsed,
  type DeliveryConfig,
  destinationSpecs,
  resolveDelivery,
  resolveDestinations,
} from './sections/destinations.ts';
import {
  type DnsConfig,
  dnsDefaults,
  publicResolverWarning,
  readDnsEnv,
  resolveDns,
} from './sections/dns.ts';
import { resolveHistory } from './sections/history.ts';
import { type HttpConfig, httpDefaults, readHttpEnv, resolveHttp } from './sections/http.ts';
import { resolvePolicy } from './sections/policy.ts';
import { type ReportSchedule, resolveReports } from './sections/reports.ts';
import { checkRouteZones, resolveRoutes } from './sections/routes.ts';
import {
  readScheduleEnv,
  resolveSchedule,
  type ScheduleConfig,
  scheduleDefaults,
} from './sections/schedule.ts';
import { DEFAULT_STORE, readStoreEnv, resolveStore, type StoreConfig } from './sections/store.ts';
import { resolveTargets } from './sections/targets.ts';
import { readZonesEnv, resolveZones, type ZonesConfig } from './sections/zones.ts';

export { DEFAULT_CONFIG_FILE } from './config-file.ts';
export { checkCronExpression } from './fields.ts';
export type { DnsConfig, HttpConfig, ReportSchedule, ScheduleConfig, StoreConfig, ZonesConfig };

/** Destinations, routes, delivery settings and report schedules (`destinations`, `routes`, `alerts`, `reports`). */
export interface AlertsConfig extends DeliveryConfig {
  readonly destinations: readonly DestinationConfig[];
  readonly routes: readonly Route[];
  /** Scheduled blacklist reports: when (node-cron, in the config's `timezone`) and to which destinations. */
  readonly reports: readonly ReportSchedule[];
}

/** The validated, frozen configuration with every default applied. */
export interface AppConfig {
  /** Absolute path of the file read; `undefined` when no file existed and defaults apply. */
  readonly file: string | undefined;
  readonly store: StoreConfig;
  /** Resolvers to query; empty means the system's (`/etc/resolv.conf`). */
  readonly resolvers: readonly ResolverAddress[];
  readonly zones: ZonesConfig;
  readonly schedule: ScheduleConfig;
  readonly policy: ListingPolicy;
  readonly dns: DnsConfig;
  /** Normalised zone name -> minimum time between lookups of a target on that zone, ms. */
  readonly zoneIntervalsMs: Readonly<Record<string, number>>;
  /** `undefined` when no port is configured: the HTTP server is off. */
  readonly http: HttpConfig | undefined;
  /** How long runs and events are kept, ms (`history.keep`); `undefined` keeps everything (the default). */
  readonly historyKeepMs: number | undefined;
  /** The file's targets, canonical, in file order, exact repeats dropped (`source: 'config'`). */
  readonly targets: readonly InventoryEntry[];
  /** From `RBLWATCH_SPAMHAUS_DQS_KEY` only; format-checked, never printed. */
  readonly spamhausDqsKey: Secret | undefined;
  readonly alerts: AlertsConfig;
  /** The chat platforms whose credentials are in the environment, and the lookup limit they share. */
  readonly chat: ChatConfig;
  /** Things worth telling the operator that do not stop the start: repeated or overlapping targets, public resolvers. */
  readonly warnings: readonly string[];
}

/**
 * The plugin registries the configuration is derived from (the store locations, the `destinations` union and
 * its checks, the `chat` mapping). Each defaults to the real one; tests pass their own to prove that a new type
 * needs nothing but its definition.
 */
export interface ConfigPlugins {
  readonly notifiers?: readonly NotifierDefinition[];
  readonly chatPlatforms?: readonly ChatPlatformDefinition[];
  readonly storeBackends?: readonly StoreBackend[];
}

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Config file path; else `RBLWATCH_CONFIG`; else `rblwatch.yml`. A path named here or in the variable must exist. */
  readonly file?: string;
  /** Refuse to start without a file even when none was named (a missing `rblwatch.yml` is otherwise fine). */
  readonly requireFile?: boolean;
  /** Used as `addedAt` of the file's targets. Defaults to now. */
  readonly now?: Date;
  /** Directory the file name and relative paths in the environment are resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
  readonly plugins?: ConfigPlugins;
}

/** Defaults for settings the file and environment leave out (each section owns its own; collected here). */
export const configDefaults = Object.freeze({
  store: DEFAULT_STORE,
  schedule: scheduleDefaults.schedule,
  jitterSeconds: scheduleDefaults.jitterSeconds,
  httpHost: httpDefaults.host,
  dns: dnsDefaults,
});

/**
 * Loads and validates the configuration.
 * @throws UserError `CONFIG_INVALID` listing every problem found (up to ten), one per line, each starting with the
 *   file name and the field (`rblwatch.yml: targets[2].target: ...`) or with the environment variable.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const plugins: Required<FileSchemaPlugins> = {
    notifiers: options.plugins?.notifiers ?? notifiers,
    chatPlatforms: options.plugins?.chatPlatforms ?? chatPlatforms,
    storeBackends: options.plugins?.storeBackends ?? storeBackends,
  };
  const file = await readConfigFile({ env, cwd, file: options.file, requireFile: options.requireFile });
  const issues = new ConfigIssues(file.shown);
  const context: SectionContext = { file: file.shown, baseDir: file.baseDir, cwd, env, issues };

  const expanded = expandConfig(file.document, env, issues);
  const { schema, allowedKeys } = fileSchema({
    baseDir: file.baseDir,
    addedAt: (options.now ?? new Date()).toISOString(),
    plugins,
  });
  const parsed = issues.count === 0 ? schema.safeParse(expanded.value) : undefined;
  if (parsed?.success === false) issues.fromZod(parsed.error.issues, expanded.value, allowedKeys);
  // The environment is read once, after the file: its problems are listed after the file's.
  const fromEnv = {
    dns: readDnsEnv(context),
    zones: readZonesEnv(context),
    store: readStoreEnv(context, plugins.storeBackends),
    schedule: readScheduleEnv(context),
    http: readHttpEnv(context),
  };
  const dqsKey = fromEnv.zones.dqsKey?.reveal();
  const redact = makeRedactor(expanded.used, dqsKey === undefined ? [] : [dqsKey]);
  issues.throwIfAny(redact);
  const data = parsed?.data ?? {};

  const dns = resolveDns(data, fromEnv.dns);
  const zones = await resolveZones(data, fromEnv.zones, context);
  const chat = resolveChat(data, context, plugins.chatPlatforms);
  const destinations = resolveDestinations(
    data,
    file.document,
    chat,
    context,
    plugins.notifiers,
    plugins.chatPlatforms,
  );
  const specs = destinationSpecs(data);
  const routes = resolveRoutes(data, new Set(specs.map(([name]) => name)), context);
  const reports = resolveReports(
    data,
    new Map(specs.map(([name, spec]) => [name, spec.type])),
    context,
    plugins.notifiers,
  );
  checkDestinationsUsed(data, new Set([...routes, ...reports].flatMap((entry) => entry.to)), context);
  checkRouteZones(routes, zones.zones.specs, context);
  issues.throwIfAny(redact);

  const warnings: string[] = [];
  const targets = resolveTargets(data, context, warnings);
  const publicOnes = publicResolverWarning(dns.resolvers);
  if (publicOnes !== undefined) {
    const where =
      dns.resolversFrom === 'env' ? 'environment variable RBLWATCH_RESOLVERS' : `${file.shown}: resolvers`;
    warnings.push(`${where}: ${publicOnes}`);
  }

  const config: AppConfig = {
    file: file.path,
    store: resolveStore(data, fromEnv.store, context, plugins.storeBackends),
    resolvers: dns.resolvers,
    zones: zones.zones,
    schedule: resolveSchedule(data, fromEnv.schedule),
    policy: resolvePolicy(data),
    dns: dns.dns,
    zoneIntervalsMs: zones.zoneIntervalsMs,
    http: resolveHttp(data, fromEnv.http),
    historyKeepMs: resolveHistory(data),
    targets,
    spamhausDqsKey: zones.spamhausDqsKey,
    alerts: { destinations, routes, ...resolveDelivery(data), reports },
    chat,
    warnings: warnings.map(redact),
  };
  return deepFreeze(config);
}

/** Freezes objects and arrays all the way down, so no layer can change the config another layer reads. */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    // Children first: an object frozen earlier (an inventory entry) may still hold unfrozen children.
    for (const item of Object.values(value)) deepFreeze(item, seen);
    Object.freeze(value);
  }
  return value;
}
