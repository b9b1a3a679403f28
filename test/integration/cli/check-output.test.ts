/**
 * What `rblwatch check` prints, run as a child process against a fake DNS server on loopback: the --json document
 * scripts parse, the report people read, targets from stdin, and --resolve.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliHandler, hostileMxHost, hostileTxt, nibbles, zonesFile } from '../../fixtures/cli/dns-data.ts';
import { type FakeDnsServer, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { runCli } from '../../helpers/run-cli.ts';

let server: FakeDnsServer;
let engine: string[];

beforeAll(async () => {
  server = await startFakeDnsServer(cliHandler());
  engine = ['--resolver', server.address, '--zones', zonesFile];
});
beforeEach(() => {
  server.questions.length = 0;
});
afterAll(async () => {
  await server.close();
});

const severityOf: Record<string, string> = {
  'bl.cli.test': 'critical',
  'wide.cli.test': 'minor',
  'v6.cli.test': 'major',
  'dbl.cli.test': 'major',
};

/** One element of `results` in the --json document, every key present; clean unless `fields` say otherwise. */
function row(target: string, zone: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target,
    zone,
    status: 'clean',
    codes: [],
    meanings: [],
    txt: [],
    reason: null,
    detail: null,
    delist: null,
    severity: severityOf[zone],
    via: null,
    zoneHealth: 'ok',
    ms: expect.any(Number),
    ...fields,
  };
}

const healthyZones = [
  { zone: 'bl.cli.test', health: 'ok', detail: 'lists 127.0.0.2, does not list 127.0.0.1' },
  { zone: 'wide.cli.test', health: 'ok', detail: 'lists 127.0.0.2, does not list 127.0.0.1' },
  { zone: 'v6.cli.test', health: 'ok', detail: 'lists ::ffff:7f00:2, does not list ::ffff:7f00:1' },
  { zone: 'dbl.cli.test', health: 'ok', detail: 'lists test, does not list invalid' },
];

/** Replace what changes from run to run (the duration and the fake server's port) with fixed text. */
function normalize(text: string): string {
  return text.replaceAll(server.address, 'RESOLVER').replace(/ in \d+\.\d s via /, ' in N s via ');
}

