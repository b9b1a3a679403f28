import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CheckTarget, probeZones, runChecks } from '../../../src/checks/run-check.ts';
import { parseResolverAddress } from '../../../src/dns/resolver-address.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { CheckResult } from '../../../src/domain/check-result.ts';
import type { Zone } from '../../../src/domain/zone.ts';
import {
  type FakeDnsServer,
  type FakeHandler,
  serveZoneData,
  startFakeDnsServer,
  type ZoneData,
} from '../../helpers/fake-dns-server.ts';
import { makeZone } from '../../helpers/zones.ts';

/**
 * Every classification rule of the engine, driven through the real resolver against a DNS server on loopback.
 * Each zone below is healthy (lists 127.0.0.2, not 127.0.0.1) unless the test says otherwise.
 */
let server: FakeDnsServer;
let resolver: UdpResolver;

beforeAll(async () => {
  server = await startFakeDnsServer();
  resolver = new UdpResolver({ servers: [parseResolverAddress(server.address)], timeoutMs: 150, retries: 1 });
});
afterEach(() => {
  server.questions.length = 0;
});
afterAll(async () => {
  await resolver.close();
  await server.close();
});

const healthy = (zone: string): ZoneData => ({ [`2.0.0.127.${zone}`]: { A: ['127.0.0.2'] } });

async function check(zones: Zone[], targets: string[], handler: FakeHandler): Promise<CheckResult[]> {
  server.setHandler(handler);
  const health = await probeZones(zones, resolver);
  const items: CheckTarget[] = targets.map((value) => ({
    target: value.includes(':')
      ? { kind: 'ip6', value }
      : /^[\d.]+$/.test(value)
        ? { kind: 'ip4', value }
        : { kind: 'domain', value },
  }));
  const results: CheckResult[] = [];
  for await (const result of runChecks(items, { resolver, zones, health, concurrency: 8 }))
    results.push(result);
  return results;
}

const coded = makeZone({
  zone: 'coded.test',
  codes: {
    '127.0.0.2': { class: 'listed', meaning: 'spam source' },
    '127.0.0.4': { class: 'listed', meaning: 'exploited host' },
    '127.0.0.10': { class: 'info', meaning: 'dynamic range' },
    '127.0.0.20': { class: 'allow', meaning: 'trusted sender' },
    '127.0.0.99': { class: 'error', meaning: 'over quota' },
  },
  delist: 'https://coded.example/lookup?ip={target}',
});
const plain = makeZone({ zone: 'plain.test' });

