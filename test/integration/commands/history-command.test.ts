import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyCommand } from '../../../commands/history.ts';
import type { ListingEvent } from '../../../src/domain/listing.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  hostileInputs,
  recordScan,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
  await harness.store.putInventory(
    makeEntry('8.8.4.4', {}, { source: 'store', addedAt: '2026-11-01T00:00:00.000Z' }),
  );
});
afterEach(() => harness.close());

function event(
  kind: ListingEvent['kind'],
  at: string,
  extra: Partial<ListingEvent> = {},
): Omit<ListingEvent, 'id' | 'runId'> {
  return {
    kind,
    at,
    zone: 'bl.test',
    target: '8.8.4.4',
    severity: 'critical',
    codes: [],
    meanings: [],
    txt: [],
    ...extra,
  };
}

describe('/rbl history', () => {
  it('lists the changes newest first, with evidence', async () => {
    await recordScan(harness.store, {
      at: '2026-11-02T00:00:00.000Z',
      events: [
        event('listed', '2026-11-02T00:00:00.000Z', {
          initial: true,
          codes: ['127.0.0.2'],
          meanings: ['spam source'],
          txt: ['see <!channel>\u0007'],
        }),
      ],
    });
    await recordScan(harness.store, {
      at: '2026-11-20T08:30:00.000Z',
      events: [event('delisted', '2026-11-20T08:30:00.000Z')],
    });
    const { reply } = await harness.run(historyCommand, { target: '8.8.4.4' });
    expect(reply.title).toBe('History of 8.8.4.4, newest first');
    expect(reply.lines).toEqual([
      '2026-11-20 08:30 UTC  delisted from bl.test',
      '2026-11-02 00:00 UTC  already listed on bl.test when watching began: 127.0.0.2 spam source "see <!channel>"',
    ]);
    expect(reply.ephemeral).toBe(true);
    expectSafeReply(reply);
  });

  it('caps the timeline and points at the CLI for the rest', async () => {
    const events = Array.from({ length: 25 }, (_, i) =>
      event(i % 2 === 0 ? 'listed' : 'delisted', new Date(Date.UTC(2026, 10, 1, i)).toISOString()),
    );
    await recordScan(harness.store, { at: '2026-11-02T00:00:00.000Z', events });
    const { reply } = await harness.run(historyCommand, { target: '8.8.4.4' });
    expect(reply.lines).toHaveLength(21);
    expect(reply.lines[0]).toBe('2026-11-02 00:00 UTC  listed on bl.test: no reason given');
    expect(reply.lines.at(-1)).toBe('... older changes not shown: rblwatch history 8.8.4.4 lists them all');
  });

  it('says when there is nothing, for watched and unwatched targets', async () => {
    expect((await harness.run(historyCommand, { target: '8.8.4.4' })).reply).toMatchObject({
      title: 'No recorded changes for 8.8.4.4',
      lines: ['8.8.4.4 has not been listed on any list in use since watching began.'],
    });
    expect((await harness.run(historyCommand, { target: '9.9.9.9' })).reply.lines).toEqual([
      '9.9.9.9 is not watched and has no recorded history.',
    ]);
  });

  it("shows a range's history: the changes of every address in it, each named", async () => {
    await harness.store.putInventory(
      makeEntry('1.2.3.0/28', {}, { source: 'store', addedAt: '2026-11-01T00:00:00.000Z' }),
    );
    await recordScan(harness.store, {
      at: '2026-11-03T00:00:00.000Z',
      events: [
        event('listed', '2026-11-03T00:00:00.000Z', { target: '1.2.3.5' }),
        event('listed', '2026-11-03T00:00:00.000Z', { target: '1.2.3.9' }),
        event('listed', '2026-11-03T00:00:00.000Z', { target: '1.2.4.1' }),
      ],
    });
    const { reply } = await harness.run(historyCommand, { target: '1.2.3.7/28' });
    expect(reply.title).toBe('History of 1.2.3.0/28, newest first');
    expect(reply.lines.map((line) => line.split('  ')[1])).toEqual([
      '1.2.3.9 listed on bl.test: no reason given',
      '1.2.3.5 listed on bl.test: no reason given',
    ]);
  });

  it.each(hostileInputs)('answers hostile input %# clearly', async (input) => {
    const { reply } = await harness.run(historyCommand, { target: input });
    expect(reply).toMatchObject({
      title: 'Cannot show the history of that',
      ephemeral: true,
      tone: 'warning',
    });
    expectSafeReply(reply);
  });
});
