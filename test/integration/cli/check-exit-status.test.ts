/**
 * `rblwatch check` run as a child process against a fake DNS server on loopback: the exit statuses scripts rely on
 * (0 clean, 1 listed, 2 unknown, 64 bad input or usage), and that bad input is refused before anything is queried.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { badZonesFile, cliHandler, zonesFile } from '../../fixtures/cli/dns-data.ts';
import { type FakeDnsServer, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { type CliRun, runCli } from '../../helpers/run-cli.ts';

let server: FakeDnsServer;
/** Every run names its resolver and catalog, so no built-in public zone and no system resolver is ever used. */
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

interface JsonResult {
  readonly target: string;
  readonly zone: string;
  readonly status: string;
  readonly reason: string | null;
  readonly detail: string | null;
}
interface JsonReport {
  readonly results: JsonResult[];
  readonly summary: Record<string, unknown>;
}

function parseReport(run: CliRun): JsonReport {
  return JSON.parse(run.stdout) as JsonReport;
}

describe('rblwatch check exit statuses', () => {
  it('exits 0 when every result is clean', async () => {
    const run = await runCli(['check', '192.0.2.20', '2001:db8::2', 'ham.example', ...engine]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clean on every list checked: 192.0.2.20, 2001:db8::2, ham.example\n');
    expect(run.stdout).toMatch(
      /^0 listings on 0 targets, 0 unknown, 5 clean: 3 targets x 4 zones, 5 lookups /m,
    );
  });

  it('exits 1 when at least one result is listed, even next to an unknown', async () => {
    // 192.0.2.30 is listed on wide.cli.test while bl.cli.test answers SERVFAIL for it.
    const run = await runCli(['check', '192.0.2.20', '192.0.2.30', '--json', ...engine]);
    expect(run.code).toBe(1);
    expect(parseReport(run).summary).toMatchObject({ listed: 1, unknown: 1, clean: 2 });
  });

  it('exits 2 when nothing is listed but one lookup is unknown (SERVFAIL)', async () => {
    const run = await runCli(['check', '192.0.2.20', '192.0.2.5', '--json', ...engine]);
    expect(run.code).toBe(2);
    const report = parseReport(run);
    expect(report.results.map((r) => [r.target, r.zone, r.status, r.reason])).toEqual([
      ['192.0.2.20', 'bl.cli.test', 'clean', null],
      ['192.0.2.20', 'wide.cli.test', 'clean', null],
      ['192.0.2.5', 'bl.cli.test', 'unknown', 'servfail'],
      ['192.0.2.5', 'wide.cli.test', 'clean', null],
    ]);
    expect(report.results[2]?.detail).toBe(`SERVFAIL from ${server.address}`);
    expect(report.summary).toMatchObject({
      listed: 0,
      unknown: 1,
      clean: 3,
      unknownByReason: { servfail: 1 },
    });
  });
});

describe('rblwatch check refuses bad input with 64 and queries nothing', () => {
  const badTargets: [input: string, message: string][] = [
    ['300.1.1.1', 'invalid target "300.1.1.1": octet 300 is larger than 255'],
    ['1.2.3.4.evil.com', 'invalid target "1.2.3.4.evil.com": starts with an IPv4 address'],
    ['', 'invalid target "": empty'],
    [
      `${'a'.repeat(64)}.example.com`,
      `invalid target "${'a'.repeat(64)}.example.com": label "${'a'.repeat(20)}..." is over 63 octets`,
    ],
    ['10.0.0.0/8', 'range "10.0.0.0/8" has 16,777,216 addresses'],
    [
      '10.0.0.0/20',
      'range "10.0.0.0/20" has 4,096 addresses, more than /24 allows: allow it with --max-cidr 20',
    ],
  ];

  it('refuses each bad target on its own, and all of them together, naming each input', async () => {
    // Spawned side by side: each run costs a tsx start-up, and none of them may ask the server anything.
    const [together, ...alone] = await Promise.all([
      runCli(['check', '192.0.2.20', ...badTargets.map(([input]) => input), ...engine]),
      ...badTargets.map(([input]) => runCli(['check', input, ...engine])),
    ]);
    alone.forEach((run, i) => {
      const [input, message] = badTargets[i] ?? ['', ''];
      expect({ input, code: run.code, stdout: run.stdout }).toEqual({ input, code: 64, stdout: '' });
      expect(run.stderr).toContain(`rblwatch: ${message}`);
    });
    // One run reports every problem, not just the first, so a list can be fixed in one pass.
    expect(together?.code).toBe(64);
    for (const [, message] of badTargets) expect(together?.stderr).toContain(message);
    expect(together?.stdout).toBe('');
    expect(server.questions).toEqual([]);
  });

  it('refuses an unknown option, and a malformed zones file naming the file, entry and field', async () => {
    const [unknownOption, badFileCheck, badFileZones] = await Promise.all([
      runCli(['check', '192.0.2.20', '--bogus', ...engine]),
      runCli(['check', '192.0.2.20', '--resolver', server.address, '--zones', badZonesFile]),
      runCli(['zones', '--test', '--resolver', server.address, '--zones', badZonesFile]),
    ]);
    expect(unknownOption.code).toBe(64);
    expect(unknownOption.stderr).toContain("unknown option '--bogus'");
    for (const run of [badFileCheck, badFileZones]) {
      expect(run.code).toBe(64);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `rblwatch: ${badZonesFile}: entry 2 (bad.cli.test): severity: must be one of critical, major, minor, info\n`,
      );
    }
    expect(server.questions).toEqual([]);
  });

  it('accepts a /20 once --max-cidr 20 allows it, and checks all 4,096 addresses', async () => {
    const run = await runCli([
      'check',
      '10.0.0.0/20',
      '--max-cidr',
      '20',
      '--zone',
      'bl.cli.test',
      ...engine,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('clean on every list checked: 10.0.0.0, 10.0.0.1,');
    expect(run.stdout).toContain('10.0.0.9 and 4086 more\n');
    expect(run.stdout).toMatch(/4,096 clean: 4,096 targets x 1 zone, 4,096 lookups in /);
    // Distinct names, so a datagram retried under load does not count twice.
    const asked = new Set(server.questions.map((q) => q.name));
    asked.delete('2.0.0.127.bl.cli.test');
    asked.delete('1.0.0.127.bl.cli.test');
    // The resolver canary (a random name under invalid.).
    for (const name of asked) if (name.endsWith('.invalid')) asked.delete(name);
    expect(asked.size).toBe(4096);
    expect(asked).toContain('0.0.0.10.bl.cli.test');
    expect(asked).toContain('255.15.0.10.bl.cli.test');
  });
});
