/**
 * Per-user limit on live lookups, so the bot cannot be used to hammer the DNSBLs on someone's behalf (lists block
 * resolvers that query too much, and that would blind the whole monitor). A sliding window per user.
 */
export interface RateLimiter {
  /** Take one use for `key`: 0 when allowed, else ms until the next use is allowed. */
  take(key: string): number;
}

export interface RateLimitOptions {
  /** Uses per window (default 5). */
  readonly limit: number;
  /** Window length in ms (default 60 s). */
  readonly windowMs: number;
  readonly clock?: () => number;
}

export const defaultLookupLimit: RateLimitOptions = Object.freeze({ limit: 5, windowMs: 60_000 });

/** Users tracked at most; the oldest are forgotten first, so a flood of ids cannot grow memory without bound. */
const MAX_KEYS = 10_000;

export function createRateLimiter(options: RateLimitOptions = defaultLookupLimit): RateLimiter {
  const clock = options.clock ?? Date.now;
  const uses = new Map<string, number[]>();
  return {
    take(key) {
      const now = clock();
      const recent = (uses.get(key) ?? []).filter((at) => now - at < options.windowMs);
      if (recent.length >= options.limit) {
        uses.set(key, recent);
        return Math.max(1, (recent[0] as number) + options.windowMs - now);
      }
      recent.push(now);
      uses.delete(key);
      uses.set(key, recent);
      if (uses.size > MAX_KEYS) uses.delete(uses.keys().next().value as string);
      return 0;
    },
  };
}
