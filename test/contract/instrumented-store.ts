/**
 * A keyv storage adapter that wraps the one under a fixture's keyv: it records every write, and can "crash" (make
 * every write after the first `failAfterWrites` throw) to leave the store exactly as a killed process would.
 * The repository under test sees a real keyv over it, so nothing in production carries a test hook.
 */
import { EventEmitter } from 'node:events';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';

/** What keyv may hold as its store: an adapter or a plain Map (the memory backend). */
interface InnerStore {
  get(key: string): unknown;
  set(key: string, value: unknown, ttl?: number): unknown;
  delete(key: string): unknown;
  clear(): unknown;
}

export interface WriteRecord {
  readonly op: 'set' | 'delete';
  /** The key as the adapter sees it (namespace prefix included where keyv adds one). */
  readonly key: string;
}

export class InstrumentedStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts: { readonly dialect: 'instrumented'; readonly url: string } = {
    dialect: 'instrumented',
    url: '',
  };
  namespace?: string | undefined;
  /** Every write attempted, in order, including the one that "crashed". */
  readonly writes: WriteRecord[] = [];
  readonly #inner: InnerStore;
  readonly #failAfterWrites: number;

  constructor(inner: InnerStore, options: { failAfterWrites?: number } = {}) {
    super();
    this.#inner = inner;
    this.#failAfterWrites = options.failAfterWrites ?? Number.POSITIVE_INFINITY;
  }

  /** Writes that reached the inner store. */
  get completedWrites(): number {
    return Math.min(this.writes.length, this.#failAfterWrites);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return (await this.#inner.get(key)) as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<unknown> {
    this.#record('set', key);
    return this.#inner.set(key, value, ttl);
  }

  async delete(key: string): Promise<boolean> {
    this.#record('delete', key);
    return Boolean(await this.#inner.delete(key));
  }

  async clear(): Promise<void> {
    await this.#inner.clear();
  }

  /** The fixture owns the connection: closing a repository over this wrapper leaves it open. */
  async disconnect(): Promise<void> {}

  #record(op: WriteRecord['op'], key: string): void {
    this.writes.push({ op, key });
    if (this.writes.length > this.#failAfterWrites) throw new Error(`simulated crash before ${op} ${key}`);
  }
}

/**
 * A second keyv over the same data as `keyv`, through an {@link InstrumentedStore}. Namespace and key-prefix
 * settings are copied, so both instances address the same keys.
 */
export function instrumentKeyv(
  keyv: Keyv,
  options: { failAfterWrites?: number } = {},
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
