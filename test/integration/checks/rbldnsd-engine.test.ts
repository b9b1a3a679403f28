/**
 * The lookup engine (probe, query, classify, apply zone health) against a real rbldnsd serving every dataset type
 * rblwatch meets in the wild. classification.test.ts pins the same rules against an in-process fake server; this
 * suite shows they hold for the answers a real DNSBL daemon gives, including under packet loss.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5782 section 5 for the test points every healthy zone lists
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CheckTarget, probeZones, runChecks } from '../../../src/checks/run-check.ts';
import { parseResolverAddress } from '../../../src/dns/resolver-address.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { CheckResult, ZoneHealthReport } from '../../../src/domain/check-result.ts';
import { formatIpv4 } from '../../../src/domain/ip-text.ts';
import type { Zone } from '../../../src/domain/zone.ts';
import { expandCidr, parseTarget } from '../../../src/inventory/parse-target.ts';
import { type RbldnsdServer, type RbldnsdZone, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';
import { makeZone } from '../../helpers/zones.ts';

/** One zone as rblwatch's catalog sees it and as rbldnsd serves it. */
interface ServedZone {
  readonly zone: Zone;
  readonly data: RbldnsdZone;
}

function served(zone: Zone, type: RbldnsdZone['type'], lines: readonly string[]): ServedZone {
  return { zone, data: { name: zone.queryHost, type, data: lines.join('\n') } };
}

/** ip4set with a code table: single entries, a range, an exclusion, and two answers the engine must not trust. */
const CODED = served(
  makeZone({
    zone: 'coded.rbl.test',
    codes: {
      '127.0.0.2': { class: 'listed', meaning: 'spam source' },
      '127.0.0.3': { class: 'listed', meaning: 'listed range' },
      '127.0.0.4': { class: 'listed', meaning: 'exploited host' },
    },
    delist: 'https://coded.example/lookup?ip={target}',
  }),
  'ip4set',
  [
    ':127.0.0.2:Spam from $, see https://coded.example/lookup?ip=$',
    '127.0.0.2',
    '192.0.2.5',
    '198.51.100.0/24 :127.0.0.3:Range listed, $ is inside',
    '!198.51.100.7',
    // Inside the /24 as well: ip4set answers with the most specific entry only, so one code, not two.
    '198.51.100.9 :127.0.0.4:Exploited host $',
    '203.0.113.1 :127.255.255.254:Query refused',
    '203.0.113.2 :127.0.0.77:A code the catalog does not know',
  ],
);

/** ip4trie: nested CIDR ranges, including one not on an octet boundary; the longest prefix decides. */
const TRIE = served(makeZone({ zone: 'trie.rbl.test' }), 'ip4trie', [
  ':127.0.0.2:Trie listing for $',
  '127.0.0.2/32',
  '10.0.0.0/8',
  '10.1.0.0/16 :127.0.0.3:Listed /16: $',
  '10.1.2.0/24 :127.0.0.4:Listed /24: $',
  '10.1.2.128/27 :127.0.0.5:Listed /27: $',
  '!10.1.2.130',
]);

/** ip6trie: the RFC 5782 IPv6 test point, a /48 with a more specific /64 inside, an exclusion. */
const V6TRIE = served(makeZone({ zone: 'v6trie.rbl.test', kind: 'ip6' }), 'ip6trie', [
  ':127.0.0.2:IPv6 listing for $',
  '::ffff:7f00:2',
  '2001:db8:1::/48 :127.0.0.3:Listed /48: $',
  '2001:db8:1:2::/64 :127.0.0.4:Listed /64: $',
  '!2001:db8:1::dead',
]);

/**
 * ip6tset lists whole /64s, so the test point's /64 (::/64) also holds the must-not-list point ::ffff:7f00:1;
 * a single-address exclusion keeps the zone healthy.
 */
const V6TSET = served(makeZone({ zone: 'v6tset.rbl.test', kind: 'ip6' }), 'ip6tset', [
  '0:0:0:0',
  '!::ffff:7f00:1',
  '2001:db8:0:5',
]);

/**
 * A zone of kind `ip` answers for both families under one name. rbldnsd would serve that as two datasets of
 * one zone, which the harness does not support, so the names are spelled out in a generic dataset.
 */
