/**
 * A keyv storage adapter that wraps the one under a fixture's keyv: it records every write and transaction, and can
 * fail (make every write after the first `failAfterWrites` throw, as a dropped connection or a killed process
 * would) or run a hook before each write (to cut a proxy under a transaction in flight). The repository under
 * test sees a real keyv over it, and the real backend's transactions under that, so nothing in production carries
 * a test hook.
 */
import { EventEmitter } from 'node:events';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import type { TransactionalStore } from '../../src/store/transactional-store.ts';

/** What the wrapped adapter offers (every backend adapter of the store has all of it). */
interface InnerStore extends TransactionalStore {
  get(key: string): unknown;
  getMany?(keys: string[]): unknown;
  set(key: string, value: unknown, ttl?: number): unknown;
  delete(key: string): unknown;
  deleteMany?(keys: string[]): unknown;
  clear(): unknown;
}

export interface WriteRecord {
  readonly op: 'set' | 'delete';
  /** The key as the adapter sees it (namespace prefix included where keyv adds one). */
  readonly key: string;
}

export interface InstrumentOptions {
  /** Writes that succeed before every later one throws (default: all succeed). */
  readonly failAfterWrites?: number;
  /** Awaited before the write numbered `n` (from 0) reaches the inner store. */
  readonly beforeWrite?: (n: number, record: WriteRecord) => Promise<void>;
}

export class InstrumentedStore extends EventEmitter implements KeyvStoreAdapter, TransactionalStore {
  readonly opts: { readonly dialect: 'instrumented'; readonly url: string } = {
    dialect: 'instrumented',
    url: '',
  };
  namespace?: string | undefined;
  /** Every write attempted, in order, including the one that failed. */
  readonly writes: WriteRecord[] = [];
  /** Reads that reached the store, one per key. */
  reads = 0;
  /** Transactions started (a Redis transaction run again after a conflict counts once). */
  transactions = 0;
  readonly #inner: InnerStore;
  readonly #failAfterWrites: number;
  readonly #beforeWrite: InstrumentOptions['beforeWrite'];

  constructor(inner: InnerStore, options: InstrumentOptions = {}) {
    super();
    this.#inner = inner;
    this.#failAfterWrites = options.failAfterWrites ?? Number.POSITIVE_INFINITY;
    this.#beforeWrite = options.beforeWrite;
  }

  /** Writes that reached the inner store. */
  get completedWrites(): number {
    return Math.min(this.writes.length, this.#failAfterWrites);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    this.reads++;
    return (await this.#inner.get(key)) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    this.reads += keys.length;
    if (this.#inner.getMany === undefined)
      return Promise.all(keys.map((key) => this.#inner.get(key))) as never;
    return (await this.#inner.getMany(keys)) as Array<StoredData<Value | undefined>>;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<unknown> {
    await this.#record('set', key);
    return this.#inner.set(key, value, ttl);
  }

  async delete(key: string): Promise<boolean> {
    await this.#record('delete', key);
    return Boolean(await this.#inner.delete(key));
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    for (const key of keys) await this.#record('delete', key);
    if (this.#inner.deleteMany === undefined) {
      return (await Promise.all(keys.map((key) => this.#inner.delete(key)))).some(Boolean);
    }
    return Boolean(await this.#inner.deleteMany(keys));
  }

  async clear(): Promise<void> {
    await this.#inner.clear();
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.transactions++;
    return this.#inner.transaction(fn);
  }

  /** The fixture owns the connection: closing a repository over this wrapper leaves it open. */
  async disconnect(): Promise<void> {}

  async #record(op: WriteRecord['op'], key: string): Promise<void> {
    const record = { op, key };
    this.writes.push(record);
    await this.#beforeWrite?.(this.writes.length - 1, record);
    if (this.writes.length > this.#failAfterWrites) throw new Error(`simulated crash before ${op} ${key}`);
  }
}

/**
 * A second keyv over the same data as `keyv`, through an {@link InstrumentedStore}. Namespace and key-prefix
 * settings are copied, so both instances address the same keys.
 */
export function instrumentKeyv(
  keyv: Keyv,
  options: InstrumentOptions = {},
): { keyv: Keyv; store: InstrumentedStore } {
  const store = new InstrumentedStore(keyv.store as InnerStore, options);
  const wrapped = new Keyv({
    store,
    namespace: keyv.namespace,
    useKeyPrefix: keyv.useKeyPrefix,
    throwOnErrors: true,
  });
  return { keyv: wrapped, store };
}

/** Writes `raw` under `key` bypassing keyv's serialization, the way a damaged or hand-edited value would look. */
export async function writeRaw(keyv: Keyv, key: string, raw: string): Promise<void> {
  await (keyv.store as InnerStore).set(keyv._getKeyPrefix(key), raw);
}

/** Reads the raw text under `key`, bypassing keyv. */
export async function readRaw(keyv: Keyv, key: string): Promise<unknown> {
  return (keyv.store as InnerStore).get(keyv._getKeyPrefix(key));
}
