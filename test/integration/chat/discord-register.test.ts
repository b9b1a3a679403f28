/**
 * Command registration against the fake Discord REST: only the difference is sent, globally or per guild.
 */
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDiscordCommands, registerDiscordCommands } from '../../../src/chat/discord/command-data.ts';
import { createDiscordAdapter } from '../../../src/chat/discord/discord-adapter.ts';
import { defaultChangePolicy } from '../../../src/chat/permissions.ts';
import {
  buildCommandRegistry,
  type CommandDefinition,
  defineCommand,
} from '../../../src/command-api/command.ts';
import { Secret } from '../../../src/domain/secret.ts';
import {
  type FakeDiscord,
  type RecordedCall,
  snowflake,
  startFakeDiscord,
} from '../../helpers/fake-discord.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

const noop = async () => undefined;
const check = defineCommand({
  name: 'check',
  description: 'Look targets up now',
  access: 'read',
  options: [
    {
      name: 'targets',
      description: 'IPs or domains',
      type: 'string',
      required: true,
      autocomplete: 'target',
    },
  ],
  run: noop,
});
const zones = defineCommand({
  name: 'zones',
  description: 'List zones',
  access: 'read',
  options: [{ name: 'public', description: 'Show to the channel', type: 'boolean' }],
  run: noop,
});

let fake: FakeDiscord;
let rest: REST;
const { log } = createMemoryLog();

beforeAll(async () => {
  fake = await startFakeDiscord();
  rest = new REST({ api: fake.apiUrl, retries: 0, timeout: 5_000 }).setToken(fake.token);
});

afterAll(async () => {
  rest?.clearHashSweeper();
  rest?.clearHandlerSweeper();
  await fake?.close();
});

/** Calls to the command routes made by `work`. */
async function callsDuring(work: () => Promise<unknown>): Promise<RecordedCall[]> {
  const before = fake.calls.length;
  await work();
  return fake.calls.slice(before).filter((call) => call.path.includes('/commands'));
}

const writes = (calls: RecordedCall[]) => calls.filter((call) => call.method !== 'GET');

function register(commands: CommandDefinition[], guildId?: string) {
  return registerDiscordCommands({
    rest,
    applicationId: fake.applicationId,
    ...(guildId ? { guildId } : {}),
    registry: buildCommandRegistry(commands),
    log,
  });
}

