import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { commandRegistry, commands } from '../../../commands/index.ts';
import { buildCommandRegistry, defineCommand } from '../../../src/command-api/command.ts';

const noop = async (): Promise<void> => {};

describe('the command registry', () => {
  it('lists exactly the command files in commands/', async () => {
    const files = (await readdir(new URL('../../../commands/', import.meta.url)))
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(commands.map((command) => command.name).sort()).toEqual(files);
    expect([...commandRegistry.keys()].sort()).toEqual(files);
  });

  it('restricts exactly the commands that change state, and rate-limits the ones that query DNSBLs live', () => {
    const names = (filter: (command: (typeof commands)[number]) => boolean): string[] =>
      commands
        .filter(filter)
        .map((command) => command.name)
        .sort();
    expect(names((command) => command.access === 'change')).toEqual(['mute', 'scan', 'unmute', 'watch']);
    expect(names((command) => command.rateLimited === true)).toEqual(['check', 'scan']);
  });

  it('refuses duplicates and an empty list', () => {
    const one = defineCommand({ name: 'one', description: 'd', options: [], access: 'read', run: noop });
    expect(() => buildCommandRegistry([one, one])).toThrow(/duplicate command "one"/);
    expect(() => buildCommandRegistry([])).toThrow(/empty/);
  });
});

describe('defineCommand', () => {
  it.each([
    ['Check', 'd', /names must match/],
    ['a'.repeat(33), 'd', /names must match/],
    ['ok', '', /description must be 1-100/],
    ['ok', 'x'.repeat(101), /description must be 1-100/],
  ])('refuses name %j / description of length %#', (name, description, error) => {
    expect(() => defineCommand({ name, description, options: [], access: 'read', run: noop })).toThrow(error);
  });

  it('refuses duplicate options and required options after optional ones', () => {
    const option = { name: 'x', description: 'd', type: 'string' } as const;
    expect(() =>
      defineCommand({ name: 'a', description: 'd', options: [option, option], access: 'read', run: noop }),
    ).toThrow(/duplicate option/);
    expect(() =>
      defineCommand({
        name: 'a',
        description: 'd',
        options: [option, { name: 'y', description: 'd', type: 'string', required: true }],
        access: 'read',
        run: noop,
      }),
    ).toThrow(/required option after optional/);
  });
});