describe('classification against a DNS server on loopback', () => {
  it('listed: every returned code with its meaning, the TXT reason and the delist link', async () => {
    const [result] = await check(
      [coded],
      ['203.0.113.7'],
      serveZoneData({
        ...healthy('coded.test'),
        '7.113.0.203.coded.test': {
          A: ['127.0.0.2', '127.0.0.4', '127.0.0.2'],
          TXT: ['Listed since 2026-11-01'],
        },
      }),
    );
    expect(result).toMatchObject({
      target: '203.0.113.7',
      zone: 'coded.test',
      status: 'listed',
      codes: ['127.0.0.2', '127.0.0.4'],
      meanings: ['spam source', 'exploited host'],
      txt: ['Listed since 2026-11-01'],
      delist: 'https://coded.example/lookup?ip=203.0.113.7',
    });
    expect(result?.reason).toBeUndefined();
  });

  it('clean: NXDOMAIN, and NOERROR with no A record', async () => {
    const results = await check(
      [plain],
      ['192.0.2.1', '192.0.2.2'],
      serveZoneData({
        ...healthy('plain.test'),
        '2.2.0.192.plain.test': { TXT: ['stray text without an address'] },
      }),
    );
    expect(results.map((r) => [r.target, r.status, r.codes.length])).toEqual(
      expect.arrayContaining([
        ['192.0.2.1', 'clean', 0],
        ['192.0.2.2', 'clean', 0],
      ]),
    );
  });

  it('asks for TXT only when the A answer is a listing', async () => {
    await check(
      [plain],
      ['192.0.2.1', '192.0.2.9'],
      serveZoneData({
        ...healthy('plain.test'),
        '9.2.0.192.plain.test': { A: ['127.0.0.2'], TXT: ['why'] },
      }),
    );
    const txt = server.questions.filter((q) => q.type === 'TXT').map((q) => q.name);
    expect(txt).toEqual(['9.2.0.192.plain.test']);
  });

  it('a zone without a code table: any 127/8 answer but 127.0.0.1 and 127.255.255.0/24 is listed', async () => {
    const [result] = await check(
      [plain],
      ['192.0.2.3'],
      serveZoneData({
        ...healthy('plain.test'),
        '3.2.0.192.plain.test': { A: ['127.0.0.77'] },
      }),
    );
    expect(result).toMatchObject({ status: 'listed', codes: ['127.0.0.77'], meanings: ['listed'] });
  });

  it.each([
    ['127.255.255.254', 'error-code', 'public or open resolver'],
    ['127.255.255.255', 'error-code', 'excessive number of queries'],
    ['127.255.255.252', 'error-code', 'typo'],
    ['127.0.0.1', 'bad-answer', '127.0.0.1 is never a listing'],
    ['10.20.30.40', 'bad-answer', 'outside 127.0.0.0/8'],
    ['146.112.61.108', 'bad-answer', 'outside 127.0.0.0/8'],
  ])('answer %s is unknown (%s), never listed', async (code, reason, detail) => {
    for (const zone of [plain, coded]) {
      const [result] = await check(
        [zone],
        ['192.0.2.4'],
        serveZoneData({
          ...healthy(zone.zone),
          [`4.2.0.192.${zone.zone}`]: { A: [code] },
        }),
      );
      expect(result).toMatchObject({ status: 'unknown', reason });
      expect(result?.detail).toContain(detail);
    }
  });

  it('a listed code next to an error code is still unknown', async () => {
    const [result] = await check(
      [plain],
      ['192.0.2.5'],
      serveZoneData({
        ...healthy('plain.test'),
        '5.2.0.192.plain.test': { A: ['127.0.0.2', '127.255.255.254'] },
      }),
    );
    expect(result).toMatchObject({ status: 'unknown', reason: 'error-code' });
  });

  it("with a code table: the zone's error codes are unknown, undeclared codes are bad answers", async () => {
    const results = await check(
      [coded],
      ['192.0.2.6', '192.0.2.7'],
      serveZoneData({
        ...healthy('coded.test'),
        '6.2.0.192.coded.test': { A: ['127.0.0.99'] },
        '7.2.0.192.coded.test': { A: ['127.0.0.3'] },
      }),
    );
    const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(byTarget['192.0.2.6']).toMatchObject({ status: 'unknown', reason: 'error-code' });
    expect(byTarget['192.0.2.6']?.detail).toContain('over quota');
    expect(byTarget['192.0.2.7']).toMatchObject({ status: 'unknown', reason: 'bad-answer' });
    expect(byTarget['192.0.2.7']?.detail).toContain("not in the zone's code table");
  });

  it('allow and info codes are not listings: clean, with the codes kept', async () => {
    const results = await check(
      [coded],
      ['192.0.2.8', '192.0.2.9'],
      serveZoneData({
        ...healthy('coded.test'),
        '8.2.0.192.coded.test': { A: ['127.0.0.10'] },
        '9.2.0.192.coded.test': { A: ['127.0.0.20'] },
      }),
    );
    const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(byTarget['192.0.2.8']).toMatchObject({
      status: 'clean',
      codes: ['127.0.0.10'],
      classes: ['info'],
    });
    expect(byTarget['192.0.2.9']).toMatchObject({
      status: 'clean',
      codes: ['127.0.0.20'],
      classes: ['allow'],
    });
    expect(server.questions.filter((q) => q.type === 'TXT')).toHaveLength(0);
  });

  it('bitmask zones: each set bit is a sub-list; bit 1 is the zone saying "refused"', async () => {
    const surbl = makeZone({
      zone: 'multi.test',
      kind: 'domain',
      bitmask: true,
      testPoints: { listed: 'test', unlisted: 'invalid' },
      codes: {
        '127.0.0.1': { class: 'error', meaning: 'query refused' },
        '127.0.0.8': { class: 'listed', meaning: 'phishing' },
        '127.0.0.16': { class: 'listed', meaning: 'malware' },
      },
    });
    const results = await check(
      [surbl],
      ['a.example', 'b.example', 'c.example'],
      serveZoneData({
        'test.multi.test': { A: ['127.0.0.8'] },
        'a.example.multi.test': { A: ['127.0.0.24'] },
        'b.example.multi.test': { A: ['127.0.0.1'] },
        'c.example.multi.test': { A: ['127.0.0.2'] },
      }),
    );
    const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(byTarget['a.example']).toMatchObject({ status: 'listed', meanings: ['phishing + malware'] });
    expect(byTarget['b.example']).toMatchObject({ status: 'unknown', reason: 'error-code' });
    expect(byTarget['c.example']).toMatchObject({ status: 'unknown', reason: 'bad-answer' });
  });

  it.each([
    ['timeout', { drop: true }],
    ['servfail', { rcode: 'SERVFAIL' }],
    ['refused', { rcode: 'REFUSED' }],
    ['dns-error', { rcode: 'NOTIMP' }],
  ] as const)('a %s on the lookup is unknown, never clean', async (reason, answer) => {
    const [result] = await check([plain], ['192.0.2.10'], (q) =>
      q.name.startsWith('10.2.0.192') ? answer : serveZoneData(healthy('plain.test'))(q),
    );
    expect(result).toMatchObject({ status: 'unknown', reason });
  });

  it('sends IPs only to zones of their family and domains only to domain zones', async () => {
    const v4 = makeZone({ zone: 'v4.test', kind: 'ip4' });
    const v6 = makeZone({ zone: 'v6.test', kind: 'ip6' });
    const both = makeZone({ zone: 'both.test', kind: 'ip' });
    const names = makeZone({ zone: 'names.test', kind: 'domain' });
    // Every zone healthy: with all four failing their test points the resolver itself would be unusable.
    const results = await check(
      [v4, v6, both, names],
      ['192.0.2.1', '2001:db8::25', 'example.com'],
      serveZoneData({
        ...healthy('v4.test'),
        ...healthy('both.test'),
        [`2.0.0.0.0.0.f.7.f.f.f.f.${'0.'.repeat(20)}v6.test`]: { A: ['127.0.0.2'] },
        'test.names.test': { A: ['127.0.0.2'] },
      }),
    );
    const pairs = results.map((r) => `${r.target}@${r.zone}`).sort();
    expect(pairs).toEqual([
      '192.0.2.1@both.test',
      '192.0.2.1@v4.test',
      '2001:db8::25@both.test',
      '2001:db8::25@v6.test',
      'example.com@names.test',
    ]);
    const v6Query = server.questions.find((q) => q.name.endsWith('.v6.test') && q.name.startsWith('5.2'));
    expect(v6Query?.name).toBe('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.v6.test');
  });

  it('asks each question once per run', async () => {
    await check(
      [plain, coded],
      ['192.0.2.1', '192.0.2.2'],
      serveZoneData({ ...healthy('plain.test'), ...healthy('coded.test') }),
    );
    const asked = server.questions.map((q) => `${q.type} ${q.name}`);
    expect(new Set(asked).size).toBe(asked.length);
  });
});

