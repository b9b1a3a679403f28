import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchCommand } from '../../../commands/watch.ts';
import { watchedCommand } from '../../../commands/watched.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import { type CommandHarness, createCommandHarness, expectSafeReply } from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
});
afterEach(() => harness.close());

describe('/rbl watched', () => {
  it('is a read command', () => {
    expect(watchedCommand.access).toBe('read');
  });

  it('says when nothing is watched', async () => {
    const { reply } = await harness.run(watchedCommand);
    expect(reply).toMatchObject({ title: 'Nothing is watched yet', ephemeral: true });
  });

  it('lists entries with labels, origin and scan state', async () => {
    await harness.store.putInventory({
      ...makeEntry('5.6.7.0/28', { team: 'mail' }, { source: 'config', addedAt: '2026-11-01T00:00:00.000Z' }),
      firstScannedAt: '2026-11-01T01:00:00.000Z',
    });
    await harness.run(
      watchCommand,
      { action: 'add', target: 'example.com', owner: 'bob' },
      {
        id: 'U9',
        name: 'mallory <!channel>\u0007',
        platform: 'discord',
      },
    );
    const { reply } = await harness.run(watchedCommand, { public: true });
    expect(reply.title).toBe('Watching 2 entries (17 single targets to look up)');
    expect(reply.ephemeral).toBe(false);
    expect(reply.lines).toEqual([
      '5.6.7.0/28 (team mail): config file',
      'example.com (owner bob): added 2026-12-01 12:00 UTC by discord:U9 (mallory <!channel>), not scanned yet',
    ]);
    expectSafeReply(reply);
  });

  it('caps a long list', async () => {
    for (let i = 0; i < 40; i++) {
      await harness.store.putInventory(
        makeEntry(`9.9.${i}.1`, {}, { source: 'store', addedAt: '2026-11-01T00:00:00.000Z' }),
      );
    }
    const { reply } = await harness.run(watchedCommand);
    expect(reply.lines).toHaveLength(26);
    expect(reply.lines.at(-1)).toBe('... and 15 more (rblwatch watch list shows all)');
  });
});
