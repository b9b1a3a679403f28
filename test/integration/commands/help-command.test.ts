import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandRegistry, commands } from '../../../commands/index.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  hostileInputs,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

beforeEach(async () => {
  harness = await createCommandHarness();
});
afterEach(() => harness.close());

const help = commandRegistry.get('help');
if (!help) throw new Error('help is not registered');

describe('/rbl help', () => {
  it('lists every registered command with its arguments and description', async () => {
    const { reply } = await harness.run(help);
    expect(reply.lines).toHaveLength(commands.length);
    for (const [index, command] of commands.entries()) {
      expect(reply.lines[index]).toMatch(new RegExp(`^/rbl ${command.name}\\b`));
      expect(reply.lines[index]).toContain(command.description);
    }
    expect(reply.lines).toContain(
      '/rbl watch <action:add|remove> <target> [owner] [team] [customer]: Start or stop watching an IP, a range up to /24 or a domain (allowed users only)',
    );
    expect(reply.lines).toContain(
      '/rbl mute <subject> <duration> [reason...]: Silence new alarms for a zone or a watched target for a while (allowed users only)',
    );
    expect(reply.lines).toContain(
      '/rbl check <targets...>: Look IPs, a small range or domains up on every blocklist now',
    );
  });

  it('explains one command', async () => {
    const { reply } = await harness.run(help, { command: 'Mute' });
    expect(reply.title).toBe('/rbl mute <subject> <duration> [reason...]');
    expect(reply.lines).toContain('duration: How long: 30m, 2h, 7d or 1h30m (at most 90d)');
    expect(reply.lines).toContain('reason (optional): Why, for the others in the channel');
  });

  it.each(hostileInputs.filter((input) => input.trim() !== ''))(
    'answers an unknown command %# clearly',
    async (input) => {
      const { reply } = await harness.run(help, { command: input });
      expect(reply.title).toBe('No such command');
      expectSafeReply(reply);
    },
  );
});