describe('zone health from RFC 5782 test points', () => {
  it('ok: lists 127.0.0.2 and not 127.0.0.1', async () => {
    server.setHandler(serveZoneData(healthy('plain.test')));
    const health = await probeZones([plain], resolver);
    expect(health.zones.get('plain.test')?.health).toBe('ok');
    expect(health.resolver).toEqual({ status: 'ok', detail: '' });
  });

  it('wildcard: a zone that lists 127.0.0.1 lists everything; its positives become unknown', async () => {
    const results = await check([plain], ['192.0.2.1', '192.0.2.2'], () => ({
      answers: [{ name: 'x', type: 'A', value: '127.0.0.2' }],
    }));
    for (const result of results) {
      expect(result).toMatchObject({ status: 'unknown', reason: 'zone-unhealthy', zoneHealth: 'wildcard' });
    }
    expect(server.questions.filter((q) => q.type === 'TXT')).toHaveLength(0);
  });

  it('wildcard: clean answers from a wildcard zone stay clean', async () => {
    const [result] = await check([plain], ['192.0.2.1'], (q) =>
      q.name.startsWith('1.2.0.192')
        ? { rcode: 'NXDOMAIN' }
        : { answers: [{ name: q.name, type: 'A', value: '127.0.0.2' }] },
    );
    expect(result).toMatchObject({ status: 'clean', zoneHealth: 'wildcard' });
  });

  it('refused: a zone answering its test points with an error code is not queried; every lookup is unknown', async () => {
    const results = await check([plain], ['192.0.2.1', '192.0.2.2'], (q) => ({
      answers: [{ name: q.name, type: 'A', value: '127.255.255.254' }],
    }));
    expect(results.map((r) => [r.status, r.reason, r.zoneHealth])).toEqual([
      ['unknown', 'zone-unhealthy', 'refused'],
      ['unknown', 'zone-unhealthy', 'refused'],
    ]);
    expect(server.questions.map((q) => q.name).filter((n) => n.includes('192'))).toEqual([]);
  });

  it('refused: REFUSED on the test points', async () => {
    server.setHandler(() => ({ rcode: 'REFUSED' }));
    const health = await probeZones([plain], resolver);
    expect(health.zones.get('plain.test')?.health).toBe('refused');
    // One list refusing is that list's problem, not the resolver's.
    expect(health.resolver.status).toBe('ok');
  });

  it.each([
    ['silence', { drop: true }],
    ['SERVFAIL', { rcode: 'SERVFAIL' }],
  ] as const)(
    'unreachable: %s on the test points; lookups end unknown without being sent',
    async (_n, answer) => {
      // The resolver answers its canary, so the zone, not the resolver, is the one that fails.
      const results = await check([plain], ['192.0.2.1'], (q) =>
        q.name.endsWith('.invalid') ? { rcode: 'NXDOMAIN' } : answer,
      );
      expect(results[0]).toMatchObject({
        status: 'unknown',
        reason: 'zone-unhealthy',
        zoneHealth: 'unreachable',
      });
    },
  );

  it('no-test-point: 127.0.0.2 not listed; clean answers become unknown, listings are kept and flagged', async () => {
    const results = await check(
      [plain],
      ['192.0.2.1', '192.0.2.2'],
      serveZoneData({
        '2.2.0.192.plain.test': { A: ['127.0.0.2'] },
      }),
    );
    const byTarget = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(byTarget['192.0.2.1']).toMatchObject({
      status: 'unknown',
      reason: 'zone-unhealthy',
      detail:
        'must-list test point 127.0.0.2 is not listed (NXDOMAIN): this list cannot vouch for a clean answer in this run',
      zoneHealth: 'no-test-point',
    });
    expect(byTarget['192.0.2.2']).toMatchObject({ status: 'listed', zoneHealth: 'no-test-point' });
  });

  it('untested: zones that opt out are not probed', async () => {
    const optOut = makeZone({ zone: 'rats.test', testPoints: false });
    const results = await check(
      [optOut],
      ['192.0.2.1'],
      serveZoneData({ '1.2.0.192.rats.test': { A: ['127.0.0.38'] } }),
    );
    expect(results[0]).toMatchObject({ status: 'listed', zoneHealth: 'untested' });
    expect(server.questions.some((q) => q.name.startsWith('2.0.0.127'))).toBe(false);
  });

  it('IPv6 and domain zones are probed with their own test points', async () => {
    const v6 = makeZone({ zone: 'v6.test', kind: 'ip6' });
    const names = makeZone({ zone: 'names.test', kind: 'domain' });
    server.setHandler(
      serveZoneData({
        '2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.test': { A: ['127.0.0.2'] },
        'test.names.test': { A: ['127.0.1.2'] },
      }),
    );
    const health = await probeZones([v6, names], resolver);
    expect(health.zones.get('v6.test')?.health).toBe('ok');
    expect(health.zones.get('names.test')?.health).toBe('ok');
    expect(server.questions.map((q) => q.name)).toContain('invalid.names.test');
  });
});
