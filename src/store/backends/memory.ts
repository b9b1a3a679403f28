/**
 * The in-memory backend: keyv over a `Map`, for tests and throwaway runs (`memory:`). Nothing survives the process.
 *
 * Transactions: a mutex per store (so several repositories over the same store, in this process, take turns) and
 * writes buffered in the transaction, applied to the map when it resolves, so a transaction that throws applies
 * nothing. Values are stored serialized, exactly as on the other backends, so a test on this backend exercises
 * the same JSON round trip.
 */
import { EventEmitter } from 'node:events';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import type { StoreBackend } from '../store-backend.ts';
import {
  assertStillWanted,
  Mutex,
  type TransactionalStore,
  type TransactionContext,
  type TransactionOptions,
  TransactionScope,
} from '../transactional-store.ts';

/** A buffered delete. */
const DELETED = Symbol('deleted');

interface MemoryTransaction extends TransactionContext {
  readonly writes: Map<string, unknown>;
}

/** keyv's storage contract over a `Map`, with {@link TransactionalStore}. */
export class MemoryKeyvStore extends EventEmitter implements KeyvStoreAdapter, TransactionalStore {
  readonly opts: { readonly dialect: 'memory'; readonly url: string } = { dialect: 'memory', url: 'memory:' };
  namespace?: string | undefined;
  readonly #data = new Map<string, unknown>();
  readonly #mutex = new Mutex();
  readonly #scope = new TransactionScope<MemoryTransaction>();

  // keyv's contract is generic in the stored value; this map only ever holds keyv's serialized strings.
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const tx = this.#scope.current();
    const value = tx?.writes.has(key) ? tx.writes.get(key) : this.#data.get(key);
    return (value === DELETED ? undefined : value) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)));
  }

  async set(key: string, value: unknown): Promise<boolean> {
    await this.#write(key, value);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.get(key)) !== undefined;
    await this.#write(key, DELETED);
    return existed;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const existed = await Promise.all(keys.map((key) => this.get(key)));
    await this.transaction(async () => {
      for (const key of keys) await this.#write(key, DELETED);
    });
    return existed.some((value) => value !== undefined);
  }

  async clear(): Promise<void> {
    await this.transaction(async () => {
      const prefix = this.namespace === undefined ? '' : `${this.namespace}:`;
      for (const key of this.#data.keys()) if (key.startsWith(prefix)) await this.#write(key, DELETED);
    });
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.#scope.current() !== undefined) return fn();
    return this.#mutex.run(async () => {
      const tx: MemoryTransaction = { open: true, writes: new Map() };
      const result = await this.#scope.run(tx, fn);
      assertStillWanted(options.signal);
      for (const [key, value] of tx.writes) {
        if (value === DELETED) this.#data.delete(key);
        else this.#data.set(key, value);
      }
      return result;
    });
  }

  /** The data belongs to the store, not to one keyv over it: other repositories may still use it. */
  async disconnect(): Promise<void> {}

  async #write(key: string, value: unknown): Promise<void> {
    const tx = this.#scope.current();
    if (tx !== undefined) {
      tx.writes.set(key, value);
      return;
    }
    await this.transaction(async () => this.#write(key, value));
  }
}

/** Opens an empty in-memory store as a keyv instance. */
export async function openMemory(options: { namespace?: string } = {}): Promise<Keyv> {
  return new Keyv({ store: new MemoryKeyvStore(), namespace: options.namespace, throwOnErrors: true });
}

/** `memory:`: a store that lives as long as the process, for tests and throwaway runs. */
export const memoryBackend = {
  name: 'memory',
  schemes: ['memory'],
  form: 'name',
  open: (_location, options) => openMemory(options),
} satisfies StoreBackend;
