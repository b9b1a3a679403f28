// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in plain strings is the config syntax under test.
/**
 * `check` and `zones` read `resolvers`, `dns` and `zones` from the config file (`--config`, `RBLWATCH_CONFIG`,
 * or `rblwatch.yml` in the working directory), and flags win. Nothing else in the file is read: a destination
 * whose secret this shell does not have is no reason to refuse a lookup.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHandler, zonesFile } from '../../fixtures/cli/dns-data.ts';
import { type FakeDnsServer, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { repoRoot, runCli } from '../../helpers/run-cli.ts';

let server: FakeDnsServer;
let dir: string;
let config: string;

beforeAll(async () => {
  server = await startFakeDnsServer(cliHandler());
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-check-config-'));
  config = join(dir, 'rblwatch.yml');
  await writeFile(
    config,
    [
      `resolvers: ["${server.address}"]`,
      'dns: { timeoutMs: 1500, retries: 1, concurrency: 8 }',
      `zones: ${resolve(repoRoot, zonesFile)}`,
      'store: ./store.sqlite',
      'destinations:',
      '  pager: { type: pagerduty, routingKey: "${NOT_SET_IN_THIS_SHELL}" }',
      'routes: [{ to: pager }]',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface CheckJson {
  readonly results: readonly { zone: string; status: string }[];
  readonly summary: { readonly resolvers: readonly string[]; readonly zones: number };
}

describe('check and zones with a config file', () => {
  it('check takes the resolvers and the zone file from --config and ignores the other sections', async () => {
    const run = await runCli(['check', '192.0.2.10', '--json', '--config', config]);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as CheckJson;
    expect(report.summary.resolvers).toEqual([server.address]);
    expect([...new Set(report.results.map((result) => result.zone))]).toEqual([
      'bl.cli.test',
      'wide.cli.test',
    ]);
    expect(server.questions.length).toBeGreaterThan(0);
  });

  it('finds the file through RBLWATCH_CONFIG too', async () => {
    const run = await runCli(['zones', '--json'], { env: { RBLWATCH_CONFIG: config } });
    expect(run.code, run.stderr).toBe(0);
    const listing = JSON.parse(run.stdout) as { zones: { zone: string }[] };
    expect(listing.zones.map((zone) => zone.zone)).toEqual([
      'bl.cli.test',
      'wide.cli.test',
      'v6.cli.test',
      'dbl.cli.test',
    ]);
  });

  it('lets flags win: --resolver over the file resolvers, --zone within the file zones', async () => {
    const run = await runCli([
      'check',
      '192.0.2.10',
      '--json',
      '--config',
      config,
      '--resolver',
      '127.0.0.1:9',
      '--timeout',
      '100',
      '--retries',
      '0',
      '--zone',
      'bl.cli.test',
    ]);
    const report = JSON.parse(run.stdout) as CheckJson;
    expect(report.summary.resolvers).toEqual(['127.0.0.1:9']);
    expect(report.results.map((result) => [result.zone, result.status])).toEqual([
      ['bl.cli.test', 'unknown'],
    ]);
    expect(run.code).toBe(2);
  });

  it('refuses a bad engine section with the file and the field named, as serve does', async () => {
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'dns: { timeoutMs: fast }\nresolvers: [resolver.example]\n');
    const run = await runCli(['check', '192.0.2.10', '--config', bad]);
    expect(run.code).toBe(64);
    expect(run.stderr.trim().split('\n')).toEqual([
      `rblwatch: ${bad}: resolvers[0]: invalid resolver "resolver.example": expected an IP address, optionally ` +
        'with :port ([v6]:port for IPv6)',
      `${bad}: dns.timeoutMs: must be a whole number from 50 to 60000`,
    ]);
  });

  it('reports a flag out of range with the same words as the file', async () => {
    const run = await runCli(['check', '192.0.2.10', '--timeout', '10', '--resolver', server.address]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('must be a whole number from 50 to 60000');
  });
});
