import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mutesCommand } from '../../../commands/mutes.ts';
import { type CommandHarness, createCommandHarness, expectSafeReply } from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
});
afterEach(() => harness.close());

describe('/rbl mutes', () => {
  it('says when nothing is muted', async () => {
    const { reply } = await harness.run(mutesCommand);
    expect(reply).toMatchObject({ title: 'Nothing is muted', ephemeral: true });
  });

  it('lists mutes in force, soonest to end first, without expired ones', async () => {
    const createdAt = '2026-12-01T00:00:00.000Z';
    await harness.mutes.putMute({
      scope: 'target',
      value: '8.8.4.4',
      until: '2026-12-03T12:00:00.000Z',
      createdAt,
    });
    await harness.mutes.putMute({
      scope: 'zone',
      value: 'bl.test',
      until: '2026-12-01T14:30:00.000Z',
      createdAt,
      by: 'discord:42 (bob)',
      reason: 'test points down <!channel>\u0007',
    });
    await harness.mutes.putMute({
      scope: 'target',
      value: '9.9.9.9',
      until: '2026-12-01T11:00:00.000Z',
      createdAt,
    });
    const { reply } = await harness.run(mutesCommand, { public: true });
    expect(reply.title).toBe('2 mutes in force');
    expect(reply.ephemeral).toBe(false);
    expect(reply.lines).toEqual([
      'zone bl.test until 2026-12-01 14:30 UTC (2h 30m left) by discord:42 (bob): test points down <!channel>',
      'target 8.8.4.4 until 2026-12-03 12:00 UTC (2d left)',
    ]);
    expectSafeReply(reply);
  });
});
