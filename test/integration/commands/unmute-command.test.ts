import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unmuteCommand } from '../../../commands/unmute.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  hostileInputs,
  snapshot,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
  const base = { until: '2026-12-02T00:00:00.000Z', createdAt: '2026-12-01T00:00:00.000Z' };
  await harness.mutes.putMute({ scope: 'zone', value: 'gone.test', ...base });
  await harness.mutes.putMute({ scope: 'target', value: '2a00:1450::1', ...base });
  await harness.mutes.putMute({
    scope: 'target',
    value: '8.8.4.4',
    ...base,
    until: '2026-12-01T11:00:00.000Z',
  });
});
afterEach(() => harness.close());

describe('/rbl unmute', () => {
  it('is a change command', () => {
    expect(unmuteCommand.access).toBe('change');
  });

  it('ends a zone mute, even for a zone no longer in the catalog, and logs it', async () => {
    const { reply } = await harness.run(unmuteCommand, { subject: 'GONE.test.' });
    expect(reply).toMatchObject({ title: 'Unmuted gone.test', ephemeral: false });
    expect(harness.mutes.all.map((mute) => mute.value)).not.toContain('gone.test');
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ by: 'slack:U1 (alice)', action: 'unmute', subject: 'gone.test' }),
    );
  });

  it('ends a target mute given in any form', async () => {
    const { reply, outcome } = await harness.run(unmuteCommand, { subject: '2A00:1450:0:0::1' });
    expect(outcome).toBe('ok');
    expect(reply.title).toBe('Unmuted 2a00:1450::1');
  });

  it('says when the subject is not muted, including an expired mute', async () => {
    for (const subject of ['9.9.9.9', '8.8.4.4', 'bl.test']) {
      const { reply, outcome } = await harness.run(unmuteCommand, { subject });
      expect(outcome).toBe('not-found');
      expect(reply).toMatchObject({
        title: 'Nothing was unmuted',
        lines: ['That is not muted; /rbl mutes lists what is.'],
      });
    }
    expect(harness.logs).toEqual([]);
  });

  it.each(hostileInputs)('answers hostile input %# clearly and changes nothing', async (input) => {
    const before = await snapshot(harness);
    const { reply, outcome } = await harness.run(unmuteCommand, { subject: input });
    expect(['invalid', 'not-found']).toContain(outcome);
    expect(reply).toMatchObject({ title: 'Nothing was unmuted', ephemeral: true });
    expectSafeReply(reply);
    expect(await snapshot(harness)).toBe(before);
  });
});
