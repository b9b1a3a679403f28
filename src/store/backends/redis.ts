/**
 * The Redis backend (`redis://`, `rediss://`) through @keyv/redis. Keys live under `<namespace>::`.
 *
 * Durability is the server's: with Redis's default RDB snapshots a crash of the Redis server can lose the last
 * minutes; run it with `appendonly yes` (and `appendfsync everysec` or `always`) when the history matters.
 * Each keyv write is a single `SET`, so the repository's write-ahead commit stays atomic here too.
 *
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
 */
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { AppError, ErrorCode } from '../../errors.ts';
import { redactLocation } from '../redact-location.ts';

/** Longest backoff between reconnect attempts once the store has been up. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Options for {@link openRedis}. */
export interface RedisOptions {
  /** Key prefix separating this store from others in the same database (default: none). */
  readonly namespace?: string;
  /** How long opening may take before it fails (default 5000 ms). */
  readonly connectTimeoutMs?: number;
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
  const store = new KeyvRedis(
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
