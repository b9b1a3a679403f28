/**
 * Retries after a timeout back off with jitter: the n-th retry waits a random delay in [0.5, 1] x base x 2^(n-1)
 * before it is sent, so the questions of one lost burst do not come back in one wave and get lost again. The
 * resolver's random source is injected; times are taken where the fake server receives each packet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

/** Arrival times (ms, performance clock) of every packet per question name, in order. */
function recordArrivals(answerAfter: number): Map<string, number[]> {
  const arrivals = new Map<string, number[]>();
  server.setHandler((question) => {
    const times = arrivals.get(question.name) ?? [];
    times.push(performance.now());
    arrivals.set(question.name, times);
    if (times.length <= answerAfter) return { drop: true };
    return { answers: [{ name: question.name, type: 'A', value: '127.0.0.2' }] };
  });
  return arrivals;
}

describe('UdpResolver retry backoff', () => {
  it('spreads the retries of one lost burst over the jitter window, in the order of their random delays', async () => {
    const count = 20;
    // 10 ms between consecutive delays: wide enough that a busy event loop cannot swap two of them.
    const base = 400;
    // Decreasing random values: the first question asked gets the longest wait. A resolver that re-sends at the
    // deadline sends them all at once, in send order.
    const draws = Array.from({ length: count }, (_, i) => 1 - (i + 1) / count);
    let drawn = 0;
    const resolver = resolverWith({
      timeoutMs: 100,
      retries: 1,
      retryBackoffMs: base,
      random: () => draws[drawn++] ?? 0,
    });
    const arrivals = recordArrivals(1);
    const names = Array.from({ length: count }, (_, i) => `q${i}.backoff.test`);
    const responses = await Promise.all(names.map((name) => resolver.query(name, 'A')));
    for (const response of responses) expect(response).toMatchObject({ kind: 'answer', rcode: 'NOERROR' });
    expect(drawn).toBe(count);

    const first = names.map((name) => arrivals.get(name)?.[0] ?? Number.NaN);
    const retry = names.map((name) => arrivals.get(name)?.[1] ?? Number.NaN);
    names.forEach((_, i) => {
      // Timeout, then at least half the base delay, whatever the draw.
      expect(retry[i] as number).toBeGreaterThanOrEqual((first[i] as number) + 100 + base * 0.5 - 10);
    });
    // The delays drawn span [0.5, 0.5 + 0.5 x 19/20] x 400 ms, so the retries arrive over about 190 ms, not in a
    // wave (the first attempts all left within a few milliseconds of each other).
    expect(Math.max(...retry) - Math.min(...retry)).toBeGreaterThan(120);
    // Served from the min-heap in due order: the last question asked drew the shortest delay and comes back first.
    const byArrival = [...names].sort((a, b) => (arrivals.get(a)?.[1] ?? 0) - (arrivals.get(b)?.[1] ?? 0));
    expect(byArrival).toEqual([...names].reverse());
    expect(resolver.stats).toMatchObject({ queries: count, retries: count, timeouts: count });
  });

  it('doubles the wait with every retry', async () => {
    const timeoutMs = 50;
    const base = 100;
    for (const [draw, factor] of [
      [0, 0.5],
      [0.999_999, 1],
    ] as const) {
      const resolver = resolverWith({ timeoutMs, retries: 3, retryBackoffMs: base, random: () => draw });
      const arrivals = recordArrivals(3);
      const name = `doubling-${draw}.backoff.test`;
      expect(await resolver.query(name, 'A')).toMatchObject({ kind: 'answer' });
      const times = arrivals.get(name) ?? [];
      expect(times).toHaveLength(4);
      for (let retry = 1; retry <= 3; retry++) {
        const gap = (times[retry] as number) - (times[retry - 1] as number);
        const expected = timeoutMs + factor * base * 2 ** (retry - 1);
        // The server shares this process's event loop, so an arrival can be stamped a few ms late: allow 10 ms.
        expect(gap, `retry ${retry} with draw ${draw}`).toBeGreaterThanOrEqual(expected - 10);
        // Generous: a loaded machine fires timers late, never early.
        expect(gap, `retry ${retry} with draw ${draw}`).toBeLessThan(expected + 500);
      }
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
