/**
 * The SQLite backend: a keyv storage adapter over better-sqlite3, so the default install needs no server.
 *
 * Durability: the database runs in WAL mode with `synchronous = FULL`, so every `set` is a transaction that is on
 * disk (WAL fsynced) before it resolves; a write that has resolved survives SIGKILL and power loss. Each keyv
 * write is one statement and therefore atomic, which is what the repository's write-ahead commit relies on.
 *
 * @see https://www.sqlite.org/wal.html
 * @see https://www.sqlite.org/pragma.html#pragma_synchronous
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import { AppError, ErrorCode } from '../../errors.ts';

/** How long a write waits for another process holding the write lock (a CLI command while `serve` runs). */
const BUSY_TIMEOUT_MS = 5_000;

interface Row {
  readonly key: string;
  readonly value: string;
}

/**
 * keyv's storage contract over one SQLite table (`kv`: key text primary key, value text). Values arrive already
 * serialized by keyv (a JSON string with the value and its expiry), so the adapter stores text and ignores `ttl`:
 * keyv checks expiry itself on read, and rblwatch sets none.
 */
export class SqliteKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  /** Read by keyv to decide about iteration; `dialect` and `url` follow the other adapters' shape. */
  readonly opts: { readonly dialect: 'sqlite'; readonly url: string };
  /** Set by keyv from its own namespace; `clear()` deletes only this namespace's keys. */
  namespace?: string | undefined;
  readonly #db: Database.Database;
  readonly #select: Database.Statement<[string], Row>;
  readonly #upsert: Database.Statement<[string, string]>;
  readonly #remove: Database.Statement<[string]>;
  readonly #setMany: (entries: readonly { key: string; value: string }[]) => void;

  constructor(db: Database.Database) {
    super();
    this.#db = db;
    this.opts = { dialect: 'sqlite', url: db.name };
    db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)');
    this.#select = db.prepare<[string], Row>('SELECT key, value FROM kv WHERE key = ?');
    this.#upsert = db.prepare<[string, string]>(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.#remove = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
    this.#setMany = db.transaction((entries: readonly { key: string; value: string }[]) => {
      for (const entry of entries) this.#upsert.run(entry.key, entry.value);
    });
  }

  // keyv's contract is generic in the stored value; this table only ever holds keyv's serialized strings.
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.#select.get(key)?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return keys.map((key) => this.#select.get(key)?.value as StoredData<Value | undefined>);
  }

  async set(key: string, value: unknown): Promise<boolean> {
    this.#upsert.run(key, textOf(value));
    return true;
  }

  async setMany(values: Array<{ key: string; value: unknown }>): Promise<void> {
    this.#setMany(values.map((entry) => ({ key: entry.key, value: textOf(entry.value) })));
  }

  async delete(key: string): Promise<boolean> {
    return this.#remove.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = false;
    this.#db.transaction(() => {
      for (const key of keys) deleted = this.#remove.run(key).changes > 0 || deleted;
    })();
    return deleted;
  }

  async has(key: string): Promise<boolean> {
    return this.#select.get(key) !== undefined;
  }

  async clear(): Promise<void> {
    if (this.namespace === undefined) {
      this.#db.prepare('DELETE FROM kv').run();
      return;
    }
    // LIKE treats % and _ as wildcards: escape them so one namespace never clears another.
    const prefix = `${this.namespace}:`.replace(/[\\%_]/g, '\\$&');
    this.#db.prepare("DELETE FROM kv WHERE key LIKE ? ESCAPE '\\'").run(`${prefix}%`);
  }

  async disconnect(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Opens (creating it and its parent directory if needed) the SQLite file at `path` as a keyv instance.
 *
 * @param path A file path; `:memory:` gives a private in-memory database.
 * @throws AppError `STORE_UNAVAILABLE` when the directory or file cannot be created or opened, or is not SQLite.
 */
export async function openSqlite(path: string, options: { namespace?: string } = {}): Promise<Keyv> {
  const file = path === ':memory:' ? path : resolve(path);
  let db: Database.Database | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    // FULL: fsync the WAL on every commit. NORMAL (the usual WAL pairing) can lose the last commits on power loss.
    db.pragma('synchronous = FULL');
    const store = new SqliteKeyvStore(db);
    return new Keyv({ store, namespace: options.namespace, throwOnErrors: true });
  } catch (error) {
    db?.close();
    const detail = error instanceof Error ? error.message : String(error);
    throw new AppError(ErrorCode.STORE_UNAVAILABLE, `sqlite store ${file} cannot be opened: ${detail}`, {
      cause: error,
    });
  }
}
