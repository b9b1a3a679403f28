/**
 * The alerting and chat parts of `rblwatch.yml` (`destinations`, `routes`, `alerts`, `chat`) and the chat
 * credentials from the environment. Validated with the rest of the file: an unknown destination in a route, a
 * secret written into the file, a plain-http URL to a remote host or a chat destination without credentials stops
 * the start with the field named. Nothing is ever skipped silently.
 *
 * ```yaml
 * destinations:
 *   pager:    { type: pagerduty, routingKey: "${PAGERDUTY_ROUTING_KEY}" }     # url: optional endpoint override
 *   ops-hook: { type: webhook, url: "https://hooks.example.net/rbl", secret: "${WEBHOOK_SECRET}" }
 *   oncall:   { type: opsgenie, apiKey: "${OPSGENIE_API_KEY}", region: eu }
 *   jsm:      { type: jsm, apiKey: "${JSM_API_KEY}" }
 *   mail-ops: { type: slack, channel: C0123456789 }
 *   noc:      { type: discord, channel: "112233445566778899" }
 * routes:
 *   - match: { kind: [listed, delisted], severity: [critical, major] }
 *     to: [pager, ops-hook]
 *   - match: { labels: { customer: acme } }
 *     to: [ops-hook]
 * alerts: { groupWindow: 60s, giveUpAfter: 24h, timeout: 10s }
 * reports: [{ schedule: "0 8 * * 1", to: [mail-ops] }]   # the blacklist report, Mondays 08:00
 * chat:
 *   slack:   { allowedUsers: [U0123], allowedGroups: [S0123], admins: true, mode: socket, port: 3000 }
 *   discord: { allowedUsers: [], allowedRoles: ["1234"], admins: true, guilds: ["1234"] }
 *   lookupLimit: { perUser: 5, window: 1m }
 * ```
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { alertKinds } from '../alerts/alert.ts';
import type { NotifierDefinition } from '../alerts/notifiers/notifier.ts';
import { type DestinationConfig, notifierFor, notifiers } from '../alerts/notifiers/registry.ts';
import type { RetryPolicy } from '../alerts/outbox.ts';
import { defaultRetryPolicy } from '../alerts/outbox.ts';
import type { Route } from '../alerts/route.ts';
import type { ChatPlatformDefinition } from '../chat/chat-platform.ts';
import {
  type ChatConfig,
  type ChatPlatformConfigs,
  chatPlatforms,
  platformSettings,
} from '../chat/platforms.ts';
import { defaultLookupLimit } from '../chat/rate-limit.ts';
import { normalizeZoneName } from '../zones/zone-file-schema.ts';
import { parseDuration } from './duration.ts';
import { formatConfigPath } from './format-path.ts';
import { Secret } from './secret.ts';

export interface AlertsConfig {
  readonly destinations: readonly DestinationConfig[];
  readonly routes: readonly Route[];
  /** Grouped destinations wait this long for more alerts of the same kind (default 60 s). */
  readonly groupWindowMs: number;
  readonly retry: RetryPolicy;
  /** Per-request timeout for notifier HTTP calls (default 10 s). */
  readonly timeoutMs: number;
  /** Scheduled blacklist reports: when (node-cron, in the config's `timezone`) and to which destinations. */
  readonly reports: readonly ReportSchedule[];
}

export interface ReportSchedule {
  readonly schedule: string;
  /** Chat and webhook destinations (pagers take alerts only). */
  readonly to: readonly string[];
}

export const alertDefaults = Object.freeze({
  groupWindowMs: 60_000,
  timeoutMs: 10_000,
});

const severities = ['critical', 'major', 'minor', 'info'] as const;
const DESTINATION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

function durationField(what: string, min: number, max: number) {
  return z.string({ error: `must be a duration such as ${what}` }).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms !== undefined && ms >= min && ms <= max) return ms;
    ctx.addIssue({
      code: 'custom',
      message:
        ms === undefined
          ? `${JSON.stringify(value)} is not a duration: use a number and a unit (s, m, h, d), e.g. ${what}`
          : `${JSON.stringify(value)} is out of range`,
    });
    return z.NEVER;
  });
}

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(item).min(1));

/**
 * The mapping schemas, plugged into the file schema by `app-config.ts`. `destinations` is the union of the
 * registered types' schemas, discriminated by `type`.
 */
