/**
 * Retries after a timeout back off with jitter: the n-th retry waits a random delay in [0.5, 1] x base x 2^(n-1)
 * before it is sent, so the questions of one lost burst do not come back in one wave and get lost again. The
 * resolver's random source is injected and its clock is fake where the test reads when packets leave.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UdpResolver, type UdpResolverOptions } from '../../../src/dns/udp-resolver.ts';
import { type FakeDnsServer, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';

let server: FakeDnsServer;
const resolvers: UdpResolver[] = [];

beforeAll(async () => {
  server = await startFakeDnsServer();
});
afterEach(async () => {
  await Promise.all(resolvers.splice(0).map((r) => r.close()));
  server.questions.length = 0;
});
afterAll(async () => {
  await server.close();
});

function resolverWith(options: Omit<UdpResolverOptions, 'servers'>): UdpResolver {
  const resolver = new UdpResolver({ servers: [{ host: server.host, port: server.port }], ...options });
  resolvers.push(resolver);
  return resolver;
}

/** Lets real I/O (socket connects, packets to and from the fake server) run while the clock is fake. */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The resolver's clock (its deadlines and its one timer) is fake, so the test decides when time passes and reads
 * exactly when each packet left (`stats.packetsSent` grows synchronously when a retry goes out).
 */
function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
}

describe('UdpResolver retry backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spreads the retries of one lost burst over the jitter window, in the order of their random delays', async () => {
    useFakeClock();
    const count = 20;
    const base = 400;
    const timeoutMs = 100;
    // Decreasing random values: the first question asked gets the longest wait. A resolver that re-sends at the
    // deadline sends them all at once, in send order.
    const draws = Array.from({ length: count }, (_, i) => 1 - (i + 1) / count);
    let drawn = 0;
    const resolver = resolverWith({
      timeoutMs,
      retries: 1,
      retryBackoffMs: base,
      random: () => draws[drawn++] ?? 0,
      sockets: 1,
    });
    server.setHandler(() => ({ drop: true }));
    const names = Array.from({ length: count }, (_, i) => `q${i}.backoff.test`);
    const responses = Promise.all(names.map((name) => resolver.query(name, 'A')));
    await settleIo();
    expect(resolver.stats.packetsSent).toBe(count);
    vi.advanceTimersByTime(timeoutMs);
    expect(resolver.stats).toMatchObject({ timeouts: count, packetsSent: count });
    // Step through the backoff window a millisecond at a time and note when each retry leaves.
    const sentAt: number[] = [];
    for (let t = 1; t <= base + 1 && resolver.stats.packetsSent < 2 * count; t++) {
      const before = resolver.stats.packetsSent;
      vi.advanceTimersByTime(1);
      for (let n = before; n < resolver.stats.packetsSent; n++) sentAt.push(t);
    }
    expect(sentAt).toHaveLength(count);
    // At least half the base after the timeout, whatever the draw; then spread over the window, not one wave: the
    // draws span [0.5, 0.5 + 0.5 x 19/20] x 400 ms.
    expect(Math.min(...sentAt)).toBeGreaterThanOrEqual(base * 0.5);
    expect(Math.max(...sentAt) - Math.min(...sentAt)).toBeGreaterThanOrEqual(180);
    await settleIo();
    // Served from the min-heap in due order: the last question asked drew the shortest delay and comes back first.
    const retried = server.questions.slice(count).map((question) => question.name);
    expect(retried).toEqual([...names].reverse());
    vi.advanceTimersByTime(timeoutMs);
    for (const response of await responses) expect(response).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(resolver.stats).toMatchObject({ queries: count, retries: count, timeouts: 2 * count });
  });

  it('doubles the wait with every retry', async () => {
    useFakeClock();
    const timeoutMs = 50;
    const base = 100;
    server.setHandler(() => ({ drop: true }));
    for (const [draw, factor] of [
      [0, 0.5],
      [0.999_999, 1],
    ] as const) {
      const resolver = resolverWith({ timeoutMs, retries: 3, retryBackoffMs: base, random: () => draw });
      const answer = resolver.query(`doubling-${draw}.backoff.test`, 'A');
      await settleIo();
      expect(resolver.stats.packetsSent).toBe(1);
      for (let retry = 1; retry <= 3; retry++) {
        const wait = timeoutMs + Math.ceil(factor * base * 2 ** (retry - 1));
        vi.advanceTimersByTime(wait - 1);
        expect(resolver.stats.packetsSent, `retry ${retry} with draw ${draw}: not yet`).toBe(retry);
        vi.advanceTimersByTime(1);
        expect(resolver.stats.packetsSent, `retry ${retry} with draw ${draw}: now`).toBe(retry + 1);
      }
      vi.advanceTimersByTime(timeoutMs);
      expect(await answer).toMatchObject({ kind: 'timeout', attempts: 4 });
    }
  });

  it('does not hold back the retry that follows a SERVFAIL on another server', async () => {
    const spare = await startFakeDnsServer(() => ({
      answers: [{ name: 'x.test', type: 'A', value: '127.0.0.3' }],
    }));
    try {
      server.setHandler(() => ({ rcode: 'SERVFAIL' }));
      const resolver = new UdpResolver({
        servers: [
          { host: server.host, port: server.port },
          { host: spare.host, port: spare.port },
        ],
        timeoutMs: 1_000,
        retries: 1,
        retryBackoffMs: 10_000,
      });
      resolvers.push(resolver);
      const started = performance.now();
      expect(await resolver.query('x.test', 'A')).toMatchObject({ kind: 'answer', server: spare.address });
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await spare.close();
    }
  });

  it('ends a retry that waits out its backoff when the resolver is closed', async () => {
    const resolver = resolverWith({ timeoutMs: 50, retries: 1, retryBackoffMs: 60_000 });
    server.setHandler(() => ({ drop: true }));
    const pending = resolver.query('waiting.backoff.test', 'A');
    // Wait until the retry is scheduled: the one attempt timed out, so the resolver counts a retry.
    await expect.poll(() => resolver.stats.retries, { interval: 10, timeout: 2_000 }).toBe(1);
    await resolver.close();
    expect(await pending).toEqual({ kind: 'error', message: 'resolver closed' });
    expect(server.questions).toHaveLength(1);
  });
});
