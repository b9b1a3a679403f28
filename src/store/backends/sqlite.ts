/**
 * The SQLite backend: a keyv storage adapter over better-sqlite3, so the default install needs no server.
 *
 * Durability: the database runs in WAL mode with `synchronous = FULL`, so a transaction is on disk (WAL fsynced)
 * before it resolves; a write that has resolved survives SIGKILL and power loss.
 *
 * Concurrency: two connections per store. The writer runs every write as `BEGIN IMMEDIATE` ... `COMMIT`, which
 * takes SQLite's one write lock for the file at the start, so a read-modify-write cannot interleave with any other
 * writer, in this process or another. Its busy timeout is 0: better-sqlite3 is synchronous, and SQLite's own busy
 * wait would freeze the whole event loop (chat acks, timers) while another process holds the lock. Instead a taken
 * lock (`SQLITE_BUSY`) is retried on timers with jittered backoff until a deadline, then fails with
 * `STORE_LOCKED`. Reads outside a transaction go to the reader connection: in WAL mode a reader never waits for a
 * writer and never sees uncommitted data, so reads answer at once even while another process holds the lock.
 *
 * Why not a worker thread: it would also keep the loop free, but every value would cross a thread boundary (a
 * structured clone of the JSON text), and the busy wait would still hold the worker, so its queue would stall
 * reads behind a locked write. Each statement here takes microseconds to milliseconds; only the lock wait is
 * long, and that wait is what runs on timers.
 *
 * @see https://www.sqlite.org/wal.html
 * @see https://www.sqlite.org/lang_transaction.html (BEGIN IMMEDIATE)
 * @see https://www.sqlite.org/pragma.html#pragma_synchronous
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import { AppError, ErrorCode } from '../../errors.ts';
import type { StoreBackend } from '../store-backend.ts';
import {
  assertStillWanted,
  DEFAULT_LOCK_TIMEOUT_MS,
  lockedError,
  Mutex,
  RETRY,
  retryWithBackoff,
  type TransactionalStore,
  type TransactionContext,
  type TransactionOptions,
  TransactionScope,
} from '../transactional-store.ts';

interface Row {
  readonly key: string;
  readonly value: string;
}

/** The statements of one connection. */
interface Statements {
  readonly select: Database.Statement<[string], Row>;
}

/** Options for {@link SqliteKeyvStore}. */
export interface SqliteStoreOptions {
  /** The connection that writes. */
  readonly writer: Database.Database;
  /** A second connection to the same file for reads; without one (`:memory:`) reads share the writer. */
  readonly reader?: Database.Database;
  /** How long a write waits for another process's write lock before `STORE_LOCKED`, in ms (default 10 000). */
  readonly lockTimeoutMs?: number;
}

/** Whether better-sqlite3 failed because another connection holds a lock (`SQLITE_BUSY` and its variants). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs a statement, retrying on timers while another connection holds the lock it needs. Statements other than
 * `BEGIN IMMEDIATE` meet a lock only in rare cases (a WAL recovery after a crash), so this is cheap insurance.
 */
function withoutBusyWait<T>(file: string, timeoutMs: number, statement: () => T): Promise<T> {
  return retryWithBackoff(
    () => {
      try {
        return statement();
      } catch (error) {
        if (isBusy(error)) return RETRY;
        throw error;
      }
    },
    { timeoutMs },
    (waited) => lockedError(`sqlite store ${file} is locked by another process`, waited),
  );
}

/**
 * keyv's storage contract over one SQLite table (`kv`: key text primary key, value text), with
 * {@link TransactionalStore}. Values arrive already serialized by keyv (a JSON string with the value and its
 * expiry), so the adapter stores text and ignores `ttl`: keyv checks expiry itself on read, and rblwatch sets none.
 */
export class SqliteKeyvStore extends EventEmitter implements KeyvStoreAdapter, TransactionalStore {
  /** Read by keyv to decide about iteration; `dialect` and `url` follow the other adapters' shape. */
  readonly opts: { readonly dialect: 'sqlite'; readonly url: string };
  /** Set by keyv from its own namespace; `clear()` deletes only this namespace's keys. */
  namespace?: string | undefined;
  readonly #writer: Database.Database;
  readonly #reader: Database.Database | undefined;
  readonly #file: string;
  readonly #lockTimeoutMs: number;
  readonly #write: Statements;
  readonly #read: Statements;
  readonly #upsert: Database.Statement<[string, string]>;
  readonly #remove: Database.Statement<[string]>;
  /** Transactions of this process take turns on the one writer connection. */
  readonly #mutex = new Mutex();
  readonly #scope = new TransactionScope<TransactionContext>();

  /** Expects the `kv` table to exist: {@link openSqlite} creates it. */
  constructor(options: SqliteStoreOptions) {
    super();
    this.#writer = options.writer;
    this.#reader = options.reader;
    this.#file = options.writer.name;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.opts = { dialect: 'sqlite', url: options.writer.name };
    const statements = (db: Database.Database): Statements => ({
      select: db.prepare<[string], Row>('SELECT key, value FROM kv WHERE key = ?'),
    });
    this.#write = statements(this.#writer);
    this.#read = this.#reader === undefined ? this.#write : statements(this.#reader);
    this.#upsert = this.#writer.prepare<[string, string]>(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.#remove = this.#writer.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  }

  // keyv's contract is generic in the stored value; this table only ever holds keyv's serialized strings.
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return (await this.#select((statements) => statements.select.get(key)?.value)) as
      | StoredData<Value>
      | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    // One connection for the whole batch; in a transaction, one consistent view.
    return (await this.#select((statements) =>
      keys.map((key) => statements.select.get(key)?.value),
    )) as Array<StoredData<Value | undefined>>;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    await this.transaction(async () => {
      this.#upsert.run(key, textOf(value));
    });
    return true;
  }

