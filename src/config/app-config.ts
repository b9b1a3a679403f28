/**
 * The service configuration: one YAML file (`rblwatch.yml`) plus environment overrides, validated once at start.
 * Every problem found is reported together, each line naming the file (or the variable) and the field, and the
 * service refuses to start; later layers only ever see the frozen {@link AppConfig}.
 *
 * The file (every key optional; unknown keys are refused):
 *
 * ```yaml
 * store: ./data/rblwatch.sqlite          # SQLite file, or redis://..., postgres://...      RBLWATCH_STORE
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
 * ```
 *
 * `${VAR}` in any string value is replaced from the environment (`$$` is a literal `$`). Relative paths in the file
 * (`store`, `zones`) are resolved against the file's directory, so the service finds them whatever its working
 * directory; relative paths in the environment against the working directory. The Spamhaus DQS key is read only
 * from `RBLWATCH_SPAMHAUS_DQS_KEY`: a credential does not belong in a file that gets copied and committed.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import cron from 'node-cron';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import type { NotifierDefinition } from '../alerts/notifiers/notifier.ts';
import { notifiers } from '../alerts/notifiers/registry.ts';
import type { ChatPlatformDefinition } from '../chat/chat-platform.ts';
import { type ChatConfig, chatPlatforms } from '../chat/platforms.ts';
import {
  formatResolverAddress,
  isPublicResolver,
  parseResolverAddress,
  type ResolverAddress,
} from '../dns/resolver-address.ts';
import type { InventoryEntry } from '../domain/inventory.ts';
import { defaultListingPolicy, type ListingPolicy } from '../domain/listing.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { checkOverlap, describeOverlap, labelsSchema, makeEntry } from '../inventory/inventory.ts';
import { parseStoreLocation, type StoreLocation } from '../store/open-store.ts';
import { builtinZones } from '../zones/builtin-zones.ts';
import { loadZoneFile } from '../zones/load-zone-file.ts';
import { normalizeZoneName } from '../zones/zone-file-schema.ts';
import type { ZoneSpec } from '../zones/zone-spec.ts';
import { type AlertsConfig, buildAlertsSchemas, resolveAlertsConfig } from './alerts-config.ts';
import { parseDuration } from './duration.ts';
import { readEngineEnv } from './env.ts';
import { expandEnvReferences, formatExpansionProblem } from './expand-env.ts';
import { formatConfigPath } from './format-path.ts';
import { Secret } from './secret.ts';

/**
 * Where the store lives, parsed by the store backend registry: `kind` is the backend, `location` what it opens (an
 * absolute path, `memory:` or the URL) and `display` is safe to log (a URL's password is masked).
 */
export type StoreConfig = StoreLocation;

/** The zone specs to build the catalog from (with the DQS key, at start), and where they came from. */
export interface ZonesConfig {
  readonly source: 'builtin' | 'file';
  /** Absolute path of the zone file; absent for the built-in catalog. */
  readonly file?: string;
  readonly specs: readonly ZoneSpec[];
}

export interface ScheduleConfig {
  /** node-cron expression, 5 fields or 6 with seconds first, single-spaced. */
  readonly cron: string;
  /** IANA time zone (canonical spelling); `undefined` means the process's zone. */
  readonly timezone: string | undefined;
  /** Upper bound (ms, exclusive) of the random delay before each scheduled scan; from `jitterSeconds`. */
  readonly jitterMs: number;
}

export interface DnsConfig {
  /** Per-attempt timeout, ms (50-60000). */
  readonly timeoutMs: number;
  /** Retries after the first attempt (0-10). */
  readonly retries: number;
  /** Lookups in flight at once (1-4096). */
  readonly concurrency: number;
}

export interface HttpConfig {
  readonly port: number;
  /** Address to bind; loopback unless set, because /metrics names the addresses being watched. */
  readonly host: string;
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
  /** Destinations, routes and delivery settings (`destinations`, `routes`, `alerts`). */
  readonly alerts: AlertsConfig;
  /** Slack and Discord, present when their credentials are in the environment. */
  readonly chat: ChatConfig;
  /** Things worth telling the operator that do not stop the start: repeated or overlapping targets, public resolvers. */
  readonly warnings: readonly string[];
}

