/**
 * The Redis backend (`redis://`, `rediss://`) through @keyv/redis. Keys live under `<namespace>::`.
 *
 * Durability is the server's: with Redis's default RDB snapshots a crash of the Redis server can lose the last
 * minutes; run it with `appendonly yes` (and `appendfsync everysec` or `always`) when the history matters.
 *
 * Transactions are optimistic, on a connection of their own (`duplicate()`, because WATCH state belongs to a
 * connection): every key a transaction reads is `WATCH`ed first, its writes are buffered, and at the end they go
 * out as one `MULTI` ... `EXEC`, which Redis applies atomically, or not at all when any watched key changed since
 * it was read (node-redis then throws `WatchError`). The transaction is then run again from the start, after a
 * jittered backoff, until a deadline. No lock is ever held, so a writer that dies mid-transaction blocks nobody
 * (a lease lock would need fencing tokens to be safe). Reads outside a transaction use the main connection.
 *
 * @see https://redis.io/docs/latest/develop/interact/transactions/#optimistic-locking-using-check-and-set
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
 */
import KeyvRedis, { type KeyvRedisOptions, type RedisClientOptions, type RedisClientType } from '@keyv/redis';
import { Keyv } from 'keyv';
import { AppError, ErrorCode } from '../../errors.ts';
import { redactLocation } from '../redact-location.ts';
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

/** Longest backoff between reconnect attempts once the store has been up. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Options for {@link openRedis}. */
export interface RedisOptions {
  /** Key prefix separating this store from others in the same database (default: none). */
  readonly namespace?: string;
  /** How long opening may take before it fails (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** How long a write retries while other writers keep changing what it read, in ms (default 10 000). */
  readonly lockTimeoutMs?: number;
}

/** A buffered delete. */
const DELETED = Symbol('deleted');

interface RedisTransaction extends TransactionContext {
  /** Prefixed key -> value to set, or {@link DELETED}. */
  readonly writes: Map<string, string | typeof DELETED>;
  readonly watched: Set<string>;
}

/** node-redis's WatchError is not exported through @keyv/redis; its class name is stable API surface. */
function isWatchError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'WatchError';
}

/**
 * @keyv/redis with {@link TransactionalStore}. Inside a transaction the adapter's reads, writes and deletes go to
 * the transaction (watched reads on its own connection, buffered writes); outside one, to the stock methods.
 */
class TransactionalKeyvRedis extends KeyvRedis<string> implements TransactionalStore {
  readonly #mutex = new Mutex();
  readonly #scope = new TransactionScope<RedisTransaction>();
  readonly #where: string;
  readonly #lockTimeoutMs: number;
  #txClient: RedisClientType | undefined;

  constructor(
    connect: RedisClientOptions,
    options: KeyvRedisOptions,
    transactions: { where: string; lockTimeoutMs: number },
  ) {
    super(connect, options);
    this.#where = transactions.where;
    this.#lockTimeoutMs = transactions.lockTimeoutMs;
  }

  /** Opens the transaction connection (once the main one is up, so both see the same server). */
  async connectTransactions(): Promise<void> {
    const main = (await this.getClient()) as RedisClientType;
    const client = main.duplicate() as RedisClientType;
    // Without a listener node-redis would crash the process on a connection error; keyv reports it instead.
    client.on('error', (error: unknown) => this.emit('error', error));
    await client.connect();
    this.#txClient = client;
  }

