/**
 * `rblwatch check` and `rblwatch zones` when DNS cannot be trusted: a resolver that is not there, and a zone that
 * answers "listed" for everything. Neither may produce a listing, a hang or a crash; both end with exit 2.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliHandler, wildcardZonesFile, zonesFile } from '../../fixtures/cli/dns-data.ts';
import { type FakeDnsServer, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { runCli } from '../../helpers/run-cli.ts';

let server: FakeDnsServer;

beforeAll(async () => {
  server = await startFakeDnsServer(cliHandler());
});
beforeEach(() => {
  server.questions.length = 0;
});
afterAll(async () => {
  await server.close();
});

/** A loopback UDP port nobody listens on: bound to get a free number, then closed. */
async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

interface Report {
  readonly results: { status: string; reason: string | null; zoneHealth: string }[];
  readonly zones: { zone: string; health: string; detail: string }[];
  readonly summary: Record<string, unknown>;
}

describe('a dead resolver', () => {
  it('ends in seconds with exit 2 and every result unknown, for scripts and for people', async () => {
    const dead = `127.0.0.1:${await closedUdpPort()}`;
    const args = [
      'check',
      '192.0.2.1',
      'example.com',
      '--resolver',
      dead,
      '--timeout',
      '300',
      '--retries',
      '1',
    ];
    const [json, people] = await Promise.all([
      runCli([...args, '--zones', zonesFile, '--json'], { timeoutMs: 15_000 }),
      runCli([...args, '--zones', zonesFile], { timeoutMs: 15_000 }),
    ]);
    for (const run of [json, people]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
      // Start-up is about a second; the probes cost 2 x 300 ms. A run that waited out every lookup, or hung on
      // a socket error, would not end this soon (run-cli kills it at 15 s and `code` is then null).
      expect(run.ms).toBeLessThan(8_000);
    }

    const report = JSON.parse(json.stdout) as Report;
    const detail = `no answer from ${dead} (2 attempts): the resolver is not running or not reachable`;
    expect(report.results).toHaveLength(3);
    for (const result of report.results) {
      expect(result).toMatchObject({
        status: 'unknown',
        reason: 'resolver-down',
        detail,
        zoneHealth: 'unreachable',
      });
    }
    expect(report.zones.map((z) => [z.zone, z.health])).toEqual([
      ['bl.cli.test', 'unreachable'],
      ['wide.cli.test', 'unreachable'],
      ['dbl.cli.test', 'unreachable'],
    ]);
    expect(report.zones[0]?.detail).toBe('test point 127.0.0.1: no reply after 2 attempts');
    // The resolver is to blame, not the lists.
    expect(report.summary).toMatchObject({
      listed: 0,
      clean: 0,
      unknown: 3,
      unhealthyZones: 0,
      resolver: { status: 'down', detail },
    });

    expect(people.stdout).toContain(
      `Resolver down: ${detail}. Nothing was looked up; every result is unknown.\n`,
    );
    expect(people.stdout).toMatch(/^0 listings on 0 targets, 3 unknown \(resolver-down 3\), 0 clean: /m);
  });
});

describe('a wildcard zone (answers 127.0.0.2 for everything, 127.0.0.1 included)', () => {
  it('never yields a listing: check exits 2 with the result unknown (zone-unhealthy)', async () => {
    const run = await runCli([
      'check',
      '192.0.2.1',
      '--json',
      '--resolver',
      server.address,
      '--zones',
      wildcardZonesFile,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.results).toEqual([
      expect.objectContaining({
        target: '192.0.2.1',
        zone: 'wild.cli.test',
        status: 'unknown',
        reason: 'zone-unhealthy',
        zoneHealth: 'wildcard',
      }),
    ]);
    expect(report.zones).toEqual([
      {
        zone: 'wild.cli.test',
        health: 'wildcard',
        detail: 'must-not-list point 127.0.0.1 answered 127.0.0.2: the zone lists everything',
      },
    ]);
    expect(report.summary).toMatchObject({ listed: 0, unknown: 1, unhealthyZones: 1 });
  });

  it('zones --test --json reports it as wildcard and exits 2', async () => {
    const run = await runCli([
      'zones',
      '--test',
      '--json',
      '--resolver',
      server.address,
      '--zones',
      wildcardZonesFile,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      zones: [
        expect.objectContaining({
          zone: 'wild.cli.test',
          health: 'wildcard',
          detail: 'must-not-list point 127.0.0.1 answered 127.0.0.2: the zone lists everything',
        }),
      ],
      // One wildcard list behind a resolver that answers: the list's problem.
      resolver: { status: 'ok', detail: '' },
    });
  });
});

describe('rblwatch zones', () => {
  it('--json lists the zones of the file without asking DNS; --test probes them and exits 0 when healthy', async () => {
    const [list, tested] = await Promise.all([
      runCli(['zones', '--json', '--resolver', server.address, '--zones', zonesFile]),
      runCli(['zones', '--test', '--resolver', server.address, '--zones', zonesFile]),
    ]);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const { zones } = JSON.parse(list.stdout) as { zones: Record<string, unknown>[] };
    expect(zones.map((z) => [z.zone, z.name, z.kind, z.severity])).toEqual([
      ['bl.cli.test', 'CLI blocklist', 'ip4', 'critical'],
      ['wide.cli.test', 'CLI wide list', 'ip', 'minor'],
      ['v6.cli.test', 'CLI IPv6 list', 'ip6', 'major'],
      ['dbl.cli.test', 'CLI domain list', 'domain', 'major'],
    ]);
    expect(zones[0]).toEqual({
      zone: 'bl.cli.test',
      name: 'CLI blocklist',
      operator: null,
      kind: 'ip4',
      severity: 'critical',
      scope: 'ip',
      delist: 'https://bl.cli.test/lookup?ip={target}',
      needsKey: false,
      needsRegistration: false,
      testPoints: true,
      codes: {
        '127.0.0.2': { class: 'listed', meaning: 'spam source' },
        '127.0.0.4': { class: 'listed', meaning: 'exploited host' },
      },
      notes: null,
    });
    // Without --test there is no health, and the test points were asked only by the other run.
    for (const zone of zones) expect(zone).not.toHaveProperty('health');

    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toBe(
      [
        'ok            bl.cli.test    ip4    critical CLI blocklist',
        'ok            wide.cli.test  ip     minor    CLI wide list',
        'ok            v6.cli.test    ip6    major    CLI IPv6 list',
        'ok            dbl.cli.test   domain major    CLI domain list',
        '',
      ].join('\n'),
    );
    // Two test points per zone, from the --test run alone (distinct, in case a datagram was retried), and the
    // resolver canary.
    const asked = new Set(server.questions.map((q) => `${q.name} ${q.type}`));
    expect([...asked].filter((q) => q.endsWith('.invalid A'))).toHaveLength(1);
    expect(asked.size).toBe(9);
  });
});