/**
 * The plugin registries the configuration is derived from (the `destinations` union and its checks). Each defaults
 * to the real one; tests pass their own to prove that a new type needs nothing but its definition.
 */
export interface ConfigPlugins {
  readonly notifiers?: readonly NotifierDefinition[];
  readonly chatPlatforms?: readonly ChatPlatformDefinition[];
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

/** The file read when none is named. */
export const DEFAULT_CONFIG_FILE = 'rblwatch.yml';

/**
 * Defaults for settings the file and environment leave out. The schedule is on the hour; the 300 s jitter spreads
 * the many monitors that pick the same minute, so DNSBLs do not see them all in the same second.
 */
export const configDefaults = Object.freeze({
  store: './data/rblwatch.sqlite',
  schedule: '0 * * * *',
  jitterSeconds: 300,
  httpHost: '127.0.0.1',
  dns: Object.freeze({ timeoutMs: 2000, retries: 2, concurrency: 100 }),
});

/** Shortest `history.keep`: less would prune the listings a delisting is about to be paired with. */
const MIN_HISTORY_KEEP_MS = 86_400_000;

/** Longest `zoneIntervals` value; longer would mean a zone is effectively never checked. */
const MAX_ZONE_INTERVAL_MS = 30 * 86_400_000;
/** Past this many problems the first ones are what the user needs to fix. */
const MAX_REPORTED_PROBLEMS = 10;
/** Substituted values shorter than this are not masked in messages: they are not secrets and would mangle text. */
const MIN_REDACTED_LENGTH = 4;

/**
 * Loads and validates the configuration.
 * @throws UserError `CONFIG_INVALID` listing every problem found (up to ten), one per line, each starting with the
 *   file name and the field (`rblwatch.yml: targets[2].target: ...`) or with the environment variable.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<AppConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const addedAt = (options.now ?? new Date()).toISOString();
  const fromVariable = nonEmpty(env.RBLWATCH_CONFIG);
  const named = nonEmpty(options.file) ?? fromVariable;
  const shown = named ?? DEFAULT_CONFIG_FILE;
  const absolute = resolve(cwd, shown);

  const text = await readConfigText(absolute, shown, {
    optional: named === undefined && options.requireFile !== true,
    namedBy:
      nonEmpty(options.file) === undefined && fromVariable !== undefined ? 'RBLWATCH_CONFIG' : undefined,
  });
  const baseDir = text === undefined ? cwd : dirname(absolute);
  const document = text === undefined ? {} : (parseConfigYaml(text, shown) ?? {});

  const fromEnv = readEnvSettings(env, cwd);
  const expansion = expandEnvReferences(document, env);
  const redact = makeRedactor(expansion.used, fromEnv.dqsKey?.reveal());
  if (expansion.problems.length > 0) {
    const lines = expansion.problems.map((problem) => `${shown}: ${formatExpansionProblem(problem)}`);
    throw configError(shown, [...lines, ...fromEnv.problems], redact);
  }

  const notifierRegistry = options.plugins?.notifiers ?? notifiers;
  const platformRegistry = options.plugins?.chatPlatforms ?? chatPlatforms;
  const { schema, allowedKeys } = buildSchema({
    baseDir,
    addedAt,
    notifiers: notifierRegistry,
    chatPlatforms: platformRegistry,
  });
  const parsed = schema.safeParse(expansion.value);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) =>
      formatIssue(shown, expansion.value, issue, allowedKeys),
    );
    throw configError(shown, [...lines, ...fromEnv.problems], redact);
  }
  if (fromEnv.problems.length > 0) throw configError(shown, fromEnv.problems, redact);
  const data = parsed.data;

  const problems: string[] = [];
  const zones = await resolveZones(data.zones ?? 'builtin', baseDir, shown, problems);
  const zoneIntervalsMs = checkZoneIntervals(data.zoneIntervals ?? {}, zones, shown, problems);
  const { alerts, chat } = resolveAlertsConfig(
    data,
    document,
    env,
    shown,
    problems,
    checkCronExpression,
    notifierRegistry,
    platformRegistry,
  );
  checkRouteZones(alerts, zones, shown, problems);
  if (problems.length > 0) throw configError(shown, problems, redact);

  const warnings: string[] = [];
  const targets = dropRepeats(data.targets ?? [], shown, warnings);
  const resolvers = fromEnv.resolvers ?? data.resolvers ?? [];
  const publicOnes = resolvers.filter(isPublicResolver).map(formatResolverAddress);
  if (publicOnes.length > 0) {
    const where =
      fromEnv.resolvers === undefined ? `${shown}: resolvers` : 'environment variable RBLWATCH_RESOLVERS';
    warnings.push(
      `${where}: ${publicOnes.join(', ')} ${publicOnes.length === 1 ? 'is a public resolver' : 'are public resolvers'}: ` +
        'Spamhaus, URIBL, SURBL and others refuse or mis-answer queries through them, so their results will be ' +
        'unknown. Use your own recursive resolver (e.g. unbound).',
    );
  }

  const port = fromEnv.httpPort ?? data.http?.port ?? undefined;
  const config: AppConfig = {
    file: text === undefined ? undefined : absolute,
    // The default is where `npm start` puts it: under the working directory, wherever the config file lives.
    store: fromEnv.store ?? data.store ?? storeOrThrow(configDefaults.store, cwd),
    resolvers,
    zones,
    schedule: {
      cron: fromEnv.schedule ?? data.schedule ?? configDefaults.schedule,
      timezone: data.timezone ?? undefined,
      jitterMs: (data.jitterSeconds ?? configDefaults.jitterSeconds) * 1000,
    },
    policy: {
      listAfter: data.policy?.listAfter ?? defaultListingPolicy.listAfter,
      delistAfter: data.policy?.delistAfter ?? defaultListingPolicy.delistAfter,
      massListingShare: data.policy?.massListingShare ?? defaultListingPolicy.massListingShare,
      massListingMinTargets: data.policy?.massListingMinTargets ?? defaultListingPolicy.massListingMinTargets,
    },
    dns: {
      timeoutMs: fromEnv.dns.timeoutMs ?? data.dns?.timeoutMs ?? configDefaults.dns.timeoutMs,
      retries: fromEnv.dns.retries ?? data.dns?.retries ?? configDefaults.dns.retries,
      concurrency: fromEnv.dns.concurrency ?? data.dns?.concurrency ?? configDefaults.dns.concurrency,
    },
    zoneIntervalsMs,
    http: port === undefined ? undefined : { port, host: data.http?.host ?? configDefaults.httpHost },
    historyKeepMs: data.history?.keep ?? undefined,
    targets,
    spamhausDqsKey: fromEnv.dqsKey,
    alerts,
    chat,
    warnings: warnings.map(redact),
  };
  return deepFreeze(config);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function configError(file: string, lines: readonly string[], redact: (text: string) => string): UserError {
  const shownLines =
    lines.length > MAX_REPORTED_PROBLEMS
      ? [
          ...lines.slice(0, MAX_REPORTED_PROBLEMS),
          `${file}: ... and ${lines.length - MAX_REPORTED_PROBLEMS} more problem(s)`,
        ]
      : lines;
  return new UserError(ErrorCode.CONFIG_INVALID, redact(shownLines.join('\n')));
}

/**
 * Masks the values of substituted variables (and the DQS key) in messages, putting the reference back: a message
 * that quotes `redis://:hunter22@db` after `${REDIS_PASSWORD}` was expanded must not print the password.
 */
function makeRedactor(
  used: ReadonlyMap<string, string>,
  dqsKey: string | undefined,
): (text: string) => string {
  const pairs: Array<[string, string]> = [...used]
    .filter(([, value]) => value.length >= MIN_REDACTED_LENGTH)
    .map(([name, value]): [string, string] => [value, `\${${name}}`]);
  if (dqsKey !== undefined && dqsKey.length >= MIN_REDACTED_LENGTH) pairs.push([dqsKey, '[redacted]']);
  // Longest first, so a value containing another is replaced whole.
  pairs.sort((a, b) => b[0].length - a[0].length);
  return (text) => pairs.reduce((out, [value, replacement]) => out.replaceAll(value, replacement), text);
}

async function readConfigText(
  absolute: string,
  shown: string,
  how: { optional: boolean; namedBy: string | undefined },
): Promise<string | undefined> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (how.optional) return undefined;
      const by = how.namedBy === undefined ? '' : ` (named by ${how.namedBy})`;
      throw new UserError(ErrorCode.CONFIG_INVALID, `${shown}: config file not found${by}`, { cause: error });
    }
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `${shown}: cannot read the config file (${code ?? (error instanceof Error ? error.message : String(error))})`,
      { cause: error },
    );
  }
}

