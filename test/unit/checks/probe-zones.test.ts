import { describe, expect, it } from 'vitest';
import { probeZones, streamChecks } from '../../../src/checks/run-check.ts';
import type { DnsResolver, DnsResponse } from '../../../src/dns/dns-resolver.ts';
import { makeZone } from '../../helpers/zones.ts';

/** A resolver port implementation that answers from a function, for the pure parts of zone probing. */
function resolverAnswering(answer: (name: string) => DnsResponse): DnsResolver {
  return { query: async (name) => answer(name), close: async () => {} };
}

const tested = makeZone({ zone: 'tested.test' });
const optOut = makeZone({ zone: 'rats.test', testPoints: false });

describe('probeZones', () => {
  it('judges the resolver down when nothing answers, and leaves zones without test points untested', async () => {
    const probe = await probeZones(
      [tested, optOut],
      resolverAnswering(() => ({ kind: 'timeout', attempts: 3 })),
    );
    expect(probe.zones.get('tested.test')?.health).toBe('unreachable');
    // The zone without test points was never asked: its health says so; the resolver verdict says the rest.
    expect(probe.zones.get('rats.test')?.health).toBe('untested');
    expect(probe.resolver).toEqual({
      status: 'down',
      detail: 'no answer from the resolver (3 attempts): the resolver is not running or not reachable',
    });
  });

  it('rejects at once when aborted, without waiting for the probes', async () => {
    const abort = new AbortController();
    const never: DnsResolver = { query: () => new Promise(() => {}), close: async () => {} };
    const probing = probeZones([tested], never, { signal: abort.signal });
    abort.abort();
    await expect(probing).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves zones without test points untested when the resolver answers', async () => {
    const health = await probeZones(
      [tested, optOut],
      resolverAnswering((name) =>
        name.startsWith('2.0.0.127')
          ? {
              kind: 'answer',
              rcode: 'NOERROR',
              server: 'x',
              records: [{ name, type: 'A', ttl: 1, value: '127.0.0.2' }],
            }
          : { kind: 'answer', rcode: 'NXDOMAIN', server: 'x', records: [] },
      ),
    );
    expect(health.zones.get('tested.test')?.health).toBe('ok');
    expect(health.zones.get('rats.test')?.health).toBe('untested');
    expect(health.resolver.status).toBe('ok');
  });

  it('returns reports in catalog order whatever order the probes finish in', async () => {
    const zones = ['a.test', 'b.test', 'c.test'].map((zone) => makeZone({ zone }));
    const health = await probeZones(zones, {
      query: (name) =>
        new Promise((resolve) =>
          setTimeout(
            () => resolve({ kind: 'answer', rcode: 'NXDOMAIN', server: 'x', records: [] }),
            name.includes('a.test') ? 20 : 1,
          ),
        ),
      close: async () => {},
    });
    expect([...health.zones.keys()]).toEqual(['a.test', 'b.test', 'c.test']);
  });
});

describe('streamChecks', () => {
  it.each([1, 4, 7])(
    'ends when the last job fills the window exactly (concurrency %i)',
    async (concurrency) => {
      // Regression: with the job count a multiple of the concurrency, the end of the job list was only discovered
      // by a refill after the consumer had started waiting, and nothing woke it.
      const zone = makeZone({ zone: 'z.test', testPoints: false });
      const targets = Array.from({ length: concurrency * 2 }, (_, i) => ({
        target: { kind: 'ip4' as const, value: `192.0.2.${i}` },
      }));
      const resolver = resolverAnswering(() => ({
        kind: 'answer',
        rcode: 'NXDOMAIN',
        server: 'x',
        records: [],
      }));
      let count = 0;
      const run = (async () => {
        for await (const batch of streamChecks(targets, {
          resolver,
          zones: [zone],
          health: { zones: new Map(), resolver: { status: 'ok', detail: '' } },
          concurrency,
        })) {
          count += batch.length;
        }
      })();
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('streamChecks hung')), 2000),
      );
      await Promise.race([run, timeout]);
      expect(count).toBe(concurrency * 2);
    },
  );
});