export function buildAlertsSchemas(
  registry: readonly NotifierDefinition[] = notifiers,
  platforms: readonly ChatPlatformDefinition[] = chatPlatforms,
) {
  const [first, ...rest] = registry.map((definition) => definition.configSchema);
  if (first === undefined) throw new Error('the notifier registry is empty');
  const types = registry.map((definition) => definition.type).join(', ');
  const destination = z.discriminatedUnion('type', [first, ...rest], {
    error: (issue) => (issue.code === 'invalid_union' ? `type must be one of: ${types}` : undefined),
  });
  const labelValues = oneOrMany(z.string().min(1));
  const route = z.strictObject({
    match: z
      .strictObject({
        kind: oneOrMany(z.enum(alertKinds as [string, ...string[]])).optional(),
        severity: oneOrMany(z.enum(severities)).optional(),
        zone: oneOrMany(z.string().min(1)).optional(),
        labels: z
          .strictObject({
            owner: labelValues.optional(),
            team: labelValues.optional(),
            customer: labelValues.optional(),
            tags: labelValues.optional(),
          })
          .optional(),
        initial: z.boolean().optional(),
      })
      .nullish(),
    to: oneOrMany(z.string().min(1)),
  });
  const alerts = z.strictObject({
    groupWindow: durationField('60s', 0, 3_600_000).optional(),
    giveUpAfter: durationField('24h', 60_000, 7 * 86_400_000).optional(),
    timeout: durationField('10s', 1_000, 120_000).optional(),
  });
  const report = z.strictObject({
    schedule: z.string({ error: 'must be a cron expression such as "0 8 * * 1"' }),
    to: oneOrMany(z.string().min(1)),
  });
  const chat = z.strictObject({
    ...Object.fromEntries(platforms.map((platform) => [platform.name, platform.configSchema.optional()])),
    lookupLimit: z
      .strictObject({
        perUser: z.number().int().min(1).max(1000).optional(),
        window: durationField('1m', 1_000, 86_400_000).optional(),
      })
      .optional(),
  });
  return {
    shapes: {
      destinations: z.record(z.string(), destination, { error: 'must be a mapping of name: destination' }),
      routes: z.array(route, { error: 'must be a list of routes' }),
      alerts,
      chat,
      reports: z.array(report, { error: 'must be a list of { schedule, to }' }),
    },
    allowedKeys: [
      ['alerts', ['groupWindow', 'giveUpAfter', 'timeout']],
      ['routes[]', ['match', 'to']],
      ['routes[].match', ['kind', 'severity', 'zone', 'labels', 'initial']],
      ['chat', [...platforms.map((platform) => platform.name), 'lookupLimit']],
      ['reports[]', ['schedule', 'to']],
    ] as const,
  };
}

type Schemas = ReturnType<typeof buildAlertsSchemas>['shapes'];
/** One destination as the union schema leaves it: its type's fields, read by that type's `resolve`. */
interface DestinationSpec {
  readonly type: string;
  readonly url?: unknown;
  readonly allowInsecure?: unknown;
  readonly [field: string]: unknown;
}
export interface AlertsInput {
  readonly destinations?: z.infer<Schemas['destinations']> | null | undefined;
  readonly routes?: z.infer<Schemas['routes']> | null | undefined;
  readonly alerts?: z.infer<Schemas['alerts']> | null | undefined;
  readonly chat?: z.infer<Schemas['chat']> | null | undefined;
  readonly reports?: z.infer<Schemas['reports']> | null | undefined;
}

/**
 * Checks what the schemas cannot see on their own and builds the typed config.
 * @param raw - the document before `${VAR}` expansion: secrets must be references there, not values.
 */