function parseConfigYaml(text: string, shown: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    // The first line only: the yaml package follows it with an excerpt of the file, which may hold anything.
    const reason = (error.message.split('\n')[0] ?? error.message).replace(
      / at line \d+, column \d+:?\s*$/,
      '',
    );
    const position = error.linePos?.[0];
    const where = position === undefined ? '' : ` line ${position.line}, column ${position.col}:`;
    throw new UserError(ErrorCode.CONFIG_INVALID, `${shown}:${where} not valid YAML: ${reason}`, {
      cause: error,
    });
  }
}

/** The zod message for a wrong type: "is required" when absent, otherwise what was expected. */
function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`);
}

const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?$/;

/** Numbers may arrive as text, from `${VAR}` (`port: ${PORT}`) or quoting; anything else is left to fail. */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' && NUMERIC_TEXT.test(value.trim()) ? Number(value) : value),
    schema,
  );
}

function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return numeric(z.number({ error: message }).int(message).min(min, message).max(max, message));
}

/** Checks a node-cron expression; returns why it is refused, or `undefined`. */
export function checkCronExpression(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  // node-cron 4 validates `@hourly` but then never fires it; require the field forms it actually schedules.
  if ((fields.length === 5 || fields.length === 6) && cron.validate(fields.join(' '))) return undefined;
  return (
    `${JSON.stringify(expression)} is not a valid cron expression: use 5 fields (minute hour day-of-month month ` +
    'day-of-week), or 6 with seconds first, e.g. "0 * * * *"'
  );
}

function storeOrThrow(text: string, baseDir: string): StoreConfig {
  const checked = parseStoreLocation(text, baseDir);
  if (!checked.ok) throw new Error(`default store is invalid: ${checked.problem}`);
  return checked.value;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Builds the file schema; `baseDir` and `addedAt` are per load. Also returns the keys each mapping allows. */
function buildSchema(context: {
  baseDir: string;
  addedAt: string;
  notifiers: readonly NotifierDefinition[];
  chatPlatforms: readonly ChatPlatformDefinition[];
}) {
  const policyShape = {
    listAfter: wholeNumber(1, 100).nullish(),
    delistAfter: wholeNumber(1, 100).nullish(),
    massListingShare: numeric(
      z
        .number({ error: 'must be a share above 0 and at most 1 (0.5 is half)' })
        .gt(0, 'must be a share above 0 and at most 1 (0.5 is half)')
        .max(1, 'must be a share above 0 and at most 1 (0.5 is half)'),
    ).nullish(),
    massListingMinTargets: wholeNumber(1, 1_000_000).nullish(),
  };
  const dnsShape = {
    timeoutMs: wholeNumber(50, 60_000).nullish(),
    retries: wholeNumber(0, 10).nullish(),
    concurrency: wholeNumber(1, 4096).nullish(),
  };
  const historyShape = {
    keep: z
      .string({ error: expected('a duration such as 400d, or "forever"') })
      .transform((value, ctx) => {
        if (value.trim() === 'forever') return undefined;
        const ms = parseDuration(value);
        if (ms !== undefined && ms >= MIN_HISTORY_KEEP_MS) return ms;
        ctx.addIssue({
          code: 'custom',
          message:
            ms === undefined
              ? `${JSON.stringify(value)} is not a duration: use a number and a unit (h, d), e.g. 400d, or "forever"`
              : `${JSON.stringify(value)} is too short: keep at least 1d of history`,
        });
        return z.NEVER;
      })
      .nullish(),
  };
  const httpShape = {
    port: wholeNumber(1, 65_535).nullish(),
    host: z
      .string({ error: expected('an IP address or host name to bind') })
      .transform((value, ctx) => {
        const host = value.trim().replace(/^\[(.*)\]$/, '$1');
        if (isIP(host) !== 0 || HOST_NAME.test(host)) return host.toLowerCase();
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(value)} is not an IP address or host name`,
        });
        return z.NEVER;
      })
      .nullish(),
  };
  const alerting = buildAlertsSchemas(context.notifiers, context.chatPlatforms);
  const targetShape = {
    target: z.string({ error: expected('an address, a range or a domain') }),
    labels: labelsSchema.nullish(),
  };

  const resolver = z
    .string({ error: expected('a resolver address (host[:port])') })
    .transform((value, ctx) => {
      try {
        return parseResolverAddress(value);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });

  const target = z
    .preprocess(
      // A bare string is shorthand for `{ target: ... }`.
      (value) => (typeof value === 'string' ? { target: value } : value),
      z.strictObject(targetShape, {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? 'must be a target (address, range or domain) or a mapping with target: and labels:'
            : undefined,
      }),
    )
    .transform((value, ctx) => {
      try {
        return makeEntry(value.target, value.labels ?? {}, { source: 'config', addedAt: context.addedAt });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, path: ['target'] });
        return z.NEVER;
      }
    });

  const topShape = {
    store: z
      .string({ error: expected('a file path or a redis:// or postgres:// URL') })
      .transform((value, ctx) => {
        const checked = parseStoreLocation(value, context.baseDir);
        if (checked.ok) return checked.value;
        ctx.addIssue({ code: 'custom', message: checked.problem });
        return z.NEVER;
      }),
    resolvers: z.preprocess(
      (value) => (typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value),
      z.array(resolver, { error: expected('a list of resolvers (host[:port])') }),
    ),
    zones: z
      .string({ error: expected('"builtin" or the path of a zone file') })
      .trim()
      .min(1, 'must be "builtin" or the path of a zone file'),
    schedule: z
      .string({ error: expected('a cron expression such as "0 * * * *"') })
      .transform((value, ctx) => {
        const problem = checkCronExpression(value);
        if (problem === undefined) return value.trim().split(/\s+/).join(' ');
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }),
    jitterSeconds: wholeNumber(0, 3600),
    timezone: z
      .string({ error: expected('an IANA time zone such as UTC or Europe/Berlin') })
      .transform((value, ctx) => {
        const zone = canonicalTimeZone(value.trim());
        if (zone !== undefined) return zone;
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(value)} is not a time zone: use an IANA name such as UTC or Europe/Berlin`,
        });
        return z.NEVER;
      }),
    policy: z.strictObject(policyShape, { error: expected('a mapping') }),
    dns: z.strictObject(dnsShape, { error: expected('a mapping') }),
    zoneIntervals: z.record(
      z.string(),
      z.string({ error: expected('a duration such as 30m, 6h or 1d') }).transform((value, ctx) => {
        const ms = parseDuration(value);
        if (ms !== undefined && ms > 0 && ms <= MAX_ZONE_INTERVAL_MS) return ms;
        ctx.addIssue({
          code: 'custom',
          message:
            ms === undefined
              ? `${JSON.stringify(value)} is not a duration: use a number and a unit (s, m, h, d), e.g. 30m, 6h or 1d`
              : `${JSON.stringify(value)} is out of range: use more than 0 and at most 30d`,
        });
        return z.NEVER;
      }),
      { error: expected('a mapping of zone: duration') },
    ),
    http: z.strictObject(httpShape, { error: expected('a mapping') }),
    history: z.strictObject(historyShape, { error: expected('a mapping') }),
    targets: z.array(target, { error: expected('a list of targets') }),
    ...alerting.shapes,
  };
  const schema = z.strictObject(
    {
      store: topShape.store.nullish(),
      resolvers: topShape.resolvers.nullish(),
      zones: topShape.zones.nullish(),
      schedule: topShape.schedule.nullish(),
      jitterSeconds: topShape.jitterSeconds.nullish(),
      timezone: topShape.timezone.nullish(),
      policy: topShape.policy.nullish(),
      dns: topShape.dns.nullish(),
      zoneIntervals: topShape.zoneIntervals.nullish(),
      http: topShape.http.nullish(),
      history: topShape.history.nullish(),
      targets: topShape.targets.nullish(),
      destinations: topShape.destinations.nullish(),
      routes: topShape.routes.nullish(),
      alerts: topShape.alerts.nullish(),
      chat: topShape.chat.nullish(),
      reports: topShape.reports.nullish(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'the file must be a mapping of settings (key: value)' : undefined,
    },
  );
  // For "unknown key" messages: the keys each mapping allows, by path pattern (list indexes as []).
  const allowedKeys = new Map<string, readonly string[]>([
    ['', Object.keys(topShape)],
    ['policy', Object.keys(policyShape)],
    ['dns', Object.keys(dnsShape)],
    ['http', Object.keys(httpShape)],
    ['history', Object.keys(historyShape)],
    ['targets[]', Object.keys(targetShape)],
    ['targets[].labels', ['owner', 'team', 'customer', 'tags']],
    ...alerting.allowedKeys,
  ]);
  return { schema, allowedKeys };
}

function canonicalTimeZone(name: string): string | undefined {
  if (name === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Where a path passes through a string in the document, the rest of the path is the schema's view of that string
 * (`targets[2]` written as a bare address is validated as `{ target: ... }`); cut it there so the message points at
 * what the user wrote.
 */
function userPath(document: unknown, path: readonly PropertyKey[]): readonly PropertyKey[] {
  let node: unknown = document;
  for (const [index, segment] of path.entries()) {
    if (typeof node === 'string') return path.slice(0, index);
    if (typeof node !== 'object' || node === null) return path;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return path;
}

function formatIssue(
  file: string,
  document: unknown,
  issue: z.core.$ZodIssue,
  allowedKeys: ReadonlyMap<string, readonly string[]>,
): string[] {
  const path = userPath(document, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const pattern = path
      .map((segment) => (typeof segment === 'number' ? '[]' : `.${String(segment)}`))
      .join('')
      .replace(/^\./, '');
    const allowed = allowedKeys.get(pattern);
    return issue.keys.map((key) => {
      const hint = /dqs|spamhaus/i.test(key)
        ? ': the Spamhaus DQS key is read only from the RBLWATCH_SPAMHAUS_DQS_KEY environment variable'
        : allowed === undefined
          ? ''
          : ` (expected one of: ${allowed.join(', ')})`;
      return `${file}: ${formatConfigPath([...path, key])}: unknown key${hint}`;
    });
  }
  // Every type check above sets its own message (`expected()`), including "is required" for a missing value.
  const message = issue.message;
  return [path.length === 0 ? `${file}: ${message}` : `${file}: ${formatConfigPath(path)}: ${message}`];
}

async function resolveZones(
  setting: string,
  baseDir: string,
  file: string,
  problems: string[],
): Promise<ZonesConfig> {
  // A copy: the config is frozen deeply, and freezing the shared module constant would reach into other modules.
  if (setting.toLowerCase() === 'builtin') return { source: 'builtin', specs: structuredClone(builtinZones) };
  const path = resolve(baseDir, setting);
  try {
    return { source: 'file', file: path, specs: await loadZoneFile(path) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    problems.push(`${file}: zones: ${error.message}`);
    return { source: 'file', file: path, specs: [] };
  }
}

/** A route naming a zone the catalog does not have could never match: almost always a typo. */
function checkRouteZones(alerts: AlertsConfig, zones: ZonesConfig, file: string, problems: string[]): void {
  if (zones.specs.length === 0) return;
  const known = new Set(zones.specs.map((spec) => normalizeZoneName(spec.zone)));
  for (const [index, route] of alerts.routes.entries()) {
    for (const [position, zone] of (route.match.zone ?? []).entries()) {
      if (!known.has(zone)) {
        problems.push(
          `${file}: ${formatConfigPath(['routes', index, 'match', 'zone', position])}: ${zone} is not a zone in use (\`rblwatch zones\` lists them)`,
        );
      }
    }
  }
}

