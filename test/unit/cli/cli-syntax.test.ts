import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.ts';
import { cliCommands, cliSyntax } from '../../../src/cli/cli-syntax.ts';
import { chatSyntax } from '../../../src/command-api/command.ts';

/** Commands that exist only in chat: the CLI names them in chat syntax. */
const chatOnly = ['help', 'report'];

describe('cliSyntax', () => {
  it('names every chat command as its rblwatch command, or keeps chat syntax for the chat-only ones', () => {
    for (const { name } of commands) {
      if (chatOnly.includes(name)) expect(cliSyntax(name), name).toBe(`/rbl ${name}`);
      else expect(cliSyntax(name), name).toMatch(/^rblwatch [a-z]/);
    }
    // Nothing mapped that is not a command any more.
    expect(Object.keys(cliCommands).filter((name) => !commands.some((c) => c.name === name))).toEqual([]);
  });

  it('writes arguments after the command, and watched as watch list', () => {
    expect(cliSyntax('unmute', '192.0.2.1')).toBe('rblwatch unmute 192.0.2.1');
    expect(cliSyntax('watch', 'add', 'TARGET')).toBe('rblwatch watch add TARGET');
    expect(cliSyntax('watched')).toBe('rblwatch watch list');
  });

  it('chat syntax uses the configured slash command', () => {
    expect(chatSyntax()('unmute', 'bl.test')).toBe('/rbl unmute bl.test');
    expect(chatSyntax('/dnsbl')('watched')).toBe('/dnsbl watched');
  });
});
