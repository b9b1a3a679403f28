/**
 * What the repository needs from a backend beyond keyv's get/set/delete: a read-modify-write transaction that is
 * atomic and serialisable against every other writer of the same data, in this process or any other.
 *
 * Each backend's keyv adapter implements it (see `backends/`). The repository keeps using keyv for every value it
 * reads and writes; the adapter knows that a call belongs to a transaction through a {@link TransactionScope}
 * (an `AsyncLocalStorage` of its own), so the same keyv instance serves transactional writes and plain reads.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError, ErrorCode } from '../errors.ts';

/** A keyv storage adapter that can run transactions. */
export interface TransactionalStore {
  /**
   * Runs `fn` as one transaction: keyv reads made inside it see the store as of the transaction plus its own
   * writes; its keyv writes become visible to other readers all at once when it resolves, and not at all when it
   * throws. Transactions on the same data never interleave (they are serialisable).
   *
   * `fn` may run more than once: an optimistic backend (Redis) runs it again when another writer changed what it
   * read. It must therefore touch nothing but the store, and the result of its last run is the one returned.
   *
   * Waiting for another writer never blocks the event loop. Calls made inside `fn` join the open transaction.
   *
   * `signal`: once aborted (the caller gave up: a deadline passed), the transaction must not commit any more. It
   * is checked right before the commit; a commit already sent may still land, so callers treat a timed-out write
   * as "outcome unknown".
   *
   * @throws AppError `STORE_LOCKED` when another writer keeps the data locked (or keeps changing it) past the
   *   backend's lock timeout; nothing was changed.
   */
  transaction<T>(fn: () => Promise<T>, options?: TransactionOptions): Promise<T>;
}

export interface TransactionOptions {
  readonly signal?: AbortSignal;
}

/** Throws the signal's reason when the caller has given up on the transaction: it must not commit now. */
export function assertStillWanted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('the transaction was abandoned');
}

/** Whether `store` (a keyv adapter) implements {@link TransactionalStore}. */
export function isTransactionalStore(store: unknown): store is TransactionalStore {
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof (store as Partial<TransactionalStore>).transaction === 'function'
  );
}

/** How long a write waits for another writer by default before failing with `STORE_LOCKED`, in ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** Runs async functions one at a time, in call order (a FIFO lock inside one process). */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** The context an adapter keeps for one open transaction; `open` turns false as soon as it ends. */
export interface TransactionContext {
  open: boolean;
}

/**
 * Tells an adapter whether the current call runs inside one of its transactions. A context outlives its
 * transaction in callbacks created inside it (a timer, a promise chain), so {@link current} ignores a closed one:
 * such a late call is an ordinary call, never a write into whatever transaction happens to be open then.
 */
export class TransactionScope<C extends TransactionContext> {
  readonly #storage = new AsyncLocalStorage<C>();

  current(): C | undefined {
    const context = this.#storage.getStore();
    return context?.open === true ? context : undefined;
  }

  async run<T>(context: C, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#storage.run(context, fn);
    } finally {
      context.open = false;
    }
  }
}

/** Options for {@link retryWithBackoff}. */
export interface RetryOptions {
  /** Give up this long after the first attempt, in ms. */
  readonly timeoutMs: number;
  /** First wait, in ms (default 2); doubles up to `maxDelayMs`, each wait jittered to between half and all of it. */
  readonly initialDelayMs?: number;
  /** Longest wait between attempts, in ms (default 100). */
  readonly maxDelayMs?: number;
  /** Monotonic milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

/** Returned by an attempt that should be retried (the lock is taken, the data changed under it). */
export const RETRY = Symbol('retry');

/**
 * Calls `attempt` until it returns something other than {@link RETRY}, waiting between attempts with jittered
 * exponential backoff on timers, so the event loop stays free. Jitter keeps writers that collided once from
 * colliding again in lockstep.
 *
 * @returns the first result, or `onTimeout(waitedMs)`'s error thrown once `timeoutMs` has passed.
 */
export async function retryWithBackoff<T>(
  attempt: () => Promise<T | typeof RETRY> | T | typeof RETRY,
  options: RetryOptions,
  onTimeout: (waitedMs: number) => Error,
): Promise<T> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let delay = options.initialDelayMs ?? 2;
  const maxDelay = options.maxDelayMs ?? 100;
  for (;;) {
    const result = await attempt();
    if (result !== RETRY) return result;
    const waited = now() - started;
    if (waited >= options.timeoutMs) throw onTimeout(waited);
    const wait = Math.min(delay * (0.5 + Math.random() / 2), options.timeoutMs - waited);
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** The coded error for a write that waited its whole lock timeout. */
export function lockedError(what: string, waitedMs: number, cause?: unknown): AppError {
  const seconds = Math.round(waitedMs / 100) / 10;
  return new AppError(
    ErrorCode.STORE_LOCKED,
    `${what} (waited ${seconds} s); nothing was changed`,
    cause === undefined ? undefined : { cause },
  );
}