  override async get<U = string>(key: string): Promise<U | undefined> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.get<U>(key);
    const [value] = await this.#readInTransaction(tx, [key]);
    return value as U | undefined;
  }

  override async getMany<U = string>(keys: string[]): Promise<Array<U | undefined>> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.getMany<U>(keys);
    return (await this.#readInTransaction(tx, keys)) as Array<U | undefined>;
  }

  override async has(key: string): Promise<boolean> {
    if (this.#scope.current() === undefined) return super.has(key);
    return (await this.get(key)) !== undefined;
  }

  override async set(key: string, value: string, ttl?: number): Promise<void> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.set(key, value, ttl);
    tx.writes.set(this.#key(key), value);
  }

  override async setMany(entries: Array<{ key: string; value: string }>): Promise<void> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.setMany(entries);
    for (const entry of entries) tx.writes.set(this.#key(entry.key), entry.value);
  }

  override async delete(key: string): Promise<boolean> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.delete(key);
    tx.writes.set(this.#key(key), DELETED);
    return true;
  }

  override async deleteMany(keys: string[]): Promise<boolean> {
    const tx = this.#scope.current();
    if (tx === undefined) return super.deleteMany(keys);
    for (const key of keys) tx.writes.set(this.#key(key), DELETED);
    return keys.length > 0;
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.#scope.current() !== undefined) return fn();
    return this.#mutex.run(() =>
      retryWithBackoff<T>(
        () => this.#attempt(fn, options.signal),
        { timeoutMs: this.#lockTimeoutMs, initialDelayMs: 5 },
        (waited) =>
          lockedError(
            `redis store ${this.#where} kept being changed by other writers during this write`,
            waited,
          ),
      ),
    );
  }

  override async disconnect(force?: boolean): Promise<void> {
    const closeTransactions = async (): Promise<void> => {
      const client = this.#txClient;
      this.#txClient = undefined;
      if (client?.isOpen) await (force ? client.destroy() : client.close());
    };
    // Orderly: after the transaction in flight. Forced: at once, since that transaction may be stuck on a frozen
    // server that never answers.
    if (force) await closeTransactions();
    else await this.#mutex.run(closeTransactions);
    await super.disconnect(force);
  }

  /** One run of `fn`: its result, or {@link RETRY} when a watched key changed before EXEC. */
  async #attempt<T>(fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof RETRY> {
    assertStillWanted(signal);
    const client = this.#client();
    const tx: RedisTransaction = { open: true, writes: new Map(), watched: new Set() };
    let result: T;
    try {
      result = await this.#scope.run(tx, fn);
    } catch (error) {
      if (tx.watched.size > 0) await client.unwatch().catch(() => undefined);
      throw error;
    }
    if (tx.writes.size === 0 && tx.watched.size === 0) return result;
    // Also a transaction that decided to write nothing ends with EXEC: its reads are only known to be one
    // consistent picture if no watched key changed meanwhile, and deciding "nothing to do" from a torn read would
    // be as wrong as writing from one.
    if (signal?.aborted) {
      await client.unwatch().catch(() => undefined);
      assertStillWanted(signal);
    }
    const multi = client.multi();
    for (const [key, value] of tx.writes) {
      if (value === DELETED) multi.del(key);
      else multi.set(key, value);
    }
    try {
      await multi.exec();
    } catch (error) {
      if (isWatchError(error)) return RETRY;
      throw error;
    }
    return result;
  }

  /** Reads keys in a transaction: its own writes first, the rest watched and then read, in one round trip. */
  async #readInTransaction(tx: RedisTransaction, keys: readonly string[]): Promise<(string | undefined)[]> {
    const prefixed = keys.map((key) => this.#key(key));
    const missing = prefixed.filter((key) => !tx.writes.has(key));
    const values = new Map<string, string | undefined>();
    if (missing.length > 0) {
      const client = this.#client();
      const unwatched = missing.filter((key) => !tx.watched.has(key));
      for (const key of unwatched) tx.watched.add(key);
      // Sent in this order on one connection: the WATCH reaches the server before the read it protects.
      const [, read] = await Promise.all([
        unwatched.length > 0 ? client.watch(unwatched) : undefined,
        client.mGet(missing),
      ]);
      for (const [index, key] of missing.entries()) values.set(key, read[index] ?? undefined);
    }
    return prefixed.map((key) => {
      const own = tx.writes.get(key);
      if (own === DELETED) return undefined;
      return own ?? values.get(key);
    });
  }

  #key(key: string): string {
    return this.createKeyPrefix(key, this.namespace);
  }

  #client(): RedisClientType {
    if (this.#txClient === undefined) throw new Error('the redis transaction connection is not open');
    return this.#txClient;
  }
}

/**
 * Connects to Redis and returns a keyv instance over it, or fails within about `connectTimeoutMs`.
 *
 * Once connected, a lost connection is retried in the background with backoff, and commands issued meanwhile fail
 * at once (the offline queue is off) instead of waiting: a scan must see the outage, not hang on it.
 *
 * @throws AppError `STORE_UNAVAILABLE` naming the URL with its password redacted.
 */
export async function openRedis(url: string, options: RedisOptions = {}): Promise<Keyv> {
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let connected = false;
  const store = new TransactionalKeyvRedis(
    {
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: timeoutMs,
        // Before the first connection an error is final (fail fast); after it, keep trying with backoff.
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min(2 ** retries * 100, MAX_RECONNECT_DELAY_MS) : cause,
      },
    },
    {
      namespace: options.namespace,
      // Without these the adapter reports failures only as events and answers reads with "absent".
      throwOnErrors: true,
      throwOnConnectError: true,
      // No `connectionTimeout`: the adapter races it against a timer it never clears, which kept every CLI command
      // alive 5 s after it finished. `openRedis` bounds the first connect itself.
    },
    { where: redactLocation(url), lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS },
  );
  const keyv = new Keyv(store, { namespace: options.namespace, useKeyPrefix: false, throwOnErrors: true });

  // The adapter replaces the real reason with a generic message when connecting fails; keep the first one.
  let reason: unknown;
  const capture = (error: unknown): void => {
    reason ??= error;
  };
  keyv.on('error', capture);
  try {
    // Resolves once the client is ready (connected, authenticated, database selected); throws otherwise. Bounded
    // here, with a timer that is cleared, because a server that accepts the connection but never answers would
    // otherwise hold the open forever.
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.getClient(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    await store.connectTransactions();
    connected = true;
    return keyv;
  } catch (error) {
    await store.disconnect(true).catch(() => undefined);
    const why = reason ?? error;
    const detail = why instanceof Error ? why.message : String(why);
    throw new AppError(
      ErrorCode.STORE_UNAVAILABLE,
      `redis store at ${redactLocation(url)} is unreachable: ${detail}`,
      { cause: why },
    );
  } finally {
    keyv.off('error', capture);
  }
}

/** `redis://` and `rediss://` (TLS). */
export const redisBackend = {
  name: 'redis',
  schemes: ['redis', 'rediss'],
  form: 'url',
  hint: 'redis://...',
  open: openRedis,
} satisfies StoreBackend;
