/**
 * The PostgreSQL backend (`postgres://`, `postgresql://`) through @keyv/postgres: one table (`rblwatch_kv` by
 * default) of text keys and values. Keys live under `<namespace>:`.
 *
 * Transactions: each one runs on a client of its own from the pool, between `BEGIN` and `COMMIT`, and first takes
 * `pg_advisory_xact_lock` on a key derived from the table and namespace. Every writer of the store takes the same
 * lock, so writers run one at a time and each (at READ COMMITTED, where every statement sees what committed
 * before it) reads the data as the previous writer left it: no lost update. Row locks alone would not do, because
 * a write reads one key and derives another (the index from the items). The wait for the lock is bounded by
 * `lock_timeout`; pg is asynchronous, so the wait never blocks the event loop. Reads outside a transaction use the
 * pool and never wait for a writer (MVCC). The server rolls back a transaction whose connection dies.
 *
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 * @see https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
 */
import { createHash } from 'node:crypto';
import { KeyvPostgres, type KeyvPostgresOptions } from '@keyv/postgres';
import { Keyv } from 'keyv';
import pg from 'pg';
import { AppError, ErrorCode } from '../../errors.ts';
import { redactLocation } from '../redact-location.ts';
import type { StoreBackend } from '../store-backend.ts';
import {
  assertStillWanted,
  DEFAULT_LOCK_TIMEOUT_MS,
  lockedError,
  Mutex,
  type TransactionalStore,
  type TransactionContext,
  type TransactionOptions,
  TransactionScope,
} from '../transactional-store.ts';

/** Options for {@link openPostgres}. */
export interface PostgresOptions {
  /** Key prefix separating this store from others in the same table (default: none). */
  readonly namespace?: string;
  /** Table holding the keys (default `rblwatch_kv`); created if missing. */
  readonly table?: string;
  /** How long opening, or waiting for a pooled connection, may take (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Longest a single statement may take before it fails (default 30000 ms): a stuck server must not hang a scan. */
  readonly queryTimeoutMs?: number;
  /** How long a write waits for another writer's lock before `STORE_LOCKED`, in ms (default 10 000). */
  readonly lockTimeoutMs?: number;
}

type PoolSettings = Pick<
  pg.PoolConfig,
  'connectionString' | 'connectionTimeoutMillis' | 'query_timeout' | 'max'
>;

interface PostgresTransaction extends TransactionContext {
  readonly client: pg.PoolClient;
}

/** PostgreSQL's code for a lock not granted within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * @keyv/postgres with a pool of its own, and {@link TransactionalStore}. The stock adapter keeps one pool per
 * process in module state: a second store on another URL silently drops the first pool, and closing either store
 * ends the pool under both. This subclass gives each store its own pool and ends only that one. Every statement
 * the adapter issues goes through the query function made in `connect()`, which sends it to the open
 * transaction's client when there is one.
 */
class PooledKeyvPostgres extends KeyvPostgres implements TransactionalStore {
  // `declare`: the base constructor calls connect(), which sets these before a field initializer could clear them.
  declare pool: pg.Pool | undefined;
  declare scope: TransactionScope<PostgresTransaction>;
  readonly #mutex = new Mutex();
  readonly #where: string;
  readonly #lockTimeoutMs: number;

  constructor(
    options: KeyvPostgresOptions,
    settings: PoolSettings,
    transactions: { where: string; lockTimeoutMs: number },
  ) {
    // connect() runs inside super(); it reads the settings from the options object it was given.
    super({ ...options, rblwatchPool: settings } as KeyvPostgresOptions);
    this.#where = transactions.where;
    this.#lockTimeoutMs = transactions.lockTimeoutMs;
  }

  override async connect(): Promise<(sql: string, values?: unknown) => Promise<unknown[]>> {
    const { rblwatchPool } = this.opts as { rblwatchPool: PoolSettings };
    const pool = new pg.Pool(rblwatchPool);
    // An idle client losing its connection is reported here; without a listener pg would crash the process.
    pool.on('error', (error) => this.emit('error', error));
    this.pool = pool;
    const scope = new TransactionScope<PostgresTransaction>();
    this.scope = scope;
    return async (sql, values) => {
      const result = await (scope.current()?.client ?? pool).query(sql, values as unknown[] | undefined);
      return result.rows;
    };
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.scope.current() !== undefined) return fn();
    // One transaction per store at a time in this process: waiting for the advisory lock on several pooled
    // clients would only take connections from the readers.
    return this.#mutex.run(async () => {
      // openPostgres() has waited for the adapter's CREATE TABLE before handing the store out.
      const pool = this.pool;
      if (pool === undefined) throw new Error('the pool is not open');
      const client = await pool.connect();
      // An error on a checked-out, idle client is emitted there; without a listener pg would crash the process.
      let broken: Error | undefined;
      const onError = (error: Error): void => {
        broken ??= error;
      };
      client.on('error', onError);
      const started = performance.now();
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('lock_timeout', $1, true)", [`${this.#lockTimeoutMs}ms`]);
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.#lockKey()]);
        const result = await this.scope.run({ open: true, client }, fn);
        assertStillWanted(options.signal);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => {
          broken ??= rollback;
        });
        if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
          throw lockedError(
            `postgres store ${this.#where} is locked by another writer`,
            performance.now() - started,
            error,
          );
        }
        throw error;
      } finally {
        client.off('error', onError);
        // A client whose connection failed is destroyed, not returned to the pool.
        client.release(broken);
      }
    });
  }

  /** A 64-bit advisory lock key for this table and namespace: writers of other stores never wait for it. */
  #lockKey(): string {
    const digest = createHash('sha256')
      .update(`rblwatch\0${this.opts.table}\0${this.namespace ?? ''}`)
      .digest();
    return digest.readBigInt64BE(0).toString();
  }

  override async disconnect(): Promise<void> {
    await this.#mutex.run(async () => this.pool?.end());
  }
}

/**
 * Connects to PostgreSQL, creates the table if needed, and returns a keyv instance over it, or fails within about
 * `connectTimeoutMs`.
 *
 * @throws AppError `STORE_UNAVAILABLE` naming the URL with its password redacted.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Keyv> {
  const table = options.table ?? 'rblwatch_kv';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) {
    throw new AppError(
      ErrorCode.STORE_LOCATION_INVALID,
      `postgres table name ${table} is not a plain identifier`,
    );
  }
  const store = new PooledKeyvPostgres(
    { uri: url, table },
    {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      max: 4,
    },
    { where: redactLocation(url), lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS },
  );
  const keyv = new Keyv({ store, namespace: options.namespace, throwOnErrors: true });

  // The adapter creates its table in the background and reports a failure only as an event; keep it for the message.
  let reason: unknown;
  const capture = (error: unknown): void => {
    reason ??= error;
  };
  keyv.on('error', capture);
  try {
    // Queued behind the CREATE TABLE, so success means the table is there and usable.
    await store.query(`SELECT 1 FROM public.${table} LIMIT 1`);
    return keyv;
  } catch (error) {
    await store.disconnect().catch(() => undefined);
    const why = reason ?? error;
    const detail = why instanceof Error ? why.message : String(why);
    throw new AppError(
      ErrorCode.STORE_UNAVAILABLE,
      `postgres store at ${redactLocation(url)} is unreachable: ${detail}`,
      { cause: why },
    );
  } finally {
    keyv.off('error', capture);
  }
}

/** `postgres://` and `postgresql://`. */
export const postgresBackend = {
  name: 'postgres',
  schemes: ['postgres', 'postgresql'],
  form: 'url',
  hint: 'postgres://...',
  open: openPostgres,
} satisfies StoreBackend;
