/**
 * Opens the listing store named by one location string, the way an operator writes it in `STORE_URL` or
 * `--store`: a SQLite file path (the default, `./data/rblwatch.sqlite`), `memory:`, `redis://`, `rediss://`,
 * `postgres://` or `postgresql://`. The registry below is the one list of backends; each backend file under
 * `backends/` is registered here, which a test checks against the folder.
 */
import type { Keyv } from 'keyv';
import { AppError, ErrorCode } from '../errors.ts';
import { openMemory } from './backends/memory.ts';
import { openPostgres } from './backends/postgres.ts';
import { openRedis } from './backends/redis.ts';
import { openSqlite } from './backends/sqlite.ts';
import { KeyvListingRepository } from './keyv-repository.ts';
import type { ListingRepository } from './listing-repository.ts';
import { redactLocation } from './redact-location.ts';

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
}

/** What a backend is opened with. */
export interface BackendOpenOptions {
  readonly namespace: string;
  readonly connectTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
}

/** One way of storing: which locations it serves and how to open them. */
export interface StoreBackend {
  /** Reported as the repository's `backend`: `sqlite`, `redis`, `postgres`, `memory`. */
  readonly name: string;
  matches(location: string): boolean;
  /** A keyv instance whose store implements TransactionalStore. */
  open(location: string, options: BackendOpenOptions): Promise<Keyv>;
}

/** The default namespace, shared by every rblwatch process pointed at the same store. */
export const DEFAULT_NAMESPACE = 'rblwatch';

const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Builds a backend registry, refusing empty or duplicate names.
 *
 * @throws AppError `STORE_LOCATION_INVALID` on an empty or duplicate name.
 */
export function defineStoreBackends(backends: readonly StoreBackend[]): readonly StoreBackend[] {
  const names = new Set<string>();
  for (const backend of backends) {
    if (backend.name === '' || names.has(backend.name)) {
      throw new AppError(
        ErrorCode.STORE_LOCATION_INVALID,
        `store backend registry: name "${backend.name}" is empty or registered twice`,
      );
    }
    names.add(backend.name);
  }
  return Object.freeze([...backends]);
}

/** Every backend, in matching order: the first whose `matches` accepts a location opens it. */
export const storeBackends: readonly StoreBackend[] = defineStoreBackends([
  {
    name: 'redis',
    matches: (location) => /^rediss?:\/\//i.test(location),
    open: (location, options) => openRedis(location, options),
  },
  {
    name: 'postgres',
    matches: (location) => /^postgres(?:ql)?:\/\//i.test(location),
    open: (location, options) => openPostgres(location, options),
  },
  {
    name: 'memory',
    matches: (location) => location === 'memory:',
    open: (_location, options) => openMemory(options),
  },
  {
    name: 'sqlite',
    // Anything that is not a URL is a file path; an unknown scheme is refused below instead of becoming a file.
    matches: (location) => !URL_SCHEME.test(location) && location !== 'memory:',
    open: (location, options) => openSqlite(location, options),
  },
]);

/** The backend that would open `location`, if any. */
export function selectStoreBackend(location: string): StoreBackend | undefined {
  return storeBackends.find((backend) => backend.matches(location));
}

/**
 * Opens the store at `location` and returns the repository over it, with its identity established (see
 * `ListingRepository.identity`). Callers should run `recover()` before scanning.
 *
 * @throws AppError `STORE_LOCATION_INVALID` for an empty location, an unknown URL scheme, a URL that does not
 *   parse, or a bad namespace; `STORE_UNAVAILABLE` when the backend cannot be reached or opened (within about
 *   `connectTimeoutMs` for servers). Messages name the location with any password redacted.
 */
export async function openStore(
  location: string,
  options: OpenStoreOptions = {},
): Promise<ListingRepository> {
  const where = location.trim();
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      `store namespace "${namespace}" must be 1-64 letters, digits, dots or dashes, starting with a letter or digit`,
    );
  }
  if (where === '') throw new AppError(ErrorCode.STORE_LOCATION_INVALID, 'the store location is empty');
  const backend = selectStoreBackend(where);
  if (backend === undefined) {
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      `unsupported store location ${redactLocation(where)}: use a file path, memory:, redis://, rediss://, ` +
        'postgres:// or postgresql://',
    );
  }
  if (URL_SCHEME.test(where) && !URL.canParse(where)) {
    // No cause: URL's error carries the input, password included.
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      `${backend.name} store URL ${redactLocation(where)} is malformed`,
    );
  }
  const keyv = await backend.open(where, {
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
