/**
 * `rblwatch check` run as a child process when the answers cannot vouch for "clean": a resolver that answers
 * NXDOMAIN or REFUSED for everything, or nothing at all; a list without its test point or without any answer
 * behind a healthy resolver; a domain whose addresses cannot be found; Ctrl-C while the lists are probed. Each
 * case must end with the cause named once and never with "clean".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliHandler, sickZonesFile, zonesFile } from '../../fixtures/cli/dns-data.ts';
import { type FakeDnsServer, type FakeHandler, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { type CliRun, runCli } from '../../helpers/run-cli.ts';

interface Report {
  readonly results: {
    target: string;
    zone: string;
    status: string;
    reason: string | null;
    detail: string | null;
    zoneHealth: string;
  }[];
  readonly zones: { zone: string; health: string; detail: string }[];
  readonly summary: Record<string, unknown> & { resolver: { status: string; detail: string } };
}

/** Fake resolvers, one per behaviour, each on its own port. */
const behaviours: Record<string, FakeHandler> = {
  nxdomain: () => ({ rcode: 'NXDOMAIN' }),
  refused: () => ({ rcode: 'REFUSED' }),
  silent: () => ({ drop: true }),
};
const servers: Record<string, FakeDnsServer> = {};
let healthy: FakeDnsServer;

beforeAll(async () => {
  for (const [name, handler] of Object.entries(behaviours)) servers[name] = await startFakeDnsServer(handler);
  healthy = await startFakeDnsServer(cliHandler());
});
beforeEach(() => {
  for (const server of [...Object.values(servers), healthy]) server.questions.length = 0;
});
afterAll(async () => {
  await Promise.all([...Object.values(servers), healthy].map((server) => server.close()));
});

/** The same command for scripts (`--json`) and for people, side by side. */
function runBoth(args: string[]): Promise<[CliRun, CliRun]> {
  return Promise.all([runCli([...args, '--json']), runCli(args)]);
}

function serverFor(name: string): FakeDnsServer {
  const server = servers[name];
  if (!server) throw new Error(`no fake resolver ${name}`);
  return server;
}

/** Questions about the targets themselves (127.0.0.2's name is also the test point, so it is left out). */
function lookupQuestions(server: FakeDnsServer): string[] {
  return server.questions
    .map((q) => q.name)
    .filter((name) => /^(1\.2\.0\.192|7\.113\.0\.203|example\.com)\./.test(name));
}