const V6_NAME_2001_DB8__5 = `5.${'0.'.repeat(23)}8.b.d.0.1.0.0.2`;
const BOTH = served(makeZone({ zone: 'both.rbl.test', kind: 'ip' }), 'generic', [
  '2.0.0.127 A 127.0.0.2',
  '5.2.0.192 A 127.0.0.2',
  '5.2.0.192 TXT "IPv4 192.0.2.5 is listed"',
  `${V6_NAME_2001_DB8__5} A 127.0.0.3`,
  `${V6_NAME_2001_DB8__5} TXT "IPv6 2001:db8::5 is listed"`,
]);

/** dnset: the `test` point, an exact name, and a wildcard that lists subdomains but not its apex. */
const NAMES = served(makeZone({ zone: 'names.rbl.test', kind: 'domain' }), 'dnset', [
  ':127.0.1.2:Domain $ is listed',
  'test',
  'spam.example',
  '*.wild.example',
]);

/** Lists every IPv4 address, 127.0.0.1 included: what a lapsed, parked list domain looks like. */
const EVERYTHING = served(makeZone({ zone: 'everything.rbl.test' }), 'ip4trie', ['0.0.0.0/0']);

/** A working list without 127.0.0.2 (SpamRATS and others in the wild). */
const NO_TEST_POINT = served(makeZone({ zone: 'no-test-point.rbl.test' }), 'ip4set', ['192.0.2.50']);

const CHANGES = served(makeZone({ zone: 'changes.rbl.test' }), 'ip4set', [
  '127.0.0.2',
  '192.0.2.10',
  '192.0.2.12',
]);

/** rbldnsd answers REFUSED for names outside the zones it serves. */
const UNSERVED = makeZone({ zone: 'unserved.rbl.test' });

/** Packet-loss zones: one /20 on two zones, every 7th address listed, at different offsets per zone. */
const DROP_RANGE = '10.20.0.0/20';
const DROP_SIZE = 4096;
const DROP_BASE = (10 << 24) | (20 << 16);
const dropOffsets = { 'drop-a.rbl.test': 0, 'drop-b.rbl.test': 3 } as const;
const isDropListed = (zone: keyof typeof dropOffsets, index: number): boolean =>
  index % 7 === dropOffsets[zone];
const dropZone = (name: keyof typeof dropOffsets): ServedZone => {
  const lines = [':127.0.0.2:Listed $', '127.0.0.2'];
  for (let index = 0; index < DROP_SIZE; index++) {
    if (isDropListed(name, index)) lines.push(formatIpv4(DROP_BASE + index));
  }
  return served(makeZone({ zone: name }), 'ip4set', lines);
};
const DROP_A = dropZone('drop-a.rbl.test');
const DROP_B = dropZone('drop-b.rbl.test');

const SHARED = [CODED, TRIE, V6TRIE, V6TSET, BOTH, NAMES, EVERYTHING, NO_TEST_POINT, CHANGES, DROP_A, DROP_B];

/** What every healthy IPv4 zone's probe reports. */
const IP4_OK = 'lists 127.0.0.2, does not list 127.0.0.1';

/** Targets as a user types them, through the same parser the CLI uses (canonical IPv6, lowercase domains). */
function targetsOf(inputs: readonly string[]): CheckTarget[] {
  return inputs.flatMap((input): CheckTarget[] => {
    const parsed = parseTarget(input, { maxPrefix: 20 });
    if (parsed.kind === 'single') return [{ target: parsed.target }];
    return Array.from(expandCidr(parsed.network, parsed.prefix), (target) => ({ target }));
  });
}

interface Run {
  readonly health: ReadonlyMap<string, ZoneHealthReport>;
  readonly results: CheckResult[];
  /** Questions the lookups asked (A, plus TXT for listings), probes not counted. */
  readonly queries: number;
}

async function run(
  resolver: UdpResolver,
  zones: readonly Zone[],
  inputs: readonly string[],
  concurrency = 16,
): Promise<Run> {
  const probe = await probeZones(zones, resolver);
  const before = resolver.stats.queries;
  const results: CheckResult[] = [];
  for await (const result of runChecks(targetsOf(inputs), { resolver, zones, health: probe, concurrency })) {
    results.push(result);
  }
  return { health: probe.zones, results, queries: resolver.stats.queries - before };
}

