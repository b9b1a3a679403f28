import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../../commands/index.ts';
import {
  buildDiscordCommands,
  countCommandCharacters,
  diffCommands,
  normaliseCommand,
  type RegisteredCommand,
  rootDescription,
} from '../../../src/chat/discord/command-data.ts';
import {
  buildCommandRegistry,
  type CommandDefinition,
  defineCommand,
} from '../../../src/command-api/command.ts';

const noop = async () => undefined;

const lookup = defineCommand({
  name: 'lookup',
  description: 'Look something up',
  access: 'read',
  options: [
    { name: 'target', description: 'What', type: 'string', required: true, autocomplete: 'target' },
    { name: 'mode', description: 'How', type: 'string', choices: ['fast', 'full'], autocomplete: 'zone' },
    { name: 'days', description: 'How far back', type: 'integer', choices: ['1', '7'] },
    { name: 'limit', description: 'How many', type: 'integer' },
    { name: 'public', description: 'Show to the channel', type: 'boolean' },
  ],
  run: noop,
});

const ping = defineCommand({ name: 'ping', description: 'Ping', access: 'read', options: [], run: noop });

function registry(...commands: CommandDefinition[]) {
  return buildCommandRegistry(commands);
}

/** What Discord hands back for a command we sent: ids, version and defaults filled in. */
function asRegistered(body: object, id = '1000'): RegisteredCommand {
  const withDefaults = (option: Record<string, unknown>): Record<string, unknown> => ({
    ...option,
    ...(option.type !== 1 ? { required: option.required ?? false } : {}),
    name_localizations: null,
    description_localizations: null,
    ...(Array.isArray(option.options)
      ? { options: (option.options as Record<string, unknown>[]).map(withDefaults) }
      : {}),
  });
  const record = body as Record<string, unknown>;
  return {
    ...record,
    options: ((record.options ?? []) as Record<string, unknown>[]).map(withDefaults),
    id,
    application_id: '42',
    version: '99',
    default_member_permissions: null,
    nsfw: false,
    name_localizations: null,
    description_localizations: null,
    integration_types: [0],
  } as unknown as RegisteredCommand;
}

describe('buildDiscordCommands', () => {
  it('builds one root command with a typed subcommand per command', () => {
    expect(buildDiscordCommands(registry(lookup, ping))).toEqual([
      {
        type: 1,
        name: 'rbl',
        description: rootDescription,
        contexts: [0],
        integration_types: [0],
        dm_permission: false,
        options: [
          {
            type: 1,
            name: 'lookup',
            description: 'Look something up',
            options: [
              { type: 3, name: 'target', description: 'What', required: true, autocomplete: true },
              // Fixed choices win over autocomplete, which Discord refuses together.
              {
                type: 3,
                name: 'mode',
                description: 'How',
                choices: [
                  { name: 'fast', value: 'fast' },
                  { name: 'full', value: 'full' },
                ],
              },
              {
                type: 4,
                name: 'days',
                description: 'How far back',
                choices: [
                  { name: '1', value: 1 },
                  { name: '7', value: 7 },
                ],
              },
              { type: 4, name: 'limit', description: 'How many' },
              { type: 5, name: 'public', description: 'Show to the channel' },
            ],
          },
          { type: 1, name: 'ping', description: 'Ping', options: [] },
        ],
      },
    ]);
  });

  it('leaves default_member_permissions unset: the runtime decides who may change things', () => {
    const [root] = buildDiscordCommands(registry(ping), 'rblwatch');
    expect(root?.name).toBe('rblwatch');
    expect(root).not.toHaveProperty('default_member_permissions');
  });

  it('refuses more than 25 subcommands and more than 8000 characters', () => {
    const many = Array.from({ length: 26 }, (_, i) =>
      defineCommand({ name: `c${i}`, description: 'd', access: 'read', options: [], run: noop }),
    );
    expect(() => buildDiscordCommands(registry(...many))).toThrow(/at most 25 subcommands/);
    const wordy = Array.from({ length: 20 }, (_, i) =>
      defineCommand({
        name: `w${i}`,
        description: 'd'.repeat(100),
        access: 'read',
        options: Array.from({ length: 4 }, (_, j) => ({
          name: `o${j}`,
          description: 'e'.repeat(100),
          type: 'string' as const,
        })),
        run: noop,
      }),
    );
    expect(() => buildDiscordCommands(registry(...wordy))).toThrow(/Discord allows 8000/);
  });

  it('builds the real command registry within Discord limits', () => {
    const [root] = buildDiscordCommands(commandRegistry);
    const subs = (root?.options ?? []) as { name: string; description: string; options?: unknown[] }[];
    expect(subs.map((sub) => sub.name)).toEqual([...commandRegistry.keys()]);
    expect(countCommandCharacters(root)).toBeLessThanOrEqual(8000);
    for (const sub of subs) {
      expect(sub.name).toMatch(/^[a-z0-9-]{1,32}$/);
      expect(sub.description.length).toBeLessThanOrEqual(100);
      expect((sub.options ?? []).length).toBeLessThanOrEqual(25);
    }
  });
});

describe('diffCommands', () => {
  const desired = buildDiscordCommands(registry(lookup, ping));
  const body = desired[0] as NonNullable<(typeof desired)[0]>;

  it('creates what is missing', () => {
    expect(diffCommands(desired, [])).toEqual({ create: desired, update: [], remove: [] });
  });

  it('sees no change in what Discord echoes back with ids, versions and defaults', () => {
    expect(diffCommands(desired, [asRegistered(body)])).toEqual({ create: [], update: [], remove: [] });
  });

  it('treats null, false and empty defaults as absent, in any key order', () => {
    const reordered = Object.fromEntries(Object.entries(asRegistered(body)).reverse());
    expect(normaliseCommand(reordered)).toBe(normaliseCommand(body));
    expect(normaliseCommand({ ...body, nsfw: false, name_localizations: {} })).toBe(normaliseCommand(body));
  });

  it('updates a command whose description, options or option order changed', () => {
    const changed = buildDiscordCommands(
      registry(defineCommand({ ...lookup, description: 'Look something up, now better' }), ping),
    );
    expect(diffCommands(changed, [asRegistered(body, '7')])).toEqual({
      create: [],
      update: [{ id: '7', body: changed[0] }],
      remove: [],
    });
    const reordered = buildDiscordCommands(registry(ping, lookup));
    expect(diffCommands(reordered, [asRegistered(body, '7')]).update).toHaveLength(1);
    const fewer = buildDiscordCommands(registry(ping));
    expect(diffCommands(fewer, [asRegistered(body, '7')]).update).toHaveLength(1);
  });

  it('notices a permission or context change made by hand in Discord', () => {
    const tampered = { ...asRegistered(body, '7'), default_member_permissions: '32' };
    expect(diffCommands(desired, [tampered]).update).toHaveLength(1);
    const everywhere = { ...asRegistered(body, '7'), contexts: [0, 1, 2] };
    expect(diffCommands(desired, [everywhere]).update).toHaveLength(1);
  });

  it('removes stale commands and duplicates', () => {
    const stale = asRegistered({ name: 'old', description: 'old', type: 1 }, '8');
    const duplicate = asRegistered(body, '9');
    expect(diffCommands(desired, [asRegistered(body, '7'), stale, duplicate])).toEqual({
      create: [],
      update: [],
      remove: ['9', '8'],
    });
  });

  it('matches by type as well as name', () => {
    const userMenu = asRegistered({ name: 'rbl', description: '', type: 2 }, '5');
    expect(diffCommands(desired, [userMenu])).toEqual({ create: desired, update: [], remove: ['5'] });
  });
});