describe.each([
  ['globally', undefined],
  ['in one guild', 'guild'],
] as const)('registerDiscordCommands %s', (_title, where) => {
  const guild = () => (where ? fake.guildId : undefined);
  const scope = () => (where ? fake.guildId : 'global');

  it('first run creates the root command', async () => {
    let result: Awaited<ReturnType<typeof register>> | undefined;
    const calls = await callsDuring(async () => {
      result = await register([check, zones], guild());
    });
    expect(result).toEqual({ scope: where ? 'guild' : 'global', created: ['rbl'], updated: [], removed: [] });
    expect(calls.map((call) => call.method)).toEqual(['GET', 'POST']);
    expect(calls[1]?.auth).toBe(`Bot ${fake.token}`);
    const stored = fake.commands(scope());
    expect(stored.map((command) => command.name)).toEqual(['rbl']);
    expect(((stored[0]?.options ?? []) as { name: string }[]).map((option) => option.name)).toEqual([
      'check',
      'zones',
    ]);
    if (where) expect(stored[0]).not.toHaveProperty('contexts');
    else expect(stored[0]).toMatchObject({ contexts: [0], integration_types: [0] });
  });

  it('a second run with no change reads and writes nothing', async () => {
    let result: Awaited<ReturnType<typeof register>> | undefined;
    const calls = await callsDuring(async () => {
      result = await register([check, zones], guild());
    });
    expect(result).toMatchObject({ created: [], updated: [], removed: [] });
    expect(calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('a changed description is one PATCH of that command', async () => {
    const id = fake.commands(scope())[0]?.id;
    const changed = defineCommand({ ...zones, description: 'List the zones in use and their health' });
    const calls = await callsDuring(() => register([check, changed], guild()));
    expect(writes(calls).map((call) => `${call.method} ${call.path}`)).toEqual([
      `PATCH /applications/${fake.applicationId}${where ? `/guilds/${fake.guildId}` : ''}/commands/${id}`,
    ]);
    const sub = ((fake.commands(scope())[0]?.options ?? []) as { name: string; description: string }[])[1];
    expect(sub?.description).toBe('List the zones in use and their health');
    expect(writes(await callsDuring(() => register([check, changed], guild())))).toEqual([]);
  });

  it('a command that is no longer wanted is deleted', async () => {
    await register([check, zones], guild());
    const [stale] = fake
      .seedCommands(
        [...fake.commands(scope()), { name: 'oldbot', description: 'from an earlier version' }],
        scope(),
      )
      .slice(-1);
    let result: Awaited<ReturnType<typeof register>> | undefined;
    const calls = await callsDuring(async () => {
      result = await register([check, zones], guild());
    });
    expect(result).toMatchObject({ created: [], updated: [], removed: ['oldbot'] });
    expect(writes(calls).map((call) => `${call.method} ${call.path.split('/').at(-1)}`)).toEqual([
      `DELETE ${stale?.id}`,
    ]);
    expect(fake.commands(scope()).map((command) => command.name)).toEqual(['rbl']);
  });

  it('a subcommand taken out of the registry is one PATCH of the root command', async () => {
    const calls = await callsDuring(() => register([check], guild()));
    expect(writes(calls).map((call) => call.method)).toEqual(['PATCH']);
    expect(
      ((fake.commands(scope())[0]?.options ?? []) as { name: string }[]).map((option) => option.name),
    ).toEqual(['check']);
  });
});

describe('registerDiscordCommands failures', () => {
  it('rejects with Discord status when the token is refused, without sending writes', async () => {
    const bad = new REST({ api: fake.apiUrl, retries: 0 }).setToken('wrong');
    const before = fake.calls.length;
    await expect(
      registerDiscordCommands({
        rest: bad,
        applicationId: fake.applicationId,
        registry: buildCommandRegistry([check]),
        log,
      }),
    ).rejects.toMatchObject({ status: 401 });
    expect(fake.calls.slice(before).map((call) => call.method)).toEqual(['GET']);
    bad.clearHashSweeper();
    bad.clearHandlerSweeper();
  });

  it('builds the same data it registers', () => {
    expect(buildDiscordCommands(buildCommandRegistry([check]))[0]?.name).toBe('rbl');
  });
});

describe('Discord adapter start()', () => {
  function adapterWith(token: string, guildIds: readonly string[] = [fake.guildId], logger = log) {
    return createDiscordAdapter({
      config: {
        token: new Secret(token),
        applicationId: fake.applicationId,
        guildIds,
        command: 'rbl',
        apiUrl: fake.apiUrl,
        policy: defaultChangePolicy,
      },
      registry: buildCommandRegistry([check, zones]),
      runtime: { run: async () => undefined },
      services: { store: { listInventory: async () => [] }, zones: { list: () => [] } },
      log: logger,
      clientOptions: { waitGuildTimeout: 1_000 },
    });
  }

  it('registers in every served guild, and only warns about a global /rbl left from before', async () => {
    const other = snowflake();
    fake.seedCommands([], fake.guildId);
    fake.seedCommands([], other);
    const [stale] = fake.seedCommands(buildDiscordCommands(buildCommandRegistry([check])) as never[]);
    const memory = createMemoryLog();
    const adapter = adapterWith(fake.token, [fake.guildId, other], memory.log);
    const calls = await callsDuring(() => adapter.start());
    await adapter.stop();
    expect(writes(calls).map((call) => `${call.method} ${call.path}`)).toEqual([
      `POST /applications/${fake.applicationId}/guilds/${fake.guildId}/commands`,
      `POST /applications/${fake.applicationId}/guilds/${other}/commands`,
    ]);
    expect(fake.commands(fake.guildId).map((command) => command.name)).toEqual(['rbl']);
    expect(fake.commands(other).map((command) => command.name)).toEqual(['rbl']);
    // The global command is left alone, and reported.
    expect(fake.commands('global').map((command) => command.id)).toEqual([stale?.id]);
    const warning = memory.lines.find((line) => String(line.msg).includes('a global /rbl is registered'));
    expect(warning).toMatchObject({ level: 40, ids: [stale?.id] });
    fake.seedCommands([], 'global');
  });

  it('registers on the first start and writes nothing when restarted unchanged', async () => {
    fake.seedCommands([], fake.guildId);
    const first = adapterWith(fake.token);
    const firstCalls = await callsDuring(() => first.start());
    await first.stop();
    expect(writes(firstCalls).map((call) => call.method)).toEqual(['POST']);
    const second = adapterWith(fake.token);
    const secondCalls = await callsDuring(() => second.start());
    await second.stop();
    // One read of the guild's commands, one of the global ones (for the stale-registration warning).
    expect(secondCalls.map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /applications/${fake.applicationId}/guilds/${fake.guildId}/commands`,
      `GET /applications/${fake.applicationId}/commands`,
    ]);
  });

  it('refuses a bad token with a coded error that does not contain it', async () => {
    const token = 'definitely.not.the-token';
    const adapter = adapterWith(token);
    const error = await adapter.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await adapter.stop();
    expect(error).toMatchObject({ code: 'CHAT_API_ERROR' });
    expect(String((error as Error).message)).not.toContain(token);
  });
});
