/**
 * Opens the listing store named by one location string, the way an operator writes it in `store:` or
 * `RBLWATCH_STORE`: a SQLite file path (the default, `./data/rblwatch.sqlite`), `memory:`,
 * `redis://`, `rediss://`, `postgres://` or `postgresql://`. The registry below is the one list of backends: the
 * configuration parses `store:` with {@link parseStoreLocation} over it, and {@link openStore} opens what that
 * parse returns, so a location means the same thing everywhere. Each backend file under `backends/` exports its
 * definition; a test checks the registry against the folder.
 */
import { resolve } from 'node:path';
import { AppError, ErrorCode } from '../errors.ts';
import { defineRegistry } from '../registry.ts';
import { memoryBackend } from './backends/memory.ts';
import { postgresBackend } from './backends/postgres.ts';
import { redisBackend } from './backends/redis.ts';
import { sqliteBackend } from './backends/sqlite.ts';
import { KeyvListingRepository } from './keyv-repository.ts';
import type { ListingRepository } from './listing-repository.ts';
import { redactLocation } from './redact-location.ts';
import type { StoreBackend } from './store-backend.ts';

export type { BackendOpenOptions, StoreBackend } from './store-backend.ts';

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Key prefix isolating this store from others sharing the database (default `rblwatch`). Letters, digits, `.`
   * and `-` only, so it can never act as a wildcard in the backends' prefix matching.
   */
  readonly namespace?: string;
  /** How long connecting to a server may take before opening fails (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a write waits for other writers (another process holding the SQLite write lock, the PostgreSQL
   * store lock, Redis data that keeps changing) before it fails with `STORE_LOCKED` (default 10 000 ms).
   */
  readonly lockTimeoutMs?: number;
  /** Longest one operation may take before it fails with `STORE_TIMEOUT` (default 20 000 ms). */
  readonly operationTimeoutMs?: number;
  /** What a relative file path is relative to (default: the working directory). */
  readonly baseDir?: string;
  /** The backends to choose from (default: {@link storeBackends}). */
  readonly backends?: readonly StoreBackend[];
}

/** A parsed store location. */
export interface StoreLocation {
  /** The backend's name (`sqlite`, `memory`, `redis`, `postgres`). */
  readonly kind: string;
  /** What the backend opens: an absolute file path, `memory:`, or the URL as written. */
  readonly location: string;
  /** Safe to log and print: a URL's password (and credential-like parameters) masked. */
  readonly display: string;
}

/** A location, or why it cannot be used (never repeating a URL, which may carry a password). */
export type ParsedStoreLocation =
  | { readonly ok: true; readonly value: StoreLocation }
  | { readonly ok: false; readonly problem: string };

/** The default namespace, shared by every rblwatch process pointed at the same store. */
export const DEFAULT_NAMESPACE = 'rblwatch';

const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
/** `scheme://...`; a Windows path (`C:\...`) has no `//` and stays a path. */
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `scheme:` and nothing after it (`memory:`). */
const SCHEME_ONLY = /^([A-Za-z][A-Za-z0-9+.-]*):$/;

/**
 * Builds a backend registry, refusing empty or duplicate names.
 *
 * @throws AppError `REGISTRY_INVALID` on an empty or duplicate name, or no backend at all.
 */
export function defineStoreBackends(backends: readonly StoreBackend[]): readonly StoreBackend[] {
  return defineRegistry('store backend', backends, (backend) => backend.name, { nonEmpty: true });
}

/** Every backend. Each location names exactly one: by its scheme, or as a plain path (the `file` backend). */
export const storeBackends: readonly StoreBackend[] = defineStoreBackends([
  sqliteBackend,
  memoryBackend,
  redisBackend,
  postgresBackend,
]);

/** The backend that would open `location`, if any (whether or not the rest of the location is valid). */
export function selectStoreBackend(
  location: string,
  backends: readonly StoreBackend[] = storeBackends,
): StoreBackend | undefined {
  const value = location.trim();
  const scheme = (SCHEME_URL.exec(value) ?? SCHEME_ONLY.exec(value))?.[1]?.toLowerCase();
  if (scheme === undefined) return backends.find((backend) => backend.form === 'file');
  return backends.find((backend) => backend.schemes.includes(scheme));
}