/** The one result for (target, zone); fails when there are none or several. */
function resultFor(results: readonly CheckResult[], target: string, zone: Zone): CheckResult {
  const matches = results.filter((result) => result.target === target && result.zone === zone.zone);
  expect(matches, `results for ${target} on ${zone.zone}`).toHaveLength(1);
  return matches[0] as CheckResult;
}

/** The fields every result carries whatever its status. */
const base = (target: string, zone: Zone) => ({
  target,
  zone: zone.zone,
  severity: zone.severity,
  ms: expect.any(Number),
});

const clean = (target: string, zone: Zone) => ({
  ...base(target, zone),
  status: 'clean',
  codes: [],
  meanings: [],
  classes: [],
  txt: [],
});

/** A listing on a zone without a code table, where every code means "listed". */
const listed = (target: string, zone: Zone, codes: readonly string[], txt: readonly string[]) => ({
  ...base(target, zone),
  status: 'listed',
  codes,
  meanings: codes.map(() => 'listed'),
  classes: codes.map(() => 'listed'),
  txt,
});

describeWithService(await rbldnsdAvailability(), 'lookup engine against rbldnsd', () => {
  let server: RbldnsdServer | undefined;
  let sharedResolver: UdpResolver | undefined;
  const servers: RbldnsdServer[] = [];
  const resolvers: UdpResolver[] = [];

  function resolverFor(target: RbldnsdServer, options: { timeoutMs: number; retries: number }): UdpResolver {
    const resolver = new UdpResolver({ servers: [parseResolverAddress(target.address)], ...options });
    resolvers.push(resolver);
    return resolver;
  }

  /** The shared resolver: patient, so a datagram lost on a busy CI box cannot fail an exact assertion. */
  function dns(): UdpResolver {
    if (sharedResolver === undefined) throw new Error('beforeAll did not start rbldnsd');
    return sharedResolver;
  }

  function rbldnsd(): RbldnsdServer {
    if (server === undefined) throw new Error('beforeAll did not start rbldnsd');
    return server;
  }

  beforeAll(async () => {
    server = await startRbldnsd(SHARED.map((zone) => zone.data));
    servers.push(server);
    sharedResolver = resolverFor(server, { timeoutMs: 1_000, retries: 2 });
  });

  afterAll(async () => {
    await Promise.all(resolvers.map((resolver) => resolver.close()));
    await Promise.all(servers.map((started) => started.stop()));
  });

  it('the data files load without a warning', () => {
    // rbldnsd skips a line it cannot parse with a warning, which would quietly change every expectation below.
    expect(rbldnsd().log()).not.toMatch(/invalid|error|warning/i);
  });

  it('ip4set with a code table: codes, meanings, TXT with $ expanded, ranges, exclusions, clean', async () => {
    const zone = CODED.zone;
    const { health, results } = await run(
      dns(),
      [zone],
      ['192.0.2.5', '198.51.100.42', '198.51.100.7', '198.51.100.9', '192.0.2.6'],
    );
    expect(health.get(zone.zone)).toEqual({ zone: zone.zone, health: 'ok', detail: IP4_OK });
    expect(results).toHaveLength(5);
    expect(resultFor(results, '192.0.2.5', zone)).toEqual({
      ...base('192.0.2.5', zone),
      status: 'listed',
      codes: ['127.0.0.2'],
      meanings: ['spam source'],
      classes: ['listed'],
      txt: ['Spam from 192.0.2.5, see https://coded.example/lookup?ip=192.0.2.5'],
      delist: 'https://coded.example/lookup?ip=192.0.2.5',
    });
    expect(resultFor(results, '198.51.100.42', zone)).toEqual({
      ...base('198.51.100.42', zone),
      status: 'listed',
      codes: ['127.0.0.3'],
      meanings: ['listed range'],
      classes: ['listed'],
      txt: ['Range listed, 198.51.100.42 is inside'],
      delist: 'https://coded.example/lookup?ip=198.51.100.42',
    });
    expect(resultFor(results, '198.51.100.9', zone)).toEqual({
      ...base('198.51.100.9', zone),
      status: 'listed',
      codes: ['127.0.0.4'],
      meanings: ['exploited host'],
      classes: ['listed'],
      txt: ['Exploited host 198.51.100.9'],
      delist: 'https://coded.example/lookup?ip=198.51.100.9',
    });
    // Excluded from its listed /24, and an address nobody listed: both NXDOMAIN, both clean.
    expect(resultFor(results, '198.51.100.7', zone)).toEqual(clean('198.51.100.7', zone));
    expect(resultFor(results, '192.0.2.6', zone)).toEqual(clean('192.0.2.6', zone));
  });

  it('error codes served by rbldnsd: 127.255.255.254 is error-code, a code outside the table bad-answer', async () => {
    const zone = CODED.zone;
    const { results, queries } = await run(dns(), [zone], ['203.0.113.1', '203.0.113.2']);
    expect(resultFor(results, '203.0.113.1', zone)).toEqual({
      ...base('203.0.113.1', zone),
      status: 'unknown',
      reason: 'error-code',
      detail: '127.255.255.254: error: query via a public or open resolver, or unattributable reverse DNS',
      codes: ['127.255.255.254'],
      meanings: ['error: query via a public or open resolver, or unattributable reverse DNS'],
      classes: ['error'],
      txt: [],
    });
    expect(resultFor(results, '203.0.113.2', zone)).toEqual({
      ...base('203.0.113.2', zone),
      status: 'unknown',
      reason: 'bad-answer',
      detail: "answer 127.0.0.77 is not in the zone's code table",
      codes: ['127.0.0.77'],
      meanings: [],
      classes: [],
      txt: [],
    });
    // Neither is a listing, so neither is worth a TXT question.
    expect(queries).toBe(2);
  });

  it('ip4trie: CIDR entries on and off octet boundaries, the longest prefix wins, exclusions', async () => {
    const zone = TRIE.zone;
    const { health, results } = await run(
      dns(),
      [zone],
      ['10.9.9.9', '10.1.9.9', '10.1.2.3', '10.1.2.140', '10.1.2.160', '10.1.2.130', '11.0.0.1'],
    );
    expect(health.get(zone.zone)?.health).toBe('ok');
    expect(results).toHaveLength(7);
    expect(resultFor(results, '10.9.9.9', zone)).toEqual(
      listed('10.9.9.9', zone, ['127.0.0.2'], ['Trie listing for 10.9.9.9']),
    );
    expect(resultFor(results, '10.1.9.9', zone)).toEqual(
      listed('10.1.9.9', zone, ['127.0.0.3'], ['Listed /16: 10.1.9.9']),
    );
    expect(resultFor(results, '10.1.2.3', zone)).toEqual(
      listed('10.1.2.3', zone, ['127.0.0.4'], ['Listed /24: 10.1.2.3']),
    );
    expect(resultFor(results, '10.1.2.140', zone)).toEqual(
      listed('10.1.2.140', zone, ['127.0.0.5'], ['Listed /27: 10.1.2.140']),
    );
    // 10.1.2.160 is just past the /27 (128-159), so the /24 decides.
    expect(resultFor(results, '10.1.2.160', zone)).toEqual(
      listed('10.1.2.160', zone, ['127.0.0.4'], ['Listed /24: 10.1.2.160']),
    );
    expect(resultFor(results, '10.1.2.130', zone)).toEqual(clean('10.1.2.130', zone));
    expect(resultFor(results, '11.0.0.1', zone)).toEqual(clean('11.0.0.1', zone));
  });

  it('ip6trie and ip6tset: non-canonical IPv6 input, prefix listings, the ::ffff:7f00:2 test point', async () => {
    const { health, results } = await run(
      dns(),
      [V6TRIE.zone, V6TSET.zone],
      [
        '2001:0DB8:0001:0000:0000:0000:0000:00AB',
        '2001:db8:1:2:0:0:0:1',
        '2001:DB8:1::DEAD',
        '2001:db8:2::1',
        '2001:db8:0:5:ffff::1',
        '2001:db8:0:6::1',
      ],
    );
    const v6ok = 'lists ::ffff:7f00:2, does not list ::ffff:7f00:1';
    expect(health.get(V6TRIE.zone.zone)).toEqual({ zone: V6TRIE.zone.zone, health: 'ok', detail: v6ok });
    expect(health.get(V6TSET.zone.zone)).toEqual({ zone: V6TSET.zone.zone, health: 'ok', detail: v6ok });
    // Results carry the canonical (RFC 5952) form, which is also what rbldnsd puts in place of $.
    expect(results.map((result) => result.target).sort()).toEqual(
      [
        '2001:db8:1::ab',
        '2001:db8:1:2::1',
        '2001:db8:1::dead',
        '2001:db8:2::1',
        '2001:db8:0:5:ffff::1',
        '2001:db8:0:6::1',
      ]
        .flatMap((target) => [target, target])
        .sort(),
    );
    const trie = V6TRIE.zone;
    expect(resultFor(results, '2001:db8:1::ab', trie)).toEqual(
      listed('2001:db8:1::ab', trie, ['127.0.0.3'], ['Listed /48: 2001:db8:1::ab']),
    );
    expect(resultFor(results, '2001:db8:1:2::1', trie)).toEqual(
      listed('2001:db8:1:2::1', trie, ['127.0.0.4'], ['Listed /64: 2001:db8:1:2::1']),
    );
    expect(resultFor(results, '2001:db8:1::dead', trie)).toEqual(clean('2001:db8:1::dead', trie));
    expect(resultFor(results, '2001:db8:2::1', trie)).toEqual(clean('2001:db8:2::1', trie));
    expect(resultFor(results, '2001:db8:0:5:ffff::1', trie)).toEqual(clean('2001:db8:0:5:ffff::1', trie));

    const tset = V6TSET.zone;
    // No default line in the file: rbldnsd answers 127.0.0.2 and has no TXT to give.
    expect(resultFor(results, '2001:db8:0:5:ffff::1', tset)).toEqual(
      listed('2001:db8:0:5:ffff::1', tset, ['127.0.0.2'], []),
    );
    expect(resultFor(results, '2001:db8:0:6::1', tset)).toEqual(clean('2001:db8:0:6::1', tset));
    expect(resultFor(results, '2001:db8:1::ab', tset)).toEqual(clean('2001:db8:1::ab', tset));
  });

  it('a zone of kind ip gets both IPv4 and IPv6 targets and is probed with the IPv4 test points', async () => {
    const zone = BOTH.zone;
    const { health, results } = await run(
      dns(),
      [zone],
      ['192.0.2.5', '2001:DB8:0:0::5', '192.0.2.6', '2001:db8::6'],
    );
    expect(health.get(zone.zone)).toEqual({ zone: zone.zone, health: 'ok', detail: IP4_OK });
    expect(results).toHaveLength(4);
    expect(resultFor(results, '192.0.2.5', zone)).toEqual(
      listed('192.0.2.5', zone, ['127.0.0.2'], ['IPv4 192.0.2.5 is listed']),
    );
    expect(resultFor(results, '2001:db8::5', zone)).toEqual(
      listed('2001:db8::5', zone, ['127.0.0.3'], ['IPv6 2001:db8::5 is listed']),
    );
    expect(resultFor(results, '192.0.2.6', zone)).toEqual(clean('192.0.2.6', zone));
    expect(resultFor(results, '2001:db8::6', zone)).toEqual(clean('2001:db8::6', zone));
  });

  it('dnset: exact names, wildcard subdomains, clean names, healthy via test and not invalid', async () => {
    const zone = NAMES.zone;
    const { health, results } = await run(
      dns(),
      [zone],
      ['SPAM.Example.', 'www.spam.example', 'a.b.wild.example', 'wild.example', 'clean.example'],
    );
    expect(health.get(zone.zone)).toEqual({
      zone: zone.zone,
      health: 'ok',
      detail: 'lists test, does not list invalid',
    });
    // The probe's verdict on `invalid`, checked on the wire as well.
    const invalid = await dns().query(`invalid.${zone.queryHost}`, 'A');
    expect(invalid).toMatchObject({ kind: 'answer', rcode: 'NXDOMAIN', records: [] });

    expect(results).toHaveLength(5);
    expect(resultFor(results, 'spam.example', zone)).toEqual(
      listed('spam.example', zone, ['127.0.1.2'], ['Domain spam.example is listed']),
    );
    // For a wildcard entry rbldnsd puts the listed base name in place of $, not the name asked about.
    expect(resultFor(results, 'a.b.wild.example', zone)).toEqual(
      listed('a.b.wild.example', zone, ['127.0.1.2'], ['Domain wild.example is listed']),
    );
    // An exact entry does not cover its subdomains, and `*.` does not cover its apex.
    expect(resultFor(results, 'www.spam.example', zone)).toEqual(clean('www.spam.example', zone));
    expect(resultFor(results, 'wild.example', zone)).toEqual(clean('wild.example', zone));
    expect(resultFor(results, 'clean.example', zone)).toEqual(clean('clean.example', zone));
  });

  it('a zone that lists everything is wildcard: every positive becomes unknown, and no TXT is asked', async () => {
    const zone = EVERYTHING.zone;
    const { health, results, queries } = await run(dns(), [zone], ['192.0.2.1', '198.51.100.1', '10.0.0.1']);
    const why = 'must-not-list point 127.0.0.1 answered 127.0.0.2: the zone lists everything';
    expect(health.get(zone.zone)).toEqual({ zone: zone.zone, health: 'wildcard', detail: why });
    expect(results).toHaveLength(3);
    for (const target of ['192.0.2.1', '198.51.100.1', '10.0.0.1']) {
      expect(resultFor(results, target, zone)).toEqual({
        ...base(target, zone),
        status: 'unknown',
        reason: 'zone-unhealthy',
        detail: `zone lists everything in this run (${why}); this answer is not a listing`,
        codes: ['127.0.0.2'],
        meanings: ['listed'],
        classes: ['listed'],
        txt: [],
        zoneHealth: 'wildcard',
      });
    }
    expect(queries).toBe(3);
  });

  it('a zone rbldnsd does not serve is refused: lookups are unknown and never sent', async () => {
    const { health, results, queries } = await run(dns(), [UNSERVED], ['192.0.2.5', '192.0.2.6']);
    const address = rbldnsd().address.replaceAll('.', '\\.');
    const refusedDetail = new RegExp(`^test point 127\\.0\\.0\\.[12]: REFUSED by ${address}$`);
    expect(health.get(UNSERVED.zone)).toEqual({
      zone: UNSERVED.zone,
      health: 'refused',
      detail: expect.stringMatching(refusedDetail),
    });
    for (const target of ['192.0.2.5', '192.0.2.6']) {
      expect(resultFor(results, target, UNSERVED)).toEqual({
        ...base(target, UNSERVED),
        status: 'unknown',
        reason: 'zone-unhealthy',
        detail: `zone refused: ${health.get(UNSERVED.zone)?.detail}`,
        codes: [],
        meanings: [],
        classes: [],
        txt: [],
        zoneHealth: 'refused',
        ms: 0,
      });
    }
    expect(queries).toBe(0);
  });

  it('a zone without 127.0.0.2 is no-test-point: listings are kept and flagged, clean answers become unknown', async () => {
    const zone = NO_TEST_POINT.zone;
    const { health, results } = await run(dns(), [zone], ['192.0.2.50', '192.0.2.51']);
    const detail = 'must-list test point 127.0.0.2 is not listed (NXDOMAIN)';
    expect(health.get(zone.zone)).toEqual({ zone: zone.zone, health: 'no-test-point', detail });
    // No default line: rbldnsd answers 127.0.0.2 without a TXT record.
    expect(resultFor(results, '192.0.2.50', zone)).toEqual({
      ...listed('192.0.2.50', zone, ['127.0.0.2'], []),
      zoneHealth: 'no-test-point',
    });
    // A list that does not list its test point may simply not be answering: it cannot vouch for "clean".
    expect(resultFor(results, '192.0.2.51', zone)).toEqual({
      ...clean('192.0.2.51', zone),
      status: 'unknown',
      reason: 'zone-unhealthy',
      detail: `${detail}: this list cannot vouch for a clean answer in this run`,
      zoneHealth: 'no-test-point',
    });
  });

  it('sees changes: a second run reflects exactly what update() listed and unlisted', async () => {
    const zone = CHANGES.zone;
    const targets = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];
    const statuses = (results: readonly CheckResult[]) =>
      Object.fromEntries(targets.map((target) => [target, resultFor(results, target, zone).status]));

    const first = await run(dns(), [zone], targets);
    expect(statuses(first.results)).toEqual({
      '192.0.2.10': 'listed',
      '192.0.2.11': 'clean',
      '192.0.2.12': 'listed',
    });

    await rbldnsd().update(zone.queryHost, ['127.0.0.2', '192.0.2.11', '192.0.2.12'].join('\n'));
    const second = await run(dns(), [zone], targets);
    expect(second.health.get(zone.zone)?.health).toBe('ok');
    expect(statuses(second.results)).toEqual({
      '192.0.2.10': 'clean',
      '192.0.2.11': 'listed',
      '192.0.2.12': 'listed',
    });
  });

  it('packet drops under load end as timeout unknowns, never as clean or listed', async () => {
    const zones = [DROP_A.zone, DROP_B.zone];
    // Probe with the patient resolver: this test is about lookups, and a dropped probe would skip the zone.
    const health = await probeZones(zones, dns());
    expect([...health.zones.values()].map((report) => report.health)).toEqual(['ok', 'ok']);

    // Far more questions in flight than rbldnsd's socket buffer holds, with little time to wait for each.
    const resolver = resolverFor(rbldnsd(), { timeoutMs: 200, retries: 2 });
    const results: CheckResult[] = [];
    const started = performance.now();
    for await (const result of runChecks(targetsOf([DROP_RANGE]), {
      resolver,
      zones,
      health,
      concurrency: 1_500,
    })) {
      results.push(result);
    }
    const elapsed = Math.round(performance.now() - started);

    expect(results).toHaveLength(DROP_SIZE * zones.length);
    expect(new Set(results.map((result) => `${result.target}@${result.zone}`)).size).toBe(results.length);
    const counts = { listed: 0, clean: 0, unknown: 0, listedWithoutTxt: 0 };
    const wrong: string[] = [];
    for (const result of results) {
      const index = (parseIpv4Index(result.target) - DROP_BASE) >>> 0;
      const expected = isDropListed(result.zone as keyof typeof dropOffsets, index) ? 'listed' : 'clean';
      counts[result.status]++;
      if (result.status === 'unknown') {
        if (result.reason !== 'timeout') wrong.push(`${result.target}@${result.zone}: ${result.reason}`);
        continue;
      }
      if (result.status !== expected) wrong.push(`${result.target}@${result.zone}: ${result.status}`);
      if (result.status === 'listed') {
        expect(result.codes).toEqual(['127.0.0.2']);
        // A lost TXT reply does not undo the listing; it only leaves the reason empty.
        if (result.txt.length === 0) counts.listedWithoutTxt++;
        else expect(result.txt).toEqual([`Listed ${result.target}`]);
      }
    }
    expect(wrong).toEqual([]);

    const stats = resolver.stats;
    // Every lookup asked A once, and TXT once more when listed; each attempt that timed out was either retried
    // or was the last one of a question that ended as a timeout (an unknown row, or a listing without TXT).
    expect(stats.queries).toBe(results.length + counts.listed);
    expect(stats.retries).toBeGreaterThanOrEqual(0);
    expect(stats.timeouts).toBe(stats.retries + counts.unknown + counts.listedWithoutTxt);
    expect(stats.packetsSent).toBe(stats.queries + stats.retries);
    console.info(
      `packet-drop run: ${results.length} lookups in ${elapsed} ms; ${stats.timeouts} timed-out attempts, ` +
        `${stats.retries} retries, ${counts.unknown} unknown (timeout), ${counts.listedWithoutTxt} listed ` +
        `without TXT; ${counts.listed} listed, ${counts.clean} clean`,
    );
  });

  it('a stopped server makes its zones unreachable and the resolver down: every lookup unknown', async () => {
    const zone = makeZone({ zone: 'stopped.rbl.test' });
    const own = await startRbldnsd([
      { name: zone.queryHost, type: 'ip4set', data: '127.0.0.2\n192.0.2.5\n' },
    ]);
    servers.push(own);
    const resolver = resolverFor(own, { timeoutMs: 100, retries: 1 });
    expect((await probeZones([zone], resolver)).zones.get(zone.zone)?.health).toBe('ok');

    await own.stop();
    const probe = await probeZones([zone], resolver, { servers: [own.address] });
    expect(probe.zones.get(zone.zone)).toEqual({
      zone: zone.zone,
      health: 'unreachable',
      detail: expect.stringMatching(/^test point 127\.0\.0\.[12]: no reply after 2 attempts$/),
    });
    // The server was the resolver: it answers nothing, the canary included, so the resolver is down.
    const detail = `no answer from ${own.address} (2 attempts): the resolver is not running or not reachable`;
    expect(probe.resolver).toEqual({ status: 'down', detail });
    const { results, queries } = await run(resolver, [zone], ['192.0.2.5']);
    expect(resultFor(results, '192.0.2.5', zone)).toMatchObject({
      status: 'unknown',
      reason: 'resolver-down',
      zoneHealth: 'unreachable',
    });
    expect(queries).toBe(0);
  });
});

/** 32-bit value of a dotted quad the engine reported (always canonical, so a plain split is enough). */
function parseIpv4Index(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}
