/**
 * The Discord adapter's answering rules without a gateway: a discord.js `Client` that never logs in is handed in
 * through `createClient`, interactions are emitted at it, and time is fake, so the automatic defer is checked to
 * the millisecond instead of being outrun with sleeps. The gateway itself is tested against the fake Discord in
 * test/integration/chat/discord-adapter.test.ts.
 */
import { Client, type ClientOptions, Events, type Interaction, MessageFlags } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCommandRuntime } from '../../../src/chat/command-runtime.ts';
import { createDiscordAdapter } from '../../../src/chat/discord/discord-adapter.ts';
import { createRateLimiter } from '../../../src/chat/rate-limit.ts';
import {
  buildCommandRegistry,
  type CommandServices,
  defineCommand,
} from '../../../src/command-api/command.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

const GUILD = '100000000000000001';

/** A command the test ends by hand: it answers (or refuses) when `finish` is called. */
function held() {
  let finish: (answer: 'announce' | 'refuse') => void = () => {};
  const answer = new Promise<'announce' | 'refuse'>((resolve) => {
    finish = resolve;
  });
  return { answer, finish: (value: 'announce' | 'refuse') => finish(value) };
}

let pending = held();

const commands = buildCommandRegistry([
  defineCommand({
    name: 'slow',
    description: 'Answers when the test says so',
    access: 'read',
    options: [],
    async run(context) {
      await pending.answer;
      await context.reply({ title: 'late answer', lines: [] });
    },
  }),
  defineCommand({
    name: 'change',
    description: 'Changes state, then announces or refuses when the test says so',
    access: 'change',
    options: [],
    async run(context) {
      const outcome = await pending.answer;
      if (outcome === 'refuse') {
        await context.reply({ title: 'Nothing was changed', lines: ['private reason'], ephemeral: true });
        return 'refused';
      }
      await context.reply({ title: 'Now watching 192.0.2.1', lines: [], ephemeral: false });
      return 'ok';
    },
  }),
]);

/** What an interaction was asked to do, in order. */
type Call = { readonly method: string; readonly flags?: number; readonly text?: string };

/** A chat input interaction with only what the adapter reads and calls; every call is recorded. */
function interaction(subcommand: string, calls: Call[], options: { admin?: boolean } = {}) {
  const record = (method: string) => async (payload?: { flags?: number; embeds?: { title?: string }[] }) => {
    calls.push({
      method,
      ...(payload?.flags !== undefined ? { flags: payload.flags } : {}),
      ...(payload?.embeds?.[0]?.title !== undefined ? { text: payload.embeds[0].title } : {}),
    });
  };
  const fake = {
    id: '200000000000000001',
    guildId: GUILD,
    commandName: 'rbl',
    user: { id: '300000000000000001', username: 'bob' },
    member: { roles: [] as string[] },
    memberPermissions: { has: () => options.admin === true },
    isAutocomplete: () => false,
    isChatInputCommand: () => true,
    options: {
      getSubcommand: () => subcommand,
      getString: () => null,
      getInteger: () => null,
      getBoolean: () => null,
    },
    reply: record('reply'),
    deferReply: record('deferReply'),
    editReply: record('editReply'),
    followUp: record('followUp'),
    deleteReply: record('deleteReply'),
  };
  // A fake of the few members used: discord.js interactions are classes built from gateway payloads.
  return fake as unknown as Interaction;
}

let client: Client | undefined;
let stop: (() => Promise<void>) | undefined;

function adapter() {
  const memory = createMemoryLog();
  const built: ClientOptions[] = [];
  const chat = createDiscordAdapter({
    config: {
      token: new Secret('unused'),
      applicationId: '400000000000000001',
      guildIds: [GUILD],
      command: 'rbl',
      policy: { users: [], roles: [], admins: true },
    },
    registry: commands,
    runtime: createCommandRuntime({
      // These commands read no service.
      services: {} as CommandServices,
      log: memory.log,
      policy: { users: [], roles: [], admins: true },
      limiter: createRateLimiter(),
    }),
    services: { store: { listInventory: async () => [] }, zones: { list: () => [] } },
    log: memory.log,
    registerCommands: false,
    autoDeferMs: 500,
    createClient: (options) => {
      built.push(options);
      client = new Client(options);
      return client;
    },
  });
  stop = () => chat.stop();
  return { built, memory };
}

/** Emits an interaction at the client, as the gateway would. */
function send(subject: Interaction): void {
  if (!client) throw new Error('no client built');
  client.emit(Events.InteractionCreate, subject);
}

beforeEach(() => {
  vi.useFakeTimers();
  pending = held();
});

afterEach(async () => {
  await stop?.();
  vi.useRealTimers();
});

describe('Discord adapter without a gateway', () => {
  it('builds its client with the Guilds intent only and no mentions', () => {
    const { built } = adapter();
    expect(built).toHaveLength(1);
    expect(built[0]?.intents).toEqual([1]);
    expect(built[0]?.allowedMentions).toEqual({ parse: [] });
  });

  it('defers privately exactly when autoDeferMs has passed without an answer, then edits the deferred reply', async () => {
    adapter();
    const calls: Call[] = [];
    send(interaction('slow', calls));
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ method: 'deferReply', flags: MessageFlags.Ephemeral }]);
    pending.finish('announce');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.method)).toEqual(['deferReply', 'editReply']);
  });

  it('never defers a command that answers in time, however long the test waits afterwards', async () => {
    adapter();
    const calls: Call[] = [];
    send(interaction('slow', calls));
    await vi.advanceTimersByTimeAsync(100);
    pending.finish('announce');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([{ method: 'reply', flags: MessageFlags.Ephemeral, text: 'late answer' }]);
  });

  it('defers a slow change command publicly, so its announcement reaches the channel', async () => {
    adapter();
    const calls: Call[] = [];
    send(interaction('change', calls, { admin: true }));
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toEqual([{ method: 'deferReply' }]);
    pending.finish('announce');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.at(-1)).toEqual({ method: 'editReply', text: 'Now watching 192.0.2.1' });
  });

  it('keeps a refusal private after a public defer: placeholder, ephemeral follow-up, placeholder deleted', async () => {
    adapter();
    const calls: Call[] = [];
    send(interaction('change', calls, { admin: true }));
    await vi.advanceTimersByTimeAsync(500);
    pending.finish('refuse');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([
      { method: 'deferReply' },
      { method: 'editReply', text: 'Answered privately' },
      { method: 'followUp', flags: MessageFlags.Ephemeral, text: 'Nothing was changed' },
      { method: 'deleteReply' },
    ]);
  });
});