/**
 * Parses a store location against the registry: the one parse used for the config file, the environment and
 * {@link openStore}.
 * @param baseDir - what a relative file path is relative to.
 */
export function parseStoreLocation(
  text: string,
  baseDir: string,
  backends: readonly StoreBackend[] = storeBackends,
): ParsedStoreLocation {
  const value = text.trim();
  if (value === '') return { ok: false, problem: 'must not be empty' };
  const url = SCHEME_URL.exec(value)?.[1]?.toLowerCase();
  const scheme = url ?? SCHEME_ONLY.exec(value)?.[1]?.toLowerCase();
  const backend = selectStoreBackend(value, backends);
  if (backend === undefined) {
    const hints = backends.flatMap((candidate) => (candidate.hint ? [candidate.hint] : []));
    const use = hints.length > 1 ? `${hints.slice(0, -1).join(', ')} or ${hints.at(-1)}` : (hints[0] ?? '');
    return {
      ok: false,
      problem:
        scheme === undefined
          ? `no backend takes file paths: use ${use}`
          : `unsupported store "${scheme}${url ? '://' : ':'}": use ${use}`,
    };
  }
  const ok = (location: string, display = location): ParsedStoreLocation => ({
    ok: true,
    value: { kind: backend.name, location, display },
  });
  switch (backend.form) {
    case 'file': {
      const path = scheme === undefined ? value : value.slice(value.indexOf(':') + 1).replace(/^\/\//, '');
      if (path === '') return { ok: false, problem: `${scheme}:// needs a file path` };
      // `:memory:` is SQLite's name for a throwaway database, not a file to resolve.
      return ok(path === ':memory:' ? path : resolve(baseDir, path));
    }
    case 'name':
      if (url !== undefined) return { ok: false, problem: `write ${scheme}: with nothing after it` };
      return ok(`${scheme}:`);
    case 'url': {
      if (url === undefined || !URL.canParse(value))
        return { ok: false, problem: `not a valid ${scheme}:// URL` };
      if (new URL(value).hostname === '') return { ok: false, problem: `the ${scheme}:// URL names no host` };
      return ok(value, redactLocation(value));
    }
  }
}

/**
 * Opens the store at `location` and returns the repository over it, with its identity established (see
 * `ListingRepository.identity`). Callers should run `recover()` before scanning.
 *
 * @param location - as an operator writes it, or as {@link parseStoreLocation} (the config's `store`) returned it.
 * @throws AppError `STORE_LOCATION_INVALID` for an empty location, an unknown scheme, a URL that does not parse,
 *   or a bad namespace; `STORE_UNAVAILABLE` when the backend cannot be reached or opened (within about
 *   `connectTimeoutMs` for servers). Messages name the location with any password redacted.
 */
export async function openStore(
  location: string | StoreLocation,
  options: OpenStoreOptions = {},
): Promise<ListingRepository> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      `store namespace "${namespace}" must be 1-64 letters, digits, dots or dashes, starting with a letter or digit`,
    );
  }
  const backends = options.backends ?? storeBackends;
  const where = typeof location === 'string' ? location.trim() : location.location;
  const parsed = parseStoreLocation(where, options.baseDir ?? process.cwd(), backends);
  if (!parsed.ok) {
    // No cause: a URL's own parse error carries the input, password included.
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      where === ''
        ? 'the store location is empty'
        : `store location ${redactLocation(where)}: ${parsed.problem}`,
    );
  }
  const backend = backends.find((candidate) => candidate.name === parsed.value.kind) as StoreBackend;
  const keyv = await backend.open(parsed.value.location, {
    namespace,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  });
  return KeyvListingRepository.open({
    keyv,
    backend: backend.name,
    ...(options.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: options.operationTimeoutMs }),
  });
}