export function resolveAlertsConfig(
  input: AlertsInput,
  raw: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  problems: string[],
  checkCron: (expression: string) => string | undefined,
  registry: readonly NotifierDefinition[] = notifiers,
  platforms: readonly ChatPlatformDefinition[] = chatPlatforms,
): { alerts: AlertsConfig; chat: ChatConfig } {
  const where = (...path: PropertyKey[]) => `${file}: ${formatConfigPath(path)}`;
  const chat = resolveChat(input.chat ?? undefined, env, problems, platforms);
  const destinations: DestinationConfig[] = [];
  // The union schema checked each entry against its type's schema; each type's `resolve` reads its own fields.
  const specs = Object.entries(input.destinations ?? {}) as [string, DestinationSpec][];
  for (const [name, spec] of specs) {
    if (!DESTINATION_NAME.test(name)) {
      problems.push(
        `${where('destinations', name)}: destination names are lowercase letters, digits, - and _ (up to 64)`,
      );
      continue;
    }
    const definition = notifierFor(spec.type, registry);
    if (definition === undefined) continue;
    if (definition.platform !== undefined && platformSettings(chat, definition.platform) === undefined) {
      const needed = platforms.find((platform) => platform.name === definition.platform);
      const variable = needed?.credential ?? `a ${definition.platform} connection`;
      problems.push(
        `${where('destinations', name)}: a ${spec.type} destination needs ${variable} in the environment`,
      );
      continue;
    }
    const resolved = definition.resolve(spec, {
      name,
      secret(field) {
        const written = rawAt(raw, ['destinations', name, field]);
        if (typeof written !== 'string' || !ENV_REFERENCE.test(written.trim())) {
          problems.push(
            `${where('destinations', name, field)}: secrets come from the environment only: write ` +
              `${field}: "\${${suggestVariable(name, field)}}" and set that variable (.env.example lists it)`,
          );
          return undefined;
        }
        return new Secret(String((spec as Record<string, unknown>)[field]).trim());
      },
      url(fallback) {
        const given = typeof spec.url === 'string' ? spec.url : undefined;
        const text = given ?? fallback;
        if (text === undefined) return undefined;
        const problem = checkUrl(text, spec.allowInsecure === true);
        if (problem) {
          problems.push(`${where('destinations', name, 'url')}: ${problem}`);
          return undefined;
        }
        return text.replace(/\/+$/, '');
      },
      problem(field, message) {
        problems.push(
          `${field === undefined ? where('destinations', name) : where('destinations', name, field)}: ${message}`,
        );
      },
    });
    if (resolved !== undefined) destinations.push(resolved as DestinationConfig);
  }
  const known = new Set(Object.keys(input.destinations ?? {}));
  const routes: Route[] = [];
  for (const [index, route] of (input.routes ?? []).entries()) {
    for (const [position, name] of route.to.entries()) {
      if (!known.has(name)) {
        const list =
          known.size > 0 ? ` (destinations: ${[...known].join(', ')})` : ' (no destinations are defined)';
        problems.push(`${where('routes', index, 'to', position)}: unknown destination "${name}"${list}`);
      }
    }
    const match = route.match ?? {};
    routes.push({
      to: route.to,
      match: {
        ...(match.kind ? { kind: match.kind as Route['match']['kind'] } : {}),
        ...(match.severity ? { severity: match.severity } : {}),
        ...(match.zone ? { zone: match.zone.map(normalizeZoneName) } : {}),
        ...(match.labels ? { labels: match.labels } : {}),
        ...(match.initial === undefined ? {} : { initial: match.initial }),
      },
    });
  }
  const types = new Map(specs.map(([name, spec]) => [name, spec.type]));
  const reports: ReportSchedule[] = [];
  for (const [index, entry] of (input.reports ?? []).entries()) {
    const cronProblem = checkCron(entry.schedule);
    if (cronProblem) problems.push(`${where('reports', index, 'schedule')}: ${cronProblem}`);
    for (const [position, name] of entry.to.entries()) {
      const type = types.get(name);
      if (type === undefined) {
        problems.push(`${where('reports', index, 'to', position)}: unknown destination "${name}"`);
      } else if (notifierFor(type, registry)?.mode === 'per-key') {
        problems.push(
          `${where('reports', index, 'to', position)}: ${name} is a pager (${type}); reports go to chat channels and webhooks`,
        );
      }
    }
    reports.push({ schedule: entry.schedule.trim().split(/\s+/).join(' '), to: entry.to });
  }
  // A destination nothing sends to is almost always a typo in a route: say so rather than stay silent.
  const used = new Set([...routes, ...reports].flatMap((entry) => entry.to));
  for (const name of known) {
    if (!used.has(name)) {
      problems.push(
        `${where('destinations', name)}: no route or report sends anything here (add one to routes)`,
      );
    }
  }
  const settings = input.alerts ?? {};
  return {
    alerts: {
      destinations,
      routes,
      groupWindowMs: settings.groupWindow ?? alertDefaults.groupWindowMs,
      retry: { ...defaultRetryPolicy, horizonMs: settings.giveUpAfter ?? defaultRetryPolicy.horizonMs },
      timeoutMs: settings.timeout ?? alertDefaults.timeoutMs,
      reports,
    },
    chat,
  };
}

/** https anywhere; plain http only to loopback (a local relay) or when `allowInsecure: true` says so. */
export function checkUrl(text: string, allowInsecure: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'must not carry credentials (use the secret fields)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `must be an https:// URL (got ${url.protocol})`;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (loopback || allowInsecure) return undefined;
  return 'must be https:// (plain http:// is accepted only for loopback addresses or with allowInsecure: true)';
}

function rawAt(document: unknown, path: readonly string[]): unknown {
  let node = document;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function suggestVariable(name: string, field: string): string {
  const snake = (text: string) => text.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_');
  return `${snake(name)}_${snake(field)}`.toUpperCase();
}

/** Each platform whose credential is set, read by its definition; the lookup limit they share. */
function resolveChat(
  input: z.infer<Schemas['chat']> | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
  platforms: readonly ChatPlatformDefinition[],
): ChatConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const sections = (input ?? {}) as Readonly<Record<string, unknown>>;
  const enabled: [string, unknown][] = [];
  for (const platform of platforms) {
    const settings = platform.detect(sections[platform.name] as never, {
      read,
      secret: (variable) => {
        const value = read(variable);
        return value === undefined ? undefined : new Secret(value);
      },
      problem: (variable, message) => problems.push(`environment variable ${variable}: ${message}`),
    });
    if (settings !== undefined) enabled.push([platform.name, settings]);
  }
  const lookupLimit = (input as { lookupLimit?: { perUser?: number; window?: number } } | undefined)
    ?.lookupLimit;
  return {
    ...(Object.fromEntries(enabled) as ChatPlatformConfigs),
    lookupLimit: {
      limit: lookupLimit?.perUser ?? defaultLookupLimit.limit,
      windowMs: lookupLimit?.window ?? defaultLookupLimit.windowMs,
    },
  };
}
