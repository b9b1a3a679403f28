/** The per-user lookup limit on an injected clock: the window is checked to the millisecond, with no waiting. */
import { describe, expect, it } from 'vitest';
import { createRateLimiter, defaultLookupLimit } from '../../../src/chat/rate-limit.ts';

function limiter(limit = 3, windowMs = 60_000) {
  let now = 1_000_000;
  const limits = createRateLimiter({ limit, windowMs, clock: () => now });
  return {
    take: (key = 'slack:U1') => limits.take(key),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('createRateLimiter', () => {
  it('allows `limit` uses per window, then says how long until the oldest one leaves it', () => {
    const l = limiter();
    expect([l.take(), l.take(), l.take()]).toEqual([0, 0, 0]);
    expect(l.take()).toBe(60_000);
    l.advance(59_999);
    expect(l.take()).toBe(1);
    l.advance(1);
    // All three left the window together, at exactly windowMs.
    expect([l.take(), l.take(), l.take(), l.take()]).toEqual([0, 0, 0, 60_000]);
  });

  it('slides: uses spread over the window free up one at a time', () => {
    const l = limiter(2, 10_000);
    expect(l.take()).toBe(0);
    l.advance(4_000);
    expect(l.take()).toBe(0);
    expect(l.take()).toBe(6_000);
    l.advance(6_000);
    expect(l.take()).toBe(0);
    expect(l.take()).toBe(4_000);
  });

  it('does not count a refused use against the user', () => {
    const l = limiter(1, 1_000);
    expect(l.take()).toBe(0);
    for (let i = 0; i < 5; i++) expect(l.take()).toBe(1_000);
    l.advance(1_000);
    expect(l.take()).toBe(0);
  });

  it('keeps users apart', () => {
    const l = limiter(1);
    expect(l.take('slack:U1')).toBe(0);
    expect(l.take('discord:U1')).toBe(0);
    expect(l.take('slack:U1')).toBeGreaterThan(0);
  });

  it('forgets the longest-idle users first once it tracks 10,000, so memory stays bounded', () => {
    const l = limiter(1);
    expect(l.take('first')).toBe(0);
    expect(l.take('second')).toBe(0);
    for (let i = 0; i < 9_999; i++) l.take(`user-${i}`);
    // `first` was dropped to make room: it is allowed again within its window; `second` is still tracked.
    expect(l.take('second')).toBeGreaterThan(0);
    expect(l.take('first')).toBe(0);
  });

  it('defaults to 5 lookups a minute', () => {
    expect(defaultLookupLimit).toEqual({ limit: 5, windowMs: 60_000 });
  });
});
