import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MUTE_MS, muteCommand } from '../../../commands/mute.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
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
  const meta = { source: 'store' as const, addedAt: '2026-11-01T00:00:00.000Z' };
  await harness.store.putInventory(makeEntry('5.6.7.0/28', {}, meta));
  await harness.store.putInventory(makeEntry('8.8.4.4', {}, meta));
});
afterEach(() => harness.close());

describe('/rbl mute', () => {
  it('is a change command; the reason takes the rest of the text', () => {
    expect(muteCommand.access).toBe('change');
    expect(muteCommand.options.map((o) => [o.name, o.required ?? false, o.rest ?? false])).toEqual([
      ['subject', true, false],
      ['duration', true, false],
      ['reason', false, true],
    ]);
  });

  it('mutes a zone by name, with who, why and until when, and logs it', async () => {
    const { reply } = await harness.run(muteCommand, {
      subject: 'BL.test.',
      duration: '2h',
      reason: 'their test points broke <!channel>\u0007',
    });
    expect(reply.title).toBe('Muted bl.test until 2026-12-01 14:00 UTC');
    expect(reply.ephemeral).toBe(false);
    expect(reply.lines).toContain('Reason: their test points broke <!channel>');
    expect(harness.mutes.all).toEqual([
      {
        scope: 'zone',
        value: 'bl.test',
        until: '2026-12-01T14:00:00.000Z',
        createdAt: '2026-12-01T12:00:00.000Z',
        by: 'slack:U1 (alice)',
        reason: 'their test points broke <!channel>',
      },
    ]);
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ by: 'slack:U1 (alice)', action: 'mute', scope: 'zone', subject: 'bl.test' }),
    );
    expectSafeReply(reply);
  });

  it.each([
    ['8.8.4.4', '8.8.4.4'],
    ['5.6.7.9', '5.6.7.9'],
    ['5.6.7.1/28', '5.6.7.0/28'],
  ])('mutes the watched target %j as %j', async (subject, value) => {
    await harness.run(muteCommand, { subject, duration: '1h30m' });
    expect(harness.mutes.all).toMatchObject([{ scope: 'target', value, until: '2026-12-01T13:30:00.000Z' }]);
  });

  it('replaces an earlier mute of the same subject and says so', async () => {
    await harness.run(muteCommand, { subject: '8.8.4.4', duration: '7d' });
    const { reply } = await harness.run(muteCommand, { subject: '8.8.4.4', duration: '1d' });
    expect(reply.lines).toContain('This replaces the earlier mute until 2026-12-08 12:00 UTC.');
    expect(harness.mutes.all).toMatchObject([{ until: '2026-12-02T12:00:00.000Z' }]);
  });

  it('accepts exactly the bounds: 1 minute and 90 days', async () => {
    expect((await harness.run(muteCommand, { subject: '8.8.4.4', duration: '1m' })).outcome).toBe('ok');
    expect((await harness.run(muteCommand, { subject: 'bl.test', duration: '90d' })).outcome).toBe('ok');
    expect(harness.mutes.all.map((mute) => mute.until)).toEqual([
      '2026-12-01T12:01:00.000Z',
      new Date(Date.parse('2026-12-01T12:00:00.000Z') + MAX_MUTE_MS).toISOString(),
    ]);
  });

  it.each([
    ['59s', 'a mute lasts at least 1 minute'],
    ['0m', 'a mute lasts at least 1 minute'],
    ['91d', 'a mute lasts at most 90 days'],
    ['89d25h', 'a mute lasts at most 90 days'],
    ['99999999999999999999d', 'the duration must look like'],
    ['2', 'the duration must look like'],
    ['2 weeks', 'the duration must look like'],
    ['-1h', 'the duration must look like'],
    ['', 'the duration must look like'],
  ])('refuses the duration %j', async (duration, message) => {
    const { reply, outcome } = await harness.run(muteCommand, { subject: '8.8.4.4', duration });
    expect(outcome).toBe('invalid');
    expect(reply).toMatchObject({ title: 'Nothing was muted', ephemeral: true });
    expect(reply.lines[0]).toContain(message);
    expect(harness.mutes.all).toEqual([]);
  });

  it.each([
    ['9.9.9.9', '9.9.9.9 is not watched'],
    ['5.6.7.0/29', '5.6.7.0/29 is not watched as a range'],
    ['nope.test', 'nope.test is not watched'],
  ])('refuses the subject %j', async (subject, message) => {
    const { reply, outcome } = await harness.run(muteCommand, { subject, duration: '1h' });
    expect(outcome).toBe('invalid');
    expect(reply.lines[0]).toContain(message);
    expect(harness.mutes.all).toEqual([]);
  });

  it.each(hostileInputs)('answers hostile input %# clearly and changes nothing', async (input) => {
    const before = await snapshot(harness);
    for (const args of [
      { subject: input, duration: '1h' },
      { subject: '8.8.4.4', duration: input },
    ]) {
      const { reply } = await harness.run(muteCommand, args);
      expect(reply).toMatchObject({ title: 'Nothing was muted', ephemeral: true });
      expectSafeReply(reply);
    }
    expect(await snapshot(harness)).toBe(before);
  });

  it('cleans and caps a hostile reason', async () => {
    const { reply } = await harness.run(muteCommand, {
      subject: '8.8.4.4',
      duration: '1h',
      reason: `@everyone ${'x'.repeat(5000)}\u202e`,
    });
    expect(harness.mutes.all[0]?.reason?.length).toBeLessThanOrEqual(200);
    expectSafeReply(reply);
  });
});