function checkZoneIntervals(
  intervals: Readonly<Record<string, number>>,
  zones: ZonesConfig,
  file: string,
  problems: string[],
): Record<string, number> {
  const known = new Set(zones.specs.map((spec) => normalizeZoneName(spec.zone)));
  const result: Record<string, number> = {};
  for (const [name, ms] of Object.entries(intervals)) {
    const zone = normalizeZoneName(name);
    const field = `${file}: ${formatConfigPath(['zoneIntervals', name])}`;
    if (Object.hasOwn(result, zone)) {
      problems.push(`${field}: names ${zone} a second time`);
    } else if (!known.has(zone) && zones.specs.length > 0) {
      const catalog = zones.source === 'builtin' ? 'the built-in catalog' : 'the zone file';
      problems.push(`${field}: ${zone} is not a zone in ${catalog} (\`rblwatch zones\` lists them)`);
    } else {
      result[zone] = ms;
    }
  }
  return result;
}

/**
 * Keeps the first of exact repeats and reports the rest; keeps overlapping entries (they may carry different
 * labels) and reports each overlap. The scan expands every address once either way.
 */
function dropRepeats(entries: readonly InventoryEntry[], file: string, warnings: string[]): InventoryEntry[] {
  const kept: InventoryEntry[] = [];
  const indexOf = new Map<InventoryEntry, number>();
  for (const [index, entry] of entries.entries()) {
    const { duplicate, overlaps } = checkOverlap(kept, entry.target);
    if (duplicate !== undefined) {
      const labelsDiffer = JSON.stringify(duplicate.labels) !== JSON.stringify(entry.labels);
      warnings.push(
        `${file}: targets[${index}]: ${entry.target} repeats targets[${indexOf.get(duplicate)}]; the repeat ` +
          `${labelsDiffer ? 'and its different labels are' : 'is'} ignored`,
      );
      continue;
    }
    for (const other of overlaps) {
      warnings.push(
        `${file}: targets[${index}]: ${describeOverlap(entry, other)} (targets[${indexOf.get(other)}]); ` +
          'addresses in both are checked once, for the first entry',
      );
    }
    indexOf.set(entry, index);
    kept.push(entry);
  }
  return kept;
}

