import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportCommand } from '../../../commands/report.ts';
import { toPlainText } from '../../../src/domain/message.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import { renderReportMessage } from '../../../src/reports/render-message.ts';
import { buildReport } from '../../../src/reports/report.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  listedState,
  recordScan,
  testZones,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
});
afterEach(() => harness.close());

describe('/rbl report', () => {
  it('reports an empty install without inventing anything', async () => {
    const { reply } = await harness.run(reportCommand);
    expect(reply).toMatchObject({ title: 'Blacklist report: all clear', tone: 'warning', ephemeral: false });
    expect(reply.lines).toEqual([
      'Nothing is watched yet.',
      'No watched target is listed on any list in use.',
      'No scan has run yet.',
    ]);
    expect(reply.footer).toBe('As of 2026-12-01 12:00 UTC');
  });

  it('counts by zone and severity, lists targets oldest listing first, with owners, degraded zones and the last scan', async () => {
    const meta = { source: 'config' as const, addedAt: '2026-11-01T00:00:00.000Z' };
    await harness.store.putInventory(makeEntry('1.2.3.0/28', { owner: 'bob', team: 'mail' }, meta));
    await harness.store.putInventory(makeEntry('8.8.4.4', {}, meta));
    await harness.store.putInventory(makeEntry('example.com', { customer: 'acme' }, meta));
    await harness.mutes.putMute({
      scope: 'zone',
      value: 'minor.test',
      until: '2026-12-02T00:00:00.000Z',
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    await recordScan(harness.store, {
      at: '2026-12-01T11:00:00.000Z',
      states: [
        listedState('8.8.4.4', 'bl.test', '2026-11-30T12:00:00.000Z'),
        listedState('8.8.4.4', 'minor.test', '2026-11-30T13:00:00.000Z'),
        listedState('1.2.3.5', 'bl.test', '2026-11-20T12:00:00.000Z', { txt: ['<!channel>\u0007'] }),
        listedState('example.com', 'dbl.test', '2026-12-01T11:00:00.000Z'),
        listedState('9.9.9.9', 'retired.test', '2026-11-25T00:00:00.000Z'),
      ],
      degradedZones: ['minor.test'],
      summary: { targets: 18, lookups: 50, listed: 5 },
    });
    const { reply } = await harness.run(reportCommand);
    expect(reply.title).toBe('Blacklist report: 5 listings');
    expect(reply.tone).toBe('danger');
    expect(reply.ephemeral).toBe(false);
    expect(reply.lines).toEqual([
      'Watching 3 entries (18 single targets).',
      '5 listings on 4 targets.',
      'By severity: critical 2, major 1, minor 1, not in the catalog 1.',
      'By zone: bl.test 2 (critical), dbl.test 1 (major), minor.test 1 (minor), retired.test 1 (not in the catalog).',
      'Listed targets, oldest listing first:',
      '1.2.3.5 [bob, mail]: bl.test, since 2026-11-20 12:00 UTC (11d ago)',
      '9.9.9.9: retired.test, since 2026-11-25 00:00 UTC (6d 12h ago)',
      '8.8.4.4: bl.test, minor.test, since 2026-11-30 12:00 UTC (1d ago)',
      'example.com [acme]: dbl.test, since 2026-12-01 11:00 UTC (1h ago)',
      'Degraded zones (answers not used): minor.test.',
      '1 mute in force (/rbl mutes).',
      'Last scan 2026-12-01 11:00 UTC (1h ago): 18 targets, 50 lookups, 5 listed, 0 unknown, 0 changes.',
    ]);
    expect(reply.links?.map((link) => link.url)).toEqual([
      'https://bl.test/?ip=1.2.3.5',
      'https://bl.test/?ip=8.8.4.4',
      'https://dbl.test/example.com',
    ]);
    expectSafeReply(reply);
  });

  it('answers only the caller with public false', async () => {
    expect((await harness.run(reportCommand, { public: false })).reply.ephemeral).toBe(true);
  });

  it('builds from plain data, so a scheduler can post it', () => {
    const states = Array.from({ length: 30 }, (_, i) =>
      listedState(`9.9.9.${i}`, 'bl.test', new Date(Date.UTC(2026, 10, 1, i)).toISOString()),
    );
    const message = renderReportMessage(
      buildReport({
        inventory: [],
        states,
        degradedZones: [],
        zones: testZones,
        now: new Date('2026-12-01T00:00:00.000Z'),
      }),
    );
    expect(message.lines).toContain('... and 15 more targets (/rbl status lists them)');
    expect(message.links).toHaveLength(5);
    expect(toPlainText(message)).toContain('Blacklist report: 30 listings');
  });
});