describe('rblwatch check --json', () => {
  it('prints every result with exact values, sorted by input order then zone order', async () => {
    const run = await runCli([
      'check',
      '192.0.2.10',
      '198.51.100.0/30',
      '2001:db8::1',
      '192.0.2.20',
      'spam.example',
      '--json',
      ...engine,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report: unknown = JSON.parse(run.stdout);
    expect(report).toEqual({
      results: [
        // Its A answer comes 150 ms late, so it finishes last yet sorts first.
        row('192.0.2.10', 'bl.cli.test', {
          status: 'listed',
          codes: ['127.0.0.2', '127.0.0.4'],
          meanings: ['spam source', 'exploited host'],
          txt: ['Listed since 2026-01-01, see https://bl.cli.test/'],
          delist: 'https://bl.cli.test/lookup?ip=192.0.2.10',
        }),
        row('192.0.2.10', 'wide.cli.test'),
        row('198.51.100.0', 'bl.cli.test'),
        row('198.51.100.0', 'wide.cli.test'),
        row('198.51.100.1', 'bl.cli.test'),
        row('198.51.100.1', 'wide.cli.test'),
        row('198.51.100.2', 'bl.cli.test'),
        row('198.51.100.2', 'wide.cli.test', {
          status: 'listed',
          codes: ['127.0.0.3'],
          meanings: ['listed'],
        }),
        row('198.51.100.3', 'bl.cli.test'),
        row('198.51.100.3', 'wide.cli.test'),
        // wide.cli.test comes before v6.cli.test in the zone file, so before it here.
        row('2001:db8::1', 'wide.cli.test'),
        row('2001:db8::1', 'v6.cli.test', {
          status: 'listed',
          codes: ['127.0.0.2'],
          meanings: ['listed'],
          txt: ['IPv6 source'],
        }),
        row('192.0.2.20', 'bl.cli.test'),
        row('192.0.2.20', 'wide.cli.test'),
        row('spam.example', 'dbl.cli.test', {
          status: 'listed',
          codes: ['127.0.1.2'],
          meanings: ['listed'],
          txt: ['spam domain'],
        }),
      ],
      zones: healthyZones,
      summary: {
        targets: 8,
        zones: 4,
        lookups: 15,
        listed: 4,
        clean: 11,
        unknown: 0,
        listedTargets: 4,
        unknownByReason: {},
        unhealthyZones: 0,
        durationMs: expect.any(Number),
        resolvers: [server.address],
        resolver: { status: 'ok', detail: '' },
      },
      warnings: [],
    });

    // Distinct questions, so a datagram retried under load does not count twice.
    const asked = [...new Set(server.questions.map((q) => `${q.name} ${q.type}`))];
    // The IPv6 target is asked in reverse-nibble form, on the ip6 zone and on the `ip` zone.
    expect(asked).toContain(`${nibbles.listedV6}.v6.cli.test A`);
    expect(asked).toContain(`${nibbles.listedV6}.wide.cli.test A`);
    expect(asked).toContain('spam.example.dbl.cli.test A');
    // TXT is asked only for listings.
    expect(asked.filter((q) => q.endsWith(' TXT')).sort()).toEqual(
      [
        '10.2.0.192.bl.cli.test TXT',
        '2.100.51.198.wide.cli.test TXT',
        `${nibbles.listedV6}.v6.cli.test TXT`,
        'spam.example.dbl.cli.test TXT',
      ].sort(),
    );
  });
});

describe('rblwatch check for people', () => {
  it('prints listed rows first, TXT and delist lines, the clean line and the summary, without control characters', async () => {
    const run = await runCli(['check', '192.0.2.10', '192.0.2.30', '192.0.2.66', '192.0.2.20', ...engine]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    // 192.0.2.30: bl.cli.test comes first in the catalog, but its SERVFAIL row goes below the listing.
    // 192.0.2.66: the TXT's ESC and BEL characters are printed as spaces.
    expect(normalize(run.stdout)).toBe(
      [
        '192.0.2.10',
        '  LISTED   bl.cli.test  127.0.0.2 spam source; 127.0.0.4 exploited host',
        '                       "Listed since 2026-01-01, see https://bl.cli.test/"',
        '                       delist: https://bl.cli.test/lookup?ip=192.0.2.10',
        '  clean on 1 other list',
        '',
        '192.0.2.30',
        '  LISTED   wide.cli.test  127.0.0.2 listed',
        '  UNKNOWN  bl.cli.test    servfail: SERVFAIL from RESOLVER',
        '',
        '192.0.2.66',
        '  LISTED   bl.cli.test  127.0.0.2 spam source',
        '                       "Listed [2J ]0;owned  here"',
        '                       delist: https://bl.cli.test/lookup?ip=192.0.2.66',
        '  clean on 1 other list',
        '',
        'clean on every list checked: 192.0.2.20',
        '',
        '3 listings on 3 targets, 1 unknown (servfail 1), 4 clean: 4 targets x 2 zones, 8 lookups in N s via RESOLVER',
        '',
      ].join('\n'),
    );
    expect(hostileTxt).toContain('\u001b');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('does colour a terminal report when NO_COLOR is unset and FORCE_COLOR is set', async () => {
    // The counterpart of the test above: proves the absence of escapes there is NO_COLOR's doing.
    const run = await runCli(['check', '192.0.2.10', ...engine], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('\u001b[');
  });
});

describe('rblwatch check -', () => {
  it('reads targets from stdin, skipping blank lines and comments, after the arguments before it', async () => {
    const stdin = [
      '# targets from the inventory',
      '',
      '   ',
      '192.0.2.10   # the mail relay',
      '#192.0.2.66',
      '  spam.example',
      '2001:db8::1\t# trailing comment after a tab',
      '',
    ].join('\n');
    const run = await runCli(['check', '192.0.2.20', '-', '--json', ...engine], { stdin });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { results: { target: string }[]; summary: { targets: number } };
    expect([...new Set(report.results.map((r) => r.target))]).toEqual([
      '192.0.2.20',
      '192.0.2.10',
      'spam.example',
      '2001:db8::1',
    ]);
    expect(report.summary.targets).toBe(4);
    // The commented-out 192.0.2.66 was never asked about.
    expect(server.questions.some((q) => q.name.startsWith('66.2.0.192.'))).toBe(false);
  });

  it('exits 64 when stdin holds no target at all', async () => {
    const run = await runCli(['check', '-', ...engine], { stdin: '# nothing here\n\n' });
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('no targets');
    expect(server.questions).toEqual([]);
  });
});

describe('rblwatch check --resolve', () => {
  it("checks a domain's A, AAAA and MX hosts' addresses on the IP zones, naming the record each came from", async () => {
    const [json, people] = await Promise.all([
      runCli(['check', 'example.com', '--resolve', '--json', ...engine]),
      runCli(['check', 'example.com', 'evil.example', '--resolve', ...engine]),
    ]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(report.results).toEqual([
      row('example.com', 'dbl.cli.test'),
      row('192.0.2.50', 'bl.cli.test', { via: 'example.com A' }),
      row('192.0.2.50', 'wide.cli.test', { via: 'example.com A' }),
      row('2001:db8::50', 'wide.cli.test', { via: 'example.com AAAA' }),
      row('2001:db8::50', 'v6.cli.test', { via: 'example.com AAAA' }),
      row('192.0.2.51', 'bl.cli.test', {
        via: 'example.com MX mx1.example.com A',
        status: 'listed',
        codes: ['127.0.0.4'],
        meanings: ['exploited host'],
        delist: 'https://bl.cli.test/lookup?ip=192.0.2.51',
      }),
      row('192.0.2.51', 'wide.cli.test', { via: 'example.com MX mx1.example.com A' }),
    ]);
    expect(report.summary).toMatchObject({ targets: 4, zones: 4, lookups: 7, listed: 1 });

    // For people the listed address is headed by where it came from. The MX host name comes from DNS and
    // carries an escape sequence: neither the header nor the warning about its failed AAAA lookup may pass it on.
    expect(people.code).toBe(1);
    expect(people.stdout).toContain(
      '192.0.2.51  (example.com MX mx1.example.com A)\n  LISTED   bl.cli.test  127.0.0.4 exploited host\n',
    );
    expect(people.stdout).toContain('192.0.2.52  (evil.example MX mx [31m.evil.example A)\n');
    expect(people.stderr).toBe(
      'warning: --resolve evil.example: mx [31m.evil.example AAAA: SERVFAIL; addresses behind it may be missing\n',
    );
    expect(hostileMxHost).toContain('\u001b');
    expect(`${people.stdout}${people.stderr}`).not.toContain('\u001b');
  });
});