interface EnvSettings {
  readonly store?: StoreConfig;
  readonly resolvers?: readonly ResolverAddress[];
  readonly schedule?: string;
  readonly httpPort?: number;
  readonly dns: { readonly timeoutMs?: number; readonly retries?: number; readonly concurrency?: number };
  readonly dqsKey?: Secret;
  readonly problems: readonly string[];
}

/** Spamhaus DQS keys are 26 letters and digits (the catalog checks the same when it applies the key). */
const DQS_KEY = /^[a-z0-9]{26}$/i;

/** Reads the overriding variables; each problem names its variable. Empty values count as unset. */
function readEnvSettings(env: NodeJS.ProcessEnv, cwd: string): EnvSettings {
  const problems: string[] = [];
  const settings: {
    store?: StoreConfig;
    resolvers?: readonly ResolverAddress[];
    schedule?: string;
    httpPort?: number;
    dns: { timeoutMs?: number; retries?: number; concurrency?: number };
    dqsKey?: Secret;
  } = { dns: {} };

  try {
    const engine = readEngineEnv(env);
    if (engine.timeoutMs !== undefined) settings.dns.timeoutMs = engine.timeoutMs;
    if (engine.retries !== undefined) settings.dns.retries = engine.retries;
    if (engine.concurrency !== undefined) settings.dns.concurrency = engine.concurrency;
    if (engine.resolvers.length > 0) {
      try {
        settings.resolvers = engine.resolvers.map(parseResolverAddress);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        problems.push(`environment variable RBLWATCH_RESOLVERS: ${error.message}`);
      }
    }
    if (engine.dqsKey !== undefined) {
      if (DQS_KEY.test(engine.dqsKey)) settings.dqsKey = new Secret(engine.dqsKey);
      // Never echo the key, not even part of it.
      else {
        problems.push(
          'environment variable RBLWATCH_SPAMHAUS_DQS_KEY: malformed: expected 26 letters and digits, got ' +
            `${engine.dqsKey.length} characters`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    problems.push(error.message);
  }

  const store = nonEmpty(env.RBLWATCH_STORE);
  if (store !== undefined) {
    const checked = parseStoreLocation(store, cwd);
    if (checked.ok) settings.store = checked.value;
    else problems.push(`environment variable RBLWATCH_STORE: ${checked.problem}`);
  }

  const schedule = nonEmpty(env.RBLWATCH_SCHEDULE);
  if (schedule !== undefined) {
    const problem = checkCronExpression(schedule);
    if (problem === undefined) settings.schedule = schedule.split(/\s+/).join(' ');
    else problems.push(`environment variable RBLWATCH_SCHEDULE: ${problem}`);
  }

  const port = nonEmpty(env.RBLWATCH_HTTP_PORT);
  if (port !== undefined) {
    const value = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
    if (value >= 1 && value <= 65_535) settings.httpPort = value;
    else
      problems.push(
        `environment variable RBLWATCH_HTTP_PORT: ${JSON.stringify(port)} is not a port (1-65535)`,
      );
  }
  return { ...settings, problems };
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