  async setMany(values: Array<{ key: string; value: unknown }>): Promise<void> {
    await this.transaction(async () => {
      for (const entry of values) this.#upsert.run(entry.key, textOf(entry.value));
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.transaction(async () => this.#remove.run(key).changes > 0);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return this.transaction(async () => {
      let deleted = false;
      for (const key of keys) deleted = this.#remove.run(key).changes > 0 || deleted;
      return deleted;
    });
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async clear(): Promise<void> {
    await this.transaction(async () => {
      if (this.namespace === undefined) {
        this.#writer.prepare('DELETE FROM kv').run();
        return;
      }
      // LIKE treats % and _ as wildcards: escape them so one namespace never clears another.
      const prefix = `${this.namespace}:`.replace(/[\\%_]/g, '\\$&');
      this.#writer.prepare("DELETE FROM kv WHERE key LIKE ? ESCAPE '\\'").run(`${prefix}%`);
    });
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.#scope.current() !== undefined) return fn();
    return this.#mutex.run(async () => {
      assertStillWanted(options.signal);
      await withoutBusyWait(this.#file, this.#lockTimeoutMs, () => this.#writer.exec('BEGIN IMMEDIATE'));
      try {
        const result = await this.#scope.run({ open: true }, fn);
        assertStillWanted(options.signal);
        this.#writer.exec('COMMIT');
        return result;
      } catch (error) {
        // Undo everything the transaction wrote. A failed rollback must not hide why the transaction failed; SQLite
        // rolls back on its own when the connection closes.
        if (this.#writer.inTransaction) {
          try {
            this.#writer.exec('ROLLBACK');
          } catch {}
        }
        throw error;
      }
    });
  }

  async disconnect(): Promise<void> {
    // Let a transaction in flight finish first: closing under it would fail it half-way through its statements.
    await this.#mutex.run(async () => {
      if (this.#reader?.open) this.#reader.close();
      if (this.#writer.open) this.#writer.close();
    });
  }

  /** Runs a read on the connection that may see the data: the writer inside a transaction, else the reader. */
  async #select<T>(read: (statements: Statements) => T): Promise<T> {
    if (this.#scope.current() !== undefined) return read(this.#write);
    // With no reader of its own (`:memory:`), a read waits for the transaction in flight instead of seeing it half.
    if (this.#reader === undefined) return this.#mutex.run(async () => read(this.#write));
    return withoutBusyWait(this.#file, this.#lockTimeoutMs, () => read(this.#read));
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Options for {@link openSqlite}. */
export interface OpenSqliteOptions {
  readonly namespace?: string;
  /** How long a write waits for another process's write lock before `STORE_LOCKED`, in ms (default 10 000). */
  readonly lockTimeoutMs?: number;
}

/**
 * Opens (creating it and its parent directory if needed) the SQLite file at `path` as a keyv instance.
 *
 * @param path A file path; `:memory:` gives a private in-memory database.
 * @throws AppError `STORE_UNAVAILABLE` when the directory or file cannot be created or opened, or is not SQLite;
 *   `STORE_LOCKED` when another process keeps it locked past the lock timeout while it is set up.
 */
export async function openSqlite(path: string, options: OpenSqliteOptions = {}): Promise<Keyv> {
  const file = path === ':memory:' ? path : resolve(path);
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const connections: Database.Database[] = [];
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // timeout 0: never the synchronous busy wait (see the file comment); setting up retries on timers instead.
    const writer = new Database(file, { timeout: 0 });
    connections.push(writer);
    await withoutBusyWait(file, timeoutMs, () => writer.pragma('journal_mode = WAL'));
    // FULL: fsync the WAL on every commit. NORMAL (the usual WAL pairing) can lose the last commits on power loss.
    writer.pragma('synchronous = FULL');
    await withoutBusyWait(file, timeoutMs, () =>
      writer.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)'),
    );
    let reader: Database.Database | undefined;
    if (file !== ':memory:') {
      reader = new Database(file, { timeout: 0, fileMustExist: true });
      connections.push(reader);
      reader.pragma('query_only = ON');
    }
    const store = new SqliteKeyvStore({
      writer,
      ...(reader === undefined ? {} : { reader }),
      lockTimeoutMs: timeoutMs,
    });
    return new Keyv({ store, namespace: options.namespace, throwOnErrors: true });
  } catch (error) {
    for (const db of connections) db.close();
    if (error instanceof AppError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new AppError(ErrorCode.STORE_UNAVAILABLE, `sqlite store ${file} cannot be opened: ${detail}`, {
      cause: error,
    });
  }
}

/** The embedded default: a file path (or `sqlite://path`). */
export const sqliteBackend = {
  name: 'sqlite',
  schemes: ['sqlite'],
  form: 'file',
  hint: 'a file path (SQLite)',
  open: openSqlite,
} satisfies StoreBackend;
