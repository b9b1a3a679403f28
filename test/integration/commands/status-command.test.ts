import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusCommand } from '../../../commands/status.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  hostileInputs,
  listedState,
  recordScan,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
});
afterEach(() => harness.close());

async function seed(): Promise<void> {
  const meta = { source: 'store' as const, addedAt: '2026-11-01T00:00:00.000Z', addedBy: 'cli' };
  for (const text of ['8.8.4.4', '8.8.8.8', '1.2.3.0/28', 'example.com']) {
    await harness.store.putInventory({
      ...makeEntry(text, {}, meta),
      firstScannedAt: '2026-11-02T00:00:00.000Z',
    });
  }
  await recordScan(harness.store, {
    at: '2026-12-01T11:00:00.000Z',
    states: [
      listedState('8.8.4.4', 'bl.test', '2026-11-28T10:00:00.000Z', {
        txt: ['spam seen <!channel> @everyone\u001b[2J\u202e'],
      }),
      listedState('1.2.3.5', 'bl.test', '2026-11-30T12:00:00.000Z'),
      listedState('example.com', 'dbl.test', '2026-12-01T11:00:00.000Z', { meanings: ['phishing domain'] }),
      {
        ...listedState('8.8.8.8', 'bl.test', '2026-11-30T00:00:00.000Z'),
        status: 'clean',
        listedSince: undefined,
      },
    ],
    degradedZones: ['minor.test'],
    summary: { targets: 19, lookups: 40, listed: 3 },
  });
}

describe('/rbl status', () => {
  it('says nothing is listed, and that no scan ran, on an empty store', async () => {
    const { reply, steps } = await harness.run(statusCommand);
    expect(steps).toEqual(['reply']);
    expect(reply).toMatchObject({ title: 'Nothing is listed', tone: 'good', ephemeral: true });
    expect(reply.footer).toBe('No scan has run yet.');
  });

  it('summarises every listing with since when, why, delist links, degraded zones and the last scan', async () => {
    await seed();
    const { reply } = await harness.run(statusCommand);
    expect(reply.title).toBe('3 listings on 3 targets');
    expect(reply.tone).toBe('danger');
    expect(reply.ephemeral).toBe(true);
    expect(reply.lines).toEqual([
      '1.2.3.5 on bl.test since 2026-11-30 12:00 UTC (1d ago): 127.0.0.2 spam source',
      '8.8.4.4 on bl.test since 2026-11-28 10:00 UTC (3d 2h ago): 127.0.0.2 spam source "spam seen <!channel> @everyone [2J"',
      'example.com on dbl.test since 2026-12-01 11:00 UTC (1h ago): 127.0.0.2 phishing domain',
    ]);
    expect(reply.links).toEqual([
      { label: 'Delist 1.2.3.5 (Test BL)', url: 'https://bl.test/?ip=1.2.3.5' },
      { label: 'Delist 8.8.4.4 (Test BL)', url: 'https://bl.test/?ip=8.8.4.4' },
      { label: 'Delist example.com (dbl.test)', url: 'https://dbl.test/example.com' },
    ]);
    expect(reply.footer).toContain(
      'Last scan 2026-12-01 11:00 UTC (1h ago): 19 targets, 40 lookups, 3 listed',
    );
    expect(reply.footer).toContain('Degraded zones (answers not used): minor.test');
    expectSafeReply(reply);
  });

  it('is shown to the channel with public', async () => {
    await seed();
    expect((await harness.run(statusCommand, { public: true })).reply.ephemeral).toBe(false);
    expect((await harness.run(statusCommand, { target: '8.8.4.4', public: true })).reply.ephemeral).toBe(
      false,
    );
  });

  it('shows one target, in canonical form', async () => {
    await seed();
    const { reply } = await harness.run(statusCommand, { target: ' Example.COM. ' });
    expect(reply.title).toBe('example.com is listed on 1 list');
    expect(reply.lines[0]).toBe('example.com is watched.');
    expect(reply.lines[1]).toContain(
      'dbl.test since 2026-12-01 11:00 UTC (1h ago): 127.0.0.2 phishing domain',
    );
    expect(reply.links).toEqual([
      { label: 'Delist example.com (dbl.test)', url: 'https://dbl.test/example.com' },
    ]);
  });

  it('shows an address inside a watched range, and every listed address of a range', async () => {
    await seed();
    const one = (await harness.run(statusCommand, { target: '1.2.3.5' })).reply;
    expect(one.title).toBe('1.2.3.5 is listed on 1 list');
    expect(one.lines[0]).toBe('1.2.3.5 is watched as part of 1.2.3.0/28.');
    const range = (await harness.run(statusCommand, { target: '1.2.3.7/28' })).reply;
    expect(range.title).toBe('1 of 16 addresses in 1.2.3.0/28 listed on 1 list');
    expect(range.lines[1]).toMatch(/^1\.2\.3\.5 on bl\.test since/);
  });

  it('says when a watched target is not listed', async () => {
    await seed();
    const { reply } = await harness.run(statusCommand, { target: '8.8.8.8' });
    expect(reply).toMatchObject({ title: '8.8.8.8 is not listed', tone: 'warning' });
    expect(reply.lines).toEqual([
      '8.8.8.8 is watched.',
      'Not listed on any list in use, as of the last scan.',
    ]);
  });

  it('says first that the resolver is down, and is never "good" then', async () => {
    await seed();
    const run = startedRun('2026-12-01T11:30:00.000Z-down01', '2026-12-01T11:30:00.000Z');
    await harness.store.startRun(run);
    await harness.store.commitRun({
      run: {
        ...run,
        status: 'failed',
        endedAt: '2026-12-01T11:31:00.000Z',
        error: 'resolver-down: no answer',
      },
      events: [],
      states: [],
      degradedZones: [],
      firstScanned: [],
      resolver: { downSince: '2026-12-01T11:30:00.000Z', detail: 'no answer from 127.0.0.1:53 (3 attempts)' },
    });
    const { reply } = await harness.run(statusCommand, { target: '8.8.8.8' });
    expect(reply.tone).toBe('warning');
    expect(reply.lines[0]).toContain('The resolver is down or unusable since 2026-12-01 11:30 UTC');
    expect(reply.lines[0]).toContain('no answer from 127.0.0.1:53');
  });

  it('says when a target is not watched', async () => {
    await seed();
    const { reply } = await harness.run(statusCommand, { target: '9.9.9.9' });
    expect(reply.title).toBe('9.9.9.9 is not watched');
    expect(reply.lines[0]).toContain('/rbl check 9.9.9.9');
  });

  it.each(hostileInputs.filter((input) => input.trim() !== ''))(
    'answers hostile input %# clearly',
    async (input) => {
      await seed();
      const { reply } = await harness.run(statusCommand, { target: input, public: true });
      expect(reply.title).toBe('Cannot show the status of that');
      expect(reply.ephemeral).toBe(true);
      expect(reply.lines[0]).toMatch(/invalid target|range/);
      expectSafeReply(reply);
    },
  );
});
