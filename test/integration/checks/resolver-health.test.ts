/**
 * The resolver verdict of probeZones, one rule at a time, through the real UDP resolver against a DNS server on
 * loopback whose every answer the test controls: `down` needs total silence, `unusable` needs a resolver that
 * answers yet fails at least two tested lists, and anything else leaves the lists to be judged one by one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CheckTarget, probeZones, runChecks, type ZoneProbe } from '../../../src/checks/run-check.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { CheckResult } from '../../../src/domain/check-result.ts';
import type { Zone } from '../../../src/domain/zone.ts';
import {
  type FakeAnswer,
  type FakeDnsServer,
  type FakeQuestion,
  serveZoneData,
  startFakeDnsServer,
} from '../../helpers/fake-dns-server.ts';
import { makeZone } from '../../helpers/zones.ts';

let server: FakeDnsServer;
let resolver: UdpResolver;

beforeAll(async () => {
  server = await startFakeDnsServer();
  resolver = new UdpResolver({
    servers: [{ host: server.host, port: server.port }],
    timeoutMs: 100,
    retries: 2,
    retryBackoffMs: 10,
  });
});
afterEach(() => {
  server.questions.length = 0;
});
afterAll(async () => {
  await resolver.close();
  await server.close();
});

const zoneA = makeZone({ zone: 'a.test' });
const zoneB = makeZone({ zone: 'b.test' });
const zoneC = makeZone({ zone: 'c.test' });
const untested = makeZone({ zone: 'rats.test', testPoints: false });
const three = [zoneA, zoneB, zoneC];

const isCanary = (question: FakeQuestion): boolean => question.name.endsWith('.invalid');
const healthy = serveZoneData({
  '2.0.0.127.a.test': { A: ['127.0.0.2'] },
  '2.0.0.127.b.test': { A: ['127.0.0.2'] },
  '2.0.0.127.c.test': { A: ['127.0.0.2'] },
});

/** Answer the canary one way and every test point another. */
function answering(canary: FakeAnswer, zones: (question: FakeQuestion) => FakeAnswer | undefined): void {
  server.setHandler((question) => (isCanary(question) ? canary : zones(question)));
}

function probe(zones: readonly Zone[]): Promise<ZoneProbe> {
  return probeZones(zones, resolver, { servers: [server.address] });
}

async function lookups(zones: readonly Zone[], health: ZoneProbe, targets: string[]): Promise<CheckResult[]> {
  const items: CheckTarget[] = targets.map((value) => ({ target: { kind: 'ip4', value } }));
  const results: CheckResult[] = [];
  for await (const result of runChecks(items, { resolver, zones, health, concurrency: 4 }))
    results.push(result);
  return results;
}

