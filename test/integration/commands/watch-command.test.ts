import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchCommand } from '../../../commands/watch.ts';
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
  const meta = { source: 'config' as const, addedAt: '2026-11-01T00:00:00.000Z' };
  await harness.store.putInventory(makeEntry('5.6.7.0/28', { team: 'mail' }, meta));
  await harness.store.putInventory(makeEntry('mail.example.com', {}, meta));
});
afterEach(() => harness.close());

describe('/rbl watch', () => {
  it('is a change command whose first option picks add or remove', () => {
    expect(watchCommand.access).toBe('change');
    expect(watchCommand.options[0]).toMatchObject({
      name: 'action',
      required: true,
      choices: ['add', 'remove'],
    });
  });

  it('adds a target in canonical form, with labels, who added it, and a log line', async () => {
    const { reply } = await harness.run(watchCommand, {
      action: 'add',
      target: '2A00:1450:0::1',
      owner: 'bob',
      team: 'mail-ops',
      customer: ' acme ',
    });
    expect(reply).toMatchObject({ title: 'Now watching 2a00:1450::1', tone: 'good' });
    expect(reply.ephemeral).toBe(false);
    expect(reply.lines[0]).toBe('Labels: owner bob, team mail-ops, customer acme.');
    const entry = (await harness.store.listInventory()).find((e) => e.target === '2a00:1450::1');
    expect(entry).toEqual({
      target: '2a00:1450::1',
      kind: 'ip6',
      labels: { owner: 'bob', team: 'mail-ops', customer: 'acme' },
      source: 'store',
      addedAt: '2026-12-01T12:00:00.000Z',
      addedBy: 'slack:U1 (alice)',
    });
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ by: 'slack:U1 (alice)', action: 'watch-add', target: '2a00:1450::1' }),
    );
  });

  it('adds a range up to /24', async () => {
    const { reply, outcome } = await harness.run(watchCommand, { action: 'add', target: '9.9.9.77/24' });
    expect(reply.title).toBe('Now watching 9.9.9.0/24');
    expect(outcome).toBe('ok');
  });

  it.each([
    ['mail.example.com', 'mail.example.com is already watched (config file)', 'refused'],
    ['5.6.7.0/28', '5.6.7.0/28 is already watched (config file)', 'refused'],
    ['5.6.7.3', '5.6.7.3 overlaps 5.6.7.0/28 (5.6.7.3 is inside 5.6.7.0/28)', 'refused'],
    ['5.6.7.128/24', '5.6.7.0/24 overlaps 5.6.7.0/28 (5.6.7.0/24 contains 5.6.7.0/28)', 'refused'],
    ['10.0.0.1', '10.0.0.1 is private, loopback or reserved address space', 'refused'],
    ['fe80::1', 'fe80::1 is private, loopback or reserved address space', 'refused'],
    ['9.9.0.0/16', '9.9.0.0/16 is wider than /24; add wider ranges with the CLI', 'refused'],
    ['9.0.0.0/8', 'more than /16 allows', 'invalid'],
    ['bad..name', 'invalid target "bad..name"', 'invalid'],
  ])('refuses %j and changes nothing', async (target, message, expected) => {
    const before = await snapshot(harness);
    const { reply, outcome } = await harness.run(watchCommand, { action: 'add', target });
    expect(outcome).toBe(expected);
    expect(reply).toMatchObject({ title: 'Nothing was added', ephemeral: true, tone: 'warning' });
    expect(reply.lines[0]).toContain(message);
    expect(await snapshot(harness)).toBe(before);
  });

  it('refuses labels that could not route alerts', async () => {
    const before = await snapshot(harness);
    const { reply } = await harness.run(watchCommand, {
      action: 'add',
      target: '9.9.9.9',
      owner: '<!channel>',
    });
    expect(reply.lines[0]).toContain('invalid label owner');
    expect(await snapshot(harness)).toBe(before);
  });

  it('removes a target added from chat and keeps its history', async () => {
    await harness.run(watchCommand, { action: 'add', target: '9.9.9.9' });
    const { reply } = await harness.run(watchCommand, { action: 'remove', target: '9.9.9.9/32' });
    expect(reply.title).toBe('Stopped watching 9.9.9.9');
    expect((await harness.store.listInventory()).map((e) => e.target)).not.toContain('9.9.9.9');
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ by: 'slack:U1 (alice)', action: 'watch-remove', target: '9.9.9.9' }),
    );
  });

  it.each([
    ['mail.example.com', 'mail.example.com comes from the config file; remove it there', 'refused'],
    ['9.9.9.9', '9.9.9.9 is not watched', 'not-found'],
    ['5.6.7.3', '5.6.7.3 is not watched; it is part of 5.6.7.0/28', 'not-found'],
  ])('refuses to remove %j', async (target, message, expected) => {
    const before = await snapshot(harness);
    const { reply, outcome } = await harness.run(watchCommand, { action: 'remove', target });
    expect(outcome).toBe(expected);
    expect(reply).toMatchObject({ title: 'Nothing was removed', lines: [message], ephemeral: true });
    expect(await snapshot(harness)).toBe(before);
  });

  it('refuses an unknown action', async () => {
    const { reply, outcome } = await harness.run(watchCommand, { action: 'list', target: '9.9.9.9' });
    expect(reply.lines).toEqual(['the action must be add or remove']);
    expect(outcome).toBe('invalid');
  });

  it.each(hostileInputs)('answers hostile input %# clearly and changes nothing', async (input) => {
    const before = await snapshot(harness);
    for (const action of ['add', 'remove']) {
      const { reply } = await harness.run(watchCommand, { action, target: input, owner: input || undefined });
      expect(reply.ephemeral).toBe(true);
      expect(reply.title).toMatch(/^Nothing was (added|removed)$/);
      expectSafeReply(reply);
    }
    expect(await snapshot(harness)).toBe(before);
    expect(harness.logs).toEqual([]);
  });
});
