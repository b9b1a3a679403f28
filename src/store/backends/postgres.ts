/**
 * The PostgreSQL backend (`postgres://`, `postgresql://`) through @keyv/postgres: one table (`rblwatch_kv` by
 * default) of text keys and values. Keys live under `<namespace>:`. Each keyv write is one `INSERT ... ON
 * CONFLICT` statement, committed and fsynced by the server, so the repository's write-ahead commit is atomic.
 */
import { KeyvPostgres, type KeyvPostgresOptions } from '@keyv/postgres';
import { Keyv } from 'keyv';
import pg from 'pg';
import { AppError, ErrorCode } from '../../errors.ts';
import { redactLocation } from '../redact-location.ts';

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
}

type PoolSettings = Pick<
  pg.PoolConfig,
  'connectionString' | 'connectionTimeoutMillis' | 'query_timeout' | 'max'
>;

/**
 * @keyv/postgres with a pool of its own. The stock adapter keeps one pool per process in module state: a second
 * store on another URL silently drops the first pool, and closing either store ends the pool under both. This
 * subclass gives each store its own pool and ends only that one.
 */
class PooledKeyvPostgres extends KeyvPostgres {
  // `declare`: the base constructor calls connect(), which sets this before a field initializer could clear it.
  declare pool: pg.Pool | undefined;

  constructor(options: KeyvPostgresOptions, settings: PoolSettings) {
    // connect() runs inside super(); it reads the settings from the options object it was given.
    super({ ...options, rblwatchPool: settings } as KeyvPostgresOptions);
  }

  override async connect(): Promise<(sql: string, values?: unknown) => Promise<unknown[]>> {
    const { rblwatchPool } = this.opts as { rblwatchPool: PoolSettings };
    const pool = new pg.Pool(rblwatchPool);
    // An idle client losing its connection is reported here; without a listener pg would crash the process.
    pool.on('error', (error) => this.emit('error', error));
    this.pool = pool;
    return async (sql, values) => {
      const result = await pool.query(sql, values as unknown[] | undefined);
      return result.rows;
    };
  }

  override async disconnect(): Promise<void> {
    await this.pool?.end();
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