describe('a resolver that cannot be used: every result unknown, the resolver named once, exit 2', () => {
  it('NXDOMAIN for everything: the RFC 5782 test address itself is not reported clean (built-in catalog)', async () => {
    const server = serverFor('nxdomain');
    // The built-in catalog, as a user types it; every question goes to the fake resolver on loopback only.
    const args = ['check', '127.0.0.2', '203.0.113.7', 'example.com', '--resolver', server.address];
    const [json, people] = await runBoth(args);
    const detail =
      `the resolver ${server.address} answers NXDOMAIN for every list's test point: it is not resolving DNSBL ` +
      'zones; use a local recursive resolver, see README';
    for (const run of [json, people]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
    }
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary.resolver).toEqual({ status: 'unusable', detail });
    expect(report.results.length).toBeGreaterThan(10);
    for (const result of report.results) {
      expect(result).toMatchObject({ status: 'unknown', reason: 'resolver-unusable', detail });
    }
    expect(report.summary).toMatchObject({ listed: 0, clean: 0, unhealthyZones: 0 });
    expect(lookupQuestions(server)).toEqual([]);

    const lines = people.stdout.split('\n');
    expect(lines[0]).toBe(`Resolver unusable: ${detail}. Nothing was looked up; every result is unknown.`);
    expect(people.stdout).not.toMatch(/clean on/);
    // No per-zone noise: the cause is said once.
    expect(people.stdout).not.toContain('Zones not fully trusted');
    expect(people.stdout).not.toContain('no-test-point');
    expect(people.stdout).toContain(
      'not checked (see the resolver above): 127.0.0.2, 203.0.113.7, example.com\n',
    );
    expect(people.stdout).toMatch(
      /^0 listings on 0 targets, \d+ unknown \(resolver-unusable \d+\), 0 clean: /m,
    );
  });

  it('REFUSED for everything', async () => {
    const server = serverFor('refused');
    const args = ['check', '192.0.2.1', 'example.com', '--resolver', server.address, '--zones', zonesFile];
    const [json, people] = await runBoth(args);
    const detail = `the resolver ${server.address} refuses every query (REFUSED): it does not serve this host; use a local recursive resolver, see README`;
    for (const run of [json, people]) expect(run.code).toBe(2);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary.resolver).toEqual({ status: 'unusable', detail });
    expect(report.results.map((r) => [r.target, r.zone, r.status, r.reason])).toEqual([
      ['192.0.2.1', 'bl.cli.test', 'unknown', 'resolver-unusable'],
      ['192.0.2.1', 'wide.cli.test', 'unknown', 'resolver-unusable'],
      ['example.com', 'dbl.cli.test', 'unknown', 'resolver-unusable'],
    ]);
    expect(people.stdout.split('\n')[0]).toBe(
      `Resolver unusable: ${detail}. Nothing was looked up; every result is unknown.`,
    );
    expect(people.stdout).not.toContain('refused ');
  });

  it('no answer at all: the resolver is down, said once, after one probe timeout', async () => {
    const server = serverFor('silent');
    const args = [
      'check',
      '192.0.2.1',
      'example.com',
      '--resolver',
      server.address,
      '--zones',
      zonesFile,
      '--timeout',
      '200',
      '--retries',
      '1',
    ];
    const [json, people] = await runBoth(args);
    const detail = `no answer from ${server.address} (2 attempts): the resolver is not running or not reachable`;
    for (const run of [json, people]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
    }
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary.resolver).toEqual({ status: 'down', detail });
    expect(report.results).toHaveLength(3);
    for (const result of report.results) {
      expect(result).toMatchObject({ status: 'unknown', reason: 'resolver-down', detail });
    }
    expect(people.stdout.split('\n')[0]).toBe(
      `Resolver down: ${detail}. Nothing was looked up; every result is unknown.`,
    );
    expect(people.stdout).not.toContain('unreachable');
    expect(people.stdout).toMatch(/^0 listings on 0 targets, 3 unknown \(resolver-down 3\), 0 clean: /m);
  });

  it('streamed --json (over 20,000 lookups) carries the resolver verdict in its summary too', async () => {
    const server = serverFor('refused');
    const run = await runCli([
      'check',
      '10.0.0.0/16',
      '--max-cidr',
      '16',
      '--json',
      '--resolver',
      server.address,
      '--zones',
      zonesFile,
    ]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.results).toHaveLength(65_536 * 2);
    expect(report.summary.resolver.status).toBe('unusable');
    expect(report.summary).toMatchObject({
      unknown: 65_536 * 2,
      unknownByReason: { 'resolver-unusable': 131_072 },
    });
  });

  it('zones --test shows the resolver verdict and exits 2', async () => {
    const server = serverFor('nxdomain');
    const args = ['zones', '--test', '--resolver', server.address, '--zones', zonesFile];
    const [json, people] = await runBoth(args);
    for (const run of [json, people]) expect(run.code).toBe(2);
    const listing = JSON.parse(json.stdout) as { resolver: { status: string; detail: string } };
    expect(listing.resolver.status).toBe('unusable');
    expect(people.stdout.split('\n')[0]).toBe(`Resolver unusable: ${listing.resolver.detail}.`);
  });
});

