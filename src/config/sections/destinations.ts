/**
 * `destinations:` (where alerts go; one schema per registered notifier type, discriminated by `type`) and
 * `alerts:` (how they are delivered: grouping window, give-up horizon, per-request timeout). A secret written into
 * the file, a plain-http URL to a remote host or a chat destination without its platform's credentials stops the
 * start with the field named; nothing is ever skipped silently.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { NotifierDefinition } from '../../alerts/notifiers/notifier.ts';
import { type DestinationConfig, notifierFor, notifiers } from '../../alerts/notifiers/registry.ts';
import { defaultRetryPolicy, type RetryPolicy } from '../../alerts/outbox.ts';
import type { ChatPlatformDefinition } from '../../chat/chat-platform.ts';
import { type ChatConfig, chatPlatforms, platformSettings } from '../../chat/platforms.ts';
import { Secret } from '../../domain/secret.ts';
import { durationField } from '../fields.ts';
import type { SectionContext } from '../section.ts';

/** How alerts are delivered (`alerts:`). */
export interface DeliveryConfig {
  /** Grouped destinations wait this long for more alerts of the same kind (default 60 s). */
  readonly groupWindowMs: number;
  readonly retry: RetryPolicy;
  /** Per-request timeout for notifier HTTP calls (default 10 s). */
  readonly timeoutMs: number;
}

export const alertDefaults = Object.freeze({ groupWindowMs: 60_000, timeoutMs: 10_000 });

const DESTINATION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

const alertsShape = {
  groupWindow: durationField('60s', 0, 3_600_000).optional(),
  giveUpAfter: durationField('24h', 60_000, 7 * 86_400_000).optional(),
  timeout: durationField('10s', 1_000, 120_000).optional(),
};

/** The top-level keys of this section: `destinations`, the union of the registered types' schemas, and `alerts`. */
export function destinationsKeys(registry: readonly NotifierDefinition[] = notifiers) {
  const [first, ...rest] = registry.map((definition) => definition.configSchema);
  if (first === undefined) throw new Error('the notifier registry is empty');
  const types = registry.map((definition) => definition.type).join(', ');
  const destination = z.discriminatedUnion('type', [first, ...rest], {
    error: (issue) => (issue.code === 'invalid_union' ? `type must be one of: ${types}` : undefined),
  });
  return {
    destinations: z.record(z.string(), destination, { error: 'must be a mapping of name: destination' }),
    alerts: z.strictObject(alertsShape),
  };
}

export const destinationsAllowedKeys = [['alerts', Object.keys(alertsShape)]] as const;

/** One destination as the union leaves it: its type's fields, which that type's `resolve` reads. */
export interface DestinationSpec {
  readonly type: string;
  readonly url?: unknown;
  readonly allowInsecure?: unknown;
  readonly [field: string]: unknown;
}

export interface DestinationsFile {
  readonly destinations?: Readonly<Record<string, unknown>> | null | undefined;
  readonly alerts?: { groupWindow?: number; giveUpAfter?: number; timeout?: number } | null | undefined;
}

/** The destinations as written: name and spec, in file order, for routes and reports to check against. */
export function destinationSpecs(file: DestinationsFile): [string, DestinationSpec][] {
  // The union schema checked each entry against its type's schema.
  return Object.entries(file.destinations ?? {}) as [string, DestinationSpec][];
}

/**
 * Checks each destination with its type's definition and builds it.
 * @param raw - the document before `${VAR}` expansion: secrets must be references there, not values.
 */
export function resolveDestinations(
  file: DestinationsFile,
  raw: unknown,
  chat: ChatConfig,
  context: SectionContext,
  registry: readonly NotifierDefinition[] = notifiers,
  platforms: readonly ChatPlatformDefinition[] = chatPlatforms,
): DestinationConfig[] {
  const destinations: DestinationConfig[] = [];
  for (const [name, spec] of destinationSpecs(file)) {
    const field = (...path: string[]) => ['destinations', name, ...path];
    if (!DESTINATION_NAME.test(name)) {
      context.issues.inFile(field(), 'destination names are lowercase letters, digits, - and _ (up to 64)');
      continue;
    }
    const definition = notifierFor(spec.type, registry);
    if (definition === undefined) continue;
    if (definition.platform !== undefined && platformSettings(chat, definition.platform) === undefined) {
      const needed = platforms.find((platform) => platform.name === definition.platform);
      const variable = needed?.credential ?? `a ${definition.platform} connection`;
      context.issues.inFile(field(), `a ${spec.type} destination needs ${variable} in the environment`);
      continue;
    }
    const resolved = definition.resolve(spec, {
      name,
      secret(key) {
        const written = rawAt(raw, field(key));
        if (typeof written !== 'string' || !ENV_REFERENCE.test(written.trim())) {
          context.issues.inFile(
            field(key),
            'secrets come from the environment only: write ' +
              `${key}: "\${${suggestVariable(name, key)}}" and set that variable (.env.example lists it)`,
          );
          return undefined;
        }
        return new Secret(String(spec[key]).trim());
      },
      url(fallback) {
        const text = (typeof spec.url === 'string' ? spec.url : undefined) ?? fallback;
        if (text === undefined) return undefined;
        const problem = checkUrl(text, spec.allowInsecure === true);
        if (problem === undefined) return text.replace(/\/+$/, '');
        context.issues.inFile(field('url'), problem);
        return undefined;
      },
      problem: (key, message) => context.issues.inFile(key === undefined ? field() : field(key), message),
    });
    // A registry passed in by a test may add types the union does not name.
    if (resolved !== undefined) destinations.push(resolved as DestinationConfig);
  }
  return destinations;
}

/** A destination nothing sends to is almost always a typo in a route: say so rather than stay silent. */
export function checkDestinationsUsed(
  file: DestinationsFile,
  used: ReadonlySet<string>,
  context: SectionContext,
): void {
  for (const [name] of destinationSpecs(file)) {
    if (!used.has(name)) {
      context.issues.inFile(
        ['destinations', name],
        'no route or report sends anything here (add one to routes)',
      );
    }
  }
}

export function resolveDelivery(file: DestinationsFile): DeliveryConfig {
  const settings = file.alerts ?? {};
  return {
    groupWindowMs: settings.groupWindow ?? alertDefaults.groupWindowMs,
    retry: { ...defaultRetryPolicy, horizonMs: settings.giveUpAfter ?? defaultRetryPolicy.horizonMs },
    timeoutMs: settings.timeout ?? alertDefaults.timeoutMs,
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
