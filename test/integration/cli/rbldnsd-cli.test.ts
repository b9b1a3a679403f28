/**
 * `rblwatch check` end to end against a real rbldnsd on loopback serving an ip4set and a dnset zone, the two
 * dataset types most private DNSBLs use: the binary's exit status and --json values for real server answers.
 *
 * @see `man rbldnsd` for the dataset formats
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';

const zonesFile = 'test/fixtures/cli/rbldnsd-zones.yml';

describeWithService(await rbldnsdAvailability(), 'rblwatch check against rbldnsd', () => {
  let server: RbldnsdServer | undefined;

  beforeAll(async () => {
    server = await startRbldnsd([
      {
        name: 'ip4set.cli.test',
        type: 'ip4set',
        data: [
          ':127.0.0.2:Spam from $',
          // RFC 5782 test point, so the zone probes healthy.
          '127.0.0.2',
          '203.0.113.9',
          '198.51.100.0/24 :127.0.0.3:Range listed, $ is inside',
          '!198.51.100.7',
        ].join('\n'),
      },
      {
        name: 'dnset.cli.test',
        type: 'dnset',
        data: [':127.0.0.2:Domain $ is listed', 'test', 'spam.example', '*.spam.example'].join('\n'),
      },
    ]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('exits 1 and reports what rbldnsd lists, with codes, TXT and delist links', async () => {
    if (server === undefined) throw new Error('beforeAll did not start rbldnsd');
    const run = await runCli([
      'check',
      '203.0.113.9',
      '198.51.100.42',
      '198.51.100.7',
      '192.0.2.1',
      'spam.example',
      'www.spam.example',
      'ham.example',
      '--json',
      '--resolver',
      server.address,
      '--zones',
      zonesFile,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      results: Record<string, unknown>[];
      zones: { zone: string; health: string }[];
      summary: Record<string, unknown>;
    };
    expect(report.zones.map((z) => [z.zone, z.health])).toEqual([
      ['ip4set.cli.test', 'ok'],
      ['dnset.cli.test', 'ok'],
    ]);
    const brief = report.results.map(({ target, zone, status, codes, meanings, txt, delist, reason }) => ({
      target,
      zone,
      status,
      codes,
      meanings,
      txt,
      delist,
      reason,
    }));
    const clean = (target: string, zone: string): Record<string, unknown> => ({
      target,
      zone,
      status: 'clean',
      codes: [],
      meanings: [],
      txt: [],
      delist: null,
      reason: null,
    });
    expect(brief).toEqual([
      {
        target: '203.0.113.9',
        zone: 'ip4set.cli.test',
        status: 'listed',
        codes: ['127.0.0.2'],
        meanings: ['spam source'],
        txt: ['Spam from 203.0.113.9'],
        delist: 'https://ip4set.cli.test/remove?ip=203.0.113.9',
        reason: null,
      },
      {
        target: '198.51.100.42',
        zone: 'ip4set.cli.test',
        status: 'listed',
        codes: ['127.0.0.3'],
        meanings: ['listed range'],
        txt: ['Range listed, 198.51.100.42 is inside'],
        delist: 'https://ip4set.cli.test/remove?ip=198.51.100.42',
        reason: null,
      },
      // Excluded from the listed range with `!`.
      clean('198.51.100.7', 'ip4set.cli.test'),
      clean('192.0.2.1', 'ip4set.cli.test'),
      {
        target: 'spam.example',
        zone: 'dnset.cli.test',
        status: 'listed',
        codes: ['127.0.0.2'],
        meanings: ['listed'],
        txt: ['Domain spam.example is listed'],
        delist: null,
        reason: null,
      },
      {
        target: 'www.spam.example',
        zone: 'dnset.cli.test',
        status: 'listed',
        codes: ['127.0.0.2'],
        meanings: ['listed'],
        // rbldnsd fills `$` of a wildcard entry with the listed base name, not the name asked.
        txt: ['Domain spam.example is listed'],
        delist: null,
        reason: null,
      },
      clean('ham.example', 'dnset.cli.test'),
    ]);
    expect(report.summary).toMatchObject({
      targets: 7,
      zones: 2,
      lookups: 7,
      listed: 4,
      clean: 3,
      unknown: 0,
      listedTargets: 4,
      resolvers: [server.address],
    });
  });
});