describe('probeZones judges the resolver', () => {
  it('sends the canary, a random name under invalid., alongside the first test-point probes', async () => {
    answering({ rcode: 'NXDOMAIN' }, healthy);
    const [first, second] = await Promise.all([probe(three), probe(three)]);
    expect(first.resolver).toEqual({ status: 'ok', detail: '' });
    expect(second.resolver).toEqual({ status: 'ok', detail: '' });
    const canaries = server.questions.filter(isCanary);
    expect(canaries).toHaveLength(2);
    expect(canaries[0]?.name).toMatch(/^rblwatch-[0-9a-f]{12}\.invalid$/);
    // A fresh label each time, so no cache answers for a dead resolver.
    expect(canaries[0]?.name).not.toBe(canaries[1]?.name);
    // Asked before any probe was answered: it adds no wait of its own.
    expect(server.questions.findIndex(isCanary)).toBeLessThan(4);
  });

  it('down: no reply to the canary nor to any test point; nothing is then queried', async () => {
    server.setHandler(() => ({ drop: true }));
    const health = await probe([...three, untested]);
    expect(health.resolver).toEqual({
      status: 'down',
      detail: `no answer from ${server.address} (3 attempts): the resolver is not running or not reachable`,
    });
    server.questions.length = 0;
    const results = await lookups([...three, untested], health, ['192.0.2.1']);
    expect(results).toHaveLength(4);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'unknown',
        reason: 'resolver-down',
        detail: health.resolver.detail,
      });
    }
    expect(server.questions).toEqual([]);
  });

  it('down: with only lists without test points, the canary alone decides', async () => {
    server.setHandler(() => ({ drop: true }));
    expect((await probe([untested])).resolver.status).toBe('down');
    answering({ rcode: 'NXDOMAIN' }, () => ({ drop: true }));
    expect((await probe([untested])).resolver.status).toBe('ok');
  });

  it('not down when a test point got any reply, even if the canary got none', async () => {
    answering({ drop: true }, () => ({ rcode: 'NXDOMAIN' }));
    expect((await probe(three)).resolver.status).toBe('unusable');
    // One tested list answering REFUSED: the list is blamed, the resolver is alive.
    answering({ drop: true }, () => ({ rcode: 'REFUSED' }));
    const single = await probe([zoneA]);
    expect(single.resolver.status).toBe('ok');
    expect(single.zones.get('a.test')?.health).toBe('refused');
  });

  it('unusable: NXDOMAIN for every list, the answer of a filtering or public resolver', async () => {
    answering({ rcode: 'NXDOMAIN' }, () => ({ rcode: 'NXDOMAIN' }));
    const health = await probe([...three, untested]);
    expect(health.resolver).toEqual({
      status: 'unusable',
      detail:
        `the resolver ${server.address} answers NXDOMAIN for every list's test point: it is not resolving DNSBL ` +
        'zones; use a local recursive resolver, see README',
    });
    // The zones say what their probes saw; the resolver verdict says whom to blame.
    expect([...health.zones.values()].map((z) => z.health)).toEqual([
      'no-test-point',
      'no-test-point',
      'no-test-point',
      'untested',
    ]);
    server.questions.length = 0;
    const results = await lookups(three, health, ['127.0.0.2', '192.0.2.1']);
    expect(results.map((r) => [r.status, r.reason])).toEqual(Array(6).fill(['unknown', 'resolver-unusable']));
    expect(server.questions).toEqual([]);
  });

  it('unusable: REFUSED for everything', async () => {
    server.setHandler(() => ({ rcode: 'REFUSED' }));
    expect((await probe(three)).resolver).toEqual({
      status: 'unusable',
      detail: `the resolver ${server.address} refuses every query (REFUSED): it does not serve this host; use a local recursive resolver, see README`,
    });
  });

  it('unusable: SERVFAIL for every list while it answers the canary', async () => {
    answering({ rcode: 'NXDOMAIN' }, () => ({ rcode: 'SERVFAIL' }));
    expect((await probe(three)).resolver).toEqual({
      status: 'unusable',
      detail: `the resolver ${server.address} answers SERVFAIL for every list: it cannot reach the lists' name servers`,
    });
  });

  it('unusable: error codes for every list (Spamhaus answering a public resolver)', async () => {
    answering({ rcode: 'NXDOMAIN' }, (q) => ({
      answers: [{ name: q.name, type: 'A', value: '127.255.255.254' }],
    }));
    expect((await probe(three)).resolver).toEqual({
      status: 'unusable',
      detail:
        `the resolver ${server.address} answers error codes (127.255.255.254: query via a public or open resolver, ` +
        "or unattributable reverse DNS) for every list's test point: the lists refuse it; use a local recursive " +
        'resolver, see README',
    });
  });

  it('unusable: names the dominant failure when the lists fail in different ways', async () => {
    answering({ rcode: 'NXDOMAIN' }, (q) =>
      q.name.endsWith('.c.test') ? { rcode: 'REFUSED' } : { rcode: 'NXDOMAIN' },
    );
    expect((await probe(three)).resolver.detail).toBe(
      `the resolver ${server.address} answers NXDOMAIN for 2 of 3 lists' test points (the others: REFUSED 1): it ` +
        'is not resolving DNSBL zones; use a local recursive resolver, see README',
    );
  });

  it('ok: one healthy list among failing ones; the failing ones are judged one by one', async () => {
    answering({ rcode: 'NXDOMAIN' }, (q) =>
      q.name.endsWith('.a.test') ? healthy(q) : { rcode: 'NXDOMAIN' },
    );
    const health = await probe(three);
    expect(health.resolver.status).toBe('ok');
    expect(health.zones.get('a.test')?.health).toBe('ok');
    expect(health.zones.get('b.test')).toEqual({
      zone: 'b.test',
      health: 'no-test-point',
      detail: 'must-list test point 127.0.0.2 is not listed (NXDOMAIN)',
    });
  });

  it('unusable: when most of many lists fail alike, one that passes is no alibi', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => makeZone({ zone: `z${i}.test` }));
    // A filtering resolver that lets one list through and answers NXDOMAIN for the nine others.
    const one = serveZoneData({ '2.0.0.127.z0.test': { A: ['127.0.0.2'] } });
    answering({ rcode: 'NXDOMAIN' }, (q) => (q.name.endsWith('.z0.test') ? one(q) : { rcode: 'NXDOMAIN' }));
    const mostly = await probe(ten);
    expect(mostly.resolver.status).toBe('unusable');
    expect(mostly.resolver.detail).toContain('9 of 10 lists');
    expect(mostly.resolver.detail).toContain('ok 1');
    // Three of ten failing alike is the lists' problem, not the resolver's.
    const seven = serveZoneData(
      Object.fromEntries(ten.slice(3).map((zone) => [`2.0.0.127.${zone.zone}`, { A: ['127.0.0.2'] }])),
    );
    answering({ rcode: 'NXDOMAIN' }, seven);
    expect((await probe(ten)).resolver.status).toBe('ok');
  });

  it('ok: a single tested list that fails is blamed, unless the canary got no reply either', async () => {
    answering({ rcode: 'NXDOMAIN' }, () => ({ drop: true }));
    const blamed = await probe([zoneA, untested]);
    expect(blamed.resolver.status).toBe('ok');
    expect(blamed.zones.get('a.test')?.health).toBe('unreachable');

    server.setHandler(() => ({ drop: true }));
    expect((await probe([zoneA, untested])).resolver.status).toBe('down');
  });
});