describe('lists that cannot vouch for clean behind a healthy resolver', () => {
  const engine = (): string[] => ['--resolver', healthy.address, '--zones', sickZonesFile];

  it('a list without its must-list test point: its clean answers are unknown, its listings kept and flagged', async () => {
    const args = [
      'check',
      '192.0.2.10',
      '192.0.2.20',
      '-z',
      'bl.cli.test',
      '-z',
      'wide.cli.test',
      '-z',
      'empty.cli.test',
      ...engine(),
    ];
    const [json, people] = await runBoth(args);
    for (const run of [json, people]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
    }
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary.resolver).toEqual({ status: 'ok', detail: '' });
    const zoneDetail = 'must-list test point 127.0.0.2 is not listed (NXDOMAIN)';
    expect(report.zones).toContainEqual({
      zone: 'empty.cli.test',
      health: 'no-test-point',
      detail: zoneDetail,
    });
    expect(report.results.map((r) => [r.target, r.zone, r.status, r.reason, r.zoneHealth])).toEqual([
      ['192.0.2.10', 'bl.cli.test', 'listed', null, 'ok'],
      ['192.0.2.10', 'wide.cli.test', 'clean', null, 'ok'],
      ['192.0.2.10', 'empty.cli.test', 'listed', null, 'no-test-point'],
      ['192.0.2.20', 'bl.cli.test', 'clean', null, 'ok'],
      ['192.0.2.20', 'wide.cli.test', 'clean', null, 'ok'],
      ['192.0.2.20', 'empty.cli.test', 'unknown', 'zone-unhealthy', 'no-test-point'],
    ]);
    expect(report.results[5]?.detail).toBe(
      `${zoneDetail}: this list cannot vouch for a clean answer in this run`,
    );
    expect(report.summary).toMatchObject({ listed: 2, clean: 3, unknown: 1, unhealthyZones: 1 });

    expect(people.stdout).toContain(
      `  no-test-point empty.cli.test  ${zoneDetail} (clean answers unknown, listings kept)\n`,
    );
    expect(people.stdout).toContain('  LISTED   empty.cli.test  127.0.0.2 listed [zone no-test-point]\n');
    expect(people.stdout).toContain(
      'clean on every trusted list, unknown on the others (see the zones above): 192.0.2.20\n',
    );
    expect(people.stdout).not.toContain('clean on every list checked');
  });

  it("one list that never answers: described as that list's problem, not the resolver's", async () => {
    const args = [
      'check',
      '192.0.2.1',
      '-z',
      'hole.cli.test',
      '--timeout',
      '200',
      '--retries',
      '1',
      ...engine(),
    ];
    const [json, people] = await runBoth(args);
    for (const run of [json, people]) expect(run.code).toBe(2);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.summary.resolver).toEqual({ status: 'ok', detail: '' });
    expect(report.zones).toEqual([
      {
        zone: 'hole.cli.test',
        health: 'unreachable',
        detail: expect.stringMatching(/^test point 127\.0\.0\.[12]: no reply after 2 attempts$/),
      },
    ]);
    expect(report.results).toEqual([
      expect.objectContaining({ status: 'unknown', reason: 'zone-unhealthy', zoneHealth: 'unreachable' }),
    ]);
    expect(people.stdout).not.toMatch(/resolver running|Resolver/);
    expect(people.stdout).toMatch(
      /^ {2}unreachable {3}hole\.cli\.test {2}test point .*\(not queried, results unknown\)$/m,
    );
    expect(people.stdout).toContain('not checked on any trusted list (see the zones above): 192.0.2.1\n');
  });
});

describe('check --resolve when the addresses behind a domain cannot be found', () => {
  it('adds an unknown row for the domain and exits 2 instead of calling it clean', async () => {
    const args = [
      'check',
      'broken.example',
      '--resolve',
      '--resolver',
      healthy.address,
      '--zones',
      zonesFile,
    ];
    const [json, people] = await runBoth(args);
    for (const run of [json, people]) expect(run.code).toBe(2);
    const report = JSON.parse(json.stdout) as Report;
    const detail =
      'could not find every address behind broken.example (broken.example A: SERVFAIL; broken.example AAAA: ' +
      'SERVFAIL; broken.example MX: SERVFAIL): the IP lists did not check them';
    expect(report.results.map((r) => [r.target, r.zone, r.status, r.reason, r.detail])).toEqual([
      ['broken.example', 'dbl.cli.test', 'clean', null, null],
      ['broken.example', '--resolve', 'unknown', 'servfail', detail],
    ]);
    expect(report.summary).toMatchObject({
      lookups: 2,
      clean: 1,
      unknown: 1,
      unknownByReason: { servfail: 1 },
    });
    expect(people.stdout).toContain(
      `broken.example\n  UNKNOWN  --resolve  servfail: ${detail}\n  clean on 1 other list\n`,
    );
    expect(people.stdout).not.toContain('clean on every list');
    expect(people.stderr).toContain('warning: --resolve broken.example: broken.example A: SERVFAIL;');
  });
});

describe('Ctrl-C while the lists are probed', () => {
  it('stops at once with exit 130, "interrupted" on stderr, and no summary', async () => {
    const server = serverFor('silent');
    const asked = new Promise<void>((resolve) =>
      server.setHandler(() => {
        resolve();
        return { drop: true };
      }),
    );
    const run = await runCli(
      ['check', '192.0.2.1', '--resolver', server.address, '--zones', zonesFile, '--timeout', '10000'],
      {
        onSpawn: (child) => {
          // SIGINT once the probes are on the wire, i.e. while the command waits for their answers.
          void asked.then(() => child.kill('SIGINT'));
        },
      },
    );
    server.setHandler(() => ({ drop: true }));
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('interrupted: nothing was checked\n');
    // Three attempts of 10 s each would have been waited out before.
    expect(run.ms).toBeLessThan(9_000);
  });
});
