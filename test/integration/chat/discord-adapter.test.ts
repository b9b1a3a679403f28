/**
 * The Discord adapter end to end: the real discord.js client logged in to the fake Discord (REST + gateway on
 * loopback), the real command runtime, and commands answered through real interaction callbacks and webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import {
  buildCommandRegistry,
  type CommandDefinition,
  type CommandStore,
  defineCommand,
} from '../../../src/command-api/command.ts';
import type { CheckResult } from '../../../src/domain/check-result.ts';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import { type CommandHarness, createCommandHarness } from '../../helpers/command-harness.ts';
import { createDiscordHarness, type DiscordHarness } from '../../helpers/discord-harness.ts';
import type { InteractionRecord } from '../../helpers/fake-discord.ts';

const ROLE_OPS = '223344556677889900';
const HOSTILE =
  '@everyone @here <@&123456789> <@42> <#1> **bold** __u__ ~~s~~ ||spoiler|| `code` [click](https://evil.example) # heading\n- list \u0000\u0007\u001b[2J\u202eevil\u2066 > quote';

function listed(target: string): CheckResult {
  return {
    target,
    zone: 'bl.test',
    status: 'listed',
    codes: ['127.0.0.2'],
    meanings: ['spam source'],
    classes: ['listed'],
    txt: ['see https://bl.test'],
    severity: 'critical',
    delist: `https://bl.test/?ip=${target}`,
    ms: 1,
  };
}

/**
 * Resolves once Discord has received a defer for the interaction being run: a command slow to answer waits for
 * this instead of sleeping past `autoDeferMs`, so it is slow for exactly as long as the adapter needs.
 */
function deferReceived(): Promise<unknown> {
  return harness.fake.waitFor(
    () =>
      harness.fake.interaction(harness.lastInteractionId() ?? '')?.callbacks.some((c) => c.type === 5) ||
      undefined,
    5_000,
    'the defer',
  );
}

const echo = defineCommand({
  name: 'echo',
  description: 'Reply with the text',
  access: 'read',
  options: [
    { name: 'text', description: 'What to say', type: 'string', required: true },
    { name: 'count', description: 'A number', type: 'integer' },
    { name: 'public', description: 'Show to the channel', type: 'boolean' },
  ],
  async run(context) {
    await context.reply({
      title: `echo: ${String(context.args.text)}`,
      lines: [
        `count=${String(context.args.count)} (${typeof context.args.count})`,
        `user=${context.user.name}`,
      ],
      ephemeral: context.args.public !== true,
    });
  },
});

const hostile = defineCommand({
  name: 'hostile',
  description: 'Echo untrusted text everywhere',
  access: 'read',
  options: [{ name: 'text', description: 'Untrusted', type: 'string', required: true }],
  async run(context) {
    const text = String(context.args.text);
    await context.reply({
      title: text,
      lines: [text, 'y'.repeat(6000), ...Array.from({ length: 300 }, (_, i) => `line ${i} ${text}`)],
      links: [{ label: text, url: 'https://bl.test/delist' }],
      footer: text,
      ephemeral: false,
    });
  },
});

const grant = defineCommand({
  name: 'grant',
  description: 'A command that changes state',
  access: 'change',
  options: [],
  async run(context) {
    await context.reply({
      title: 'granted',
      lines: [`roles=${(context.user.roles ?? []).join(',')} admin=${String(context.user.admin)}`],
    });
  },
});

const boom = defineCommand({
  name: 'boom',
  description: 'Fails inside',
  access: 'read',
  options: [],
  async run(context) {
    await context.defer();
    throw new Error('database password hunter2 leaked in an internal error');
  },
});

const slow = defineCommand({
  name: 'slow',
  description: 'Defers, works, answers',
  access: 'read',
  options: [{ name: 'public', description: 'Show to the channel', type: 'boolean' }],
  async run(context) {
    await context.defer();
    await context.reply({ title: 'slow answer', lines: ['done'], ephemeral: context.args.public !== true });
    await context.reply({ title: 'second answer', lines: ['follow-up'], ephemeral: true });
  },
});

const dawdle = defineCommand({
  name: 'dawdle',
  description: 'Answers late without deferring',
  access: 'read',
  options: [],
  async run(context) {
    await deferReceived();
    await context.reply({ title: 'late answer', lines: [] });
  },
});

const quiet = defineCommand({
  name: 'quiet',
  description: 'Defers and never answers',
  access: 'read',
  options: [],
  async run(context) {
    await context.defer();
  },
});

const pick = defineCommand({
  name: 'pick',
  description: 'Options with autocomplete',
  access: 'read',
  options: [
    { name: 'zone', description: 'A zone', type: 'string', autocomplete: 'zone' },
    { name: 'targets', description: 'Targets', type: 'string', autocomplete: 'target', rest: true },
  ],
  async run(context) {
    await context.reply({ title: 'picked', lines: [JSON.stringify(context.args)] });
  },
});

/** A change command whose store is slow: it answers after the automatic defer (500 ms in this suite). */
const announce = defineCommand({
  name: 'announce',
  description: 'Changes state slowly, then announces or refuses',
  access: 'change',
  options: [
    { name: 'outcome', description: 'announce, refuse or throw', type: 'string', required: true },
    { name: 'defer', description: 'Defer first, as scan does', type: 'boolean' },
  ],
  async run(context) {
    if (context.args.defer === true) await context.defer();
    await deferReceived();
    if (context.args.outcome === 'throw') throw new UserError(ErrorCode.USAGE, 'that target is not watched');
    if (context.args.outcome === 'refuse') {
      await context.reply({ title: 'Nothing was changed', lines: ['private reason'], ephemeral: true });
      return;
    }
    await context.reply({ title: 'Now watching 192.0.2.1', lines: ['by bob'], ephemeral: false });
  },
});

const commands: CommandDefinition[] = [
  checkCommand,
  echo,
  hostile,
  grant,
  boom,
  slow,
  dawdle,
  quiet,
  pick,
  announce,
];

let services: CommandHarness;
let harness: DiscordHarness;
const bob = { id: '300000000000000001', name: 'bob' };

beforeAll(async () => {
  services = await createCommandHarness({
    lookup: {
      check: async (targets) => ({
        results: targets.map((t) => listed(t.value)),
        zones: [],
        resolver: { status: 'ok', detail: '' },
      }),
    },
  });
  for (const target of ['203.0.113.7', '198.51.100.0/28', '192.0.2.25', 'mail.example.com']) {
    await services.store.putInventory({
      target,
      kind: target.includes('/') ? 'cidr' : /^[\d.]+$/.test(target) ? 'ip4' : 'domain',
      labels: {},
      source: 'store',
      addedAt: '2026-01-01T00:00:00.000Z',
    });
  }
  let ids = 0;
  harness = await createDiscordHarness({
    registry: buildCommandRegistry(commands),
    services: services.services,
    policy: { users: [], roles: [ROLE_OPS], admins: true },
    newId: () => `corr${++ids}`,
    autoDeferMs: 500,
  });
});

afterAll(async () => {
  await harness?.close();
  await services?.close();
});

function record(): InteractionRecord {
  const id = harness.lastInteractionId();
  const found = id ? harness.fake.interaction(id) : undefined;
  if (!found) throw new Error('no interaction recorded');
  return found;
}

/** The text of one sent body. */
function visible(body: Record<string, unknown> | undefined): string {
  return JSON.stringify(body ?? {});
}

/** Every body the bot sent for the last interaction (callback data, edits, follow-ups). */
function sentBodies(): Record<string, unknown>[] {
  const r = record();
  return [...r.callbacks.map((c) => c.data ?? {}), ...r.edits, ...r.followups];
}

describe('Discord adapter: connecting and registering', () => {
  it('logs in with the Guilds intent only and registers one /rbl command with a subcommand each', () => {
    const identify = harness.fake.frames.find((frame) => frame.op === 2);
    expect((identify?.d as { intents: number } | undefined)?.intents).toBe(1);
    const registered = harness.fake.commands(harness.fake.guildId);
    expect(registered.map((c) => c.name)).toEqual(['rbl']);
    const subs = ((registered[0]?.options ?? []) as { name: string }[]).map((o) => o.name);
    expect(subs).toEqual(commands.map((c) => c.name));
  });
});

describe('Discord adapter: commands', () => {
  it('round trip with deferral: check defers ephemerally, then edits the original with the answer', async () => {
    const replies = await harness.invoke('check', { targets: '8.8.4.4' }, bob);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.ephemeral).toBe(true);
    expect(replies[0]?.text).toContain('1 listing found');
    expect(replies[0]?.text).toContain('LISTED 8.8.4.4 on bl.test');
    const r = record();
    expect(r.callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(r.edits).toHaveLength(1);
    expect(r.edits[0]).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it('answers ephemerally by default, publicly only when the message says so', async () => {
    const privately = await harness.invoke('echo', { text: 'hi' }, bob);
    expect(privately).toEqual([{ text: expect.stringContaining('echo: hi'), ephemeral: true }]);
    expect(record().callbacks[0]).toMatchObject({ type: 4, data: { flags: 64 } });

    const publicly = await harness.invoke('echo', { text: 'hi', public: true }, bob);
    expect(publicly).toEqual([{ text: expect.stringContaining('echo: hi'), ephemeral: false }]);
    expect(record().callbacks[0]?.type).toBe(4);
    expect(record().callbacks[0]?.data?.flags ?? 0).toBe(0);
  });

  it('maps typed options: strings, integers and booleans arrive as such', async () => {
    const [reply] = await harness.invoke('echo', { text: 'n', count: 7 }, bob);
    expect(reply?.text).toContain('count=7 (number)');
    expect(reply?.text).toContain('user=bob');
  });

  it('defers publicly when the answer is for the channel, and follows up after the first answer', async () => {
    const replies = await harness.invoke('slow', { public: true }, bob);
    expect(record().callbacks).toEqual([{ type: 5, data: { flags: 0 } }]);
    expect(replies).toEqual([
      { text: expect.stringContaining('slow answer'), ephemeral: false },
      { text: expect.stringContaining('second answer'), ephemeral: true },
    ]);
  });

  it('defers by itself when a command is slow to answer, so Discord does not drop the interaction', async () => {
    const replies = await harness.invoke('dawdle', {}, bob);
    expect(record().callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(replies).toEqual([{ text: expect.stringContaining('late answer'), ephemeral: true }]);
  });

  it('never leaves "thinking…" behind when a command ends without answering', async () => {
    const replies = await harness.invoke('quiet', {}, bob);
    expect(replies).toEqual([
      { text: expect.stringContaining('finished without an answer'), ephemeral: true },
    ]);
  });

  it('answers a command this version does not know with a short ephemeral note', async () => {
    const replies = await harness.invoke('nonexistent', {}, bob);
    expect(replies).toEqual([{ text: expect.stringContaining('Unknown command'), ephemeral: true }]);
  });
});

describe('Discord adapter: change commands slow to answer', () => {
  const ops = { ...bob, roles: [ROLE_OPS] };

  it('defers publicly, so the announcement still reaches the channel', async () => {
    const replies = await harness.invoke('announce', { outcome: 'announce' }, ops);
    expect(record().callbacks).toEqual([{ type: 5, data: { flags: 0 } }]);
    expect(replies).toEqual([{ text: expect.stringContaining('Now watching 192.0.2.1'), ephemeral: false }]);
  });

  it('still answers a refusal privately after the public defer, and leaves nothing in the channel', async () => {
    const replies = await harness.invoke('announce', { outcome: 'refuse' }, ops);
    expect(record().callbacks).toEqual([{ type: 5, data: { flags: 0 } }]);
    expect(replies).toEqual([{ text: expect.stringContaining('Nothing was changed'), ephemeral: true }]);
    // The public deferred response only ever showed a neutral line, and is gone.
    expect(record().edits).toHaveLength(1);
    expect(visible(record().edits[0])).not.toContain('private reason');
    expect(record().original?.deleted).toBe(true);
  });

  it('keeps a user error private after the public defer', async () => {
    const replies = await harness.invoke('announce', { outcome: 'throw' }, ops);
    expect(replies).toEqual([
      { text: expect.stringContaining('that target is not watched'), ephemeral: true },
    ]);
    expect(record().original?.deleted).toBe(true);
  });

  it('keeps the defer a change command asks for itself private, as scan expects', async () => {
    const replies = await harness.invoke('announce', { outcome: 'refuse', defer: true }, ops);
    expect(record().callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
    expect(replies).toEqual([{ text: expect.stringContaining('Nothing was changed'), ephemeral: true }]);
  });
});

describe('Discord adapter: servers it does not serve', () => {
  const elsewhere = '500000000000000001';

  function refusals(guild: string | null) {
    return harness.logs.filter(
      (line) =>
        line.level === 40 &&
        line.guild === guild &&
        line.msg === 'refused a Discord interaction from a server rblwatch does not serve',
    );
  }

  it('refuses a command from another server, even from its admins, before the runtime', async () => {
    const replies = await harness.invoke('grant', {}, { ...bob, admin: true }, { guildId: elsewhere });
    expect(replies).toEqual([
      { text: expect.stringContaining('rblwatch is not enabled in this server'), ephemeral: true },
    ]);
    expect(replies[0]?.text).not.toContain('granted');
    expect(harness.reachedRuntime(harness.lastInteractionId() ?? '')).toBe(false);
    expect(refusals(elsewhere)).toHaveLength(1);
  });

  it('refuses read commands there too (reports carry customer labels)', async () => {
    const replies = await harness.invoke('echo', { text: 'hi' }, bob, { guildId: elsewhere });
    expect(replies).toEqual([
      { text: expect.stringContaining('rblwatch is not enabled in this server'), ephemeral: true },
    ]);
    expect(harness.reachedRuntime(harness.lastInteractionId() ?? '')).toBe(false);
  });

  it('refuses a command from outside any server (a direct message)', async () => {
    const replies = await harness.invoke('echo', { text: 'hi' }, bob, { guildId: null });
    expect(replies).toEqual([
      { text: expect.stringContaining('rblwatch is not enabled in this server'), ephemeral: true },
    ]);
    expect(harness.reachedRuntime(harness.lastInteractionId() ?? '')).toBe(false);
    expect(refusals(null)).toHaveLength(1);
  });

  it('suggests nothing there, not even watched targets', async () => {
    const before = refusals(elsewhere).length;
    const { id } = await harness.fake.sendAutocomplete({
      subcommand: 'pick',
      options: [{ name: 'targets', type: 3, value: '19', focused: true }],
      user: bob,
      guildId: elsewhere,
    });
    const callback = await harness.fake.waitFor(
      () => harness.fake.interaction(id)?.callbacks[0],
      5_000,
      'the autocomplete answer',
    );
    expect(callback).toEqual({ type: 8, data: { choices: [] } });
    expect(refusals(elsewhere)).toHaveLength(before + 1);
  });

  it('still serves its own server', async () => {
    const replies = await harness.invoke('grant', {}, { ...bob, admin: true });
    expect(replies[0]?.text).toContain('granted');
  });
});

describe('Discord adapter: permissions for change commands', () => {
  it('refuses a member with neither an allowed role nor Manage Server', async () => {
    const replies = await harness.invoke('grant', {}, { ...bob, roles: ['999999999999999999'] });
    expect(replies).toEqual([{ text: expect.stringContaining('Not allowed'), ephemeral: true }]);
    expect(replies[0]?.text).not.toContain('granted');
  });

  it('allows a member with an allowed role, and passes the role ids on', async () => {
    const replies = await harness.invoke('grant', {}, { ...bob, roles: [ROLE_OPS] });
    expect(replies[0]?.text).toContain('granted');
    expect(replies[0]?.text).toContain(`roles=${ROLE_OPS} admin=false`);
  });

  it('takes ids that are not snowflakes (as a shared contract suite may use)', async () => {
    const replies = await harness.invoke(
      'grant',
      {},
      { id: 'U1', name: 'alice', roles: ['ops'], admin: true },
    );
    expect(replies[0]?.text).toContain('roles=ops admin=true');
  });

  it('allows a member with Manage Server', async () => {
    const replies = await harness.invoke('grant', {}, { ...bob, admin: true });
    expect(replies[0]?.text).toContain('granted');
    expect(replies[0]?.text).toContain('admin=true');
  });
});

describe('Discord adapter: hostile input', () => {
  it('escapes markdown and mentions, strips control characters, keeps to the embed limits, pings nobody', async () => {
    const replies = await harness.invoke('hostile', { text: `${HOSTILE} ${'z'.repeat(6000)}` }, bob);
    expect(replies).toHaveLength(1);
    const body = sentBodies()[0] as Record<string, unknown>;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const embed = (body.embeds as Record<string, string & { text?: string }>[])[0] as Record<string, unknown>;
    const title = String(embed.title);
    const description = String(embed.description);
    const footer = String((embed.footer as { text: string }).text);
    expect(title.length).toBeLessThanOrEqual(256);
    expect(description.length).toBeLessThanOrEqual(4096);
    expect(title.length + description.length + footer.length).toBeLessThanOrEqual(6000);
    expect(description).toMatch(/… and \d+ more$/);
    for (const text of [title, description, footer]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e\u2066]/);
      expect(text).not.toMatch(/@(everyone|here)/);
    }
    for (const text of [title, description]) {
      expect(text).not.toMatch(/(^|[^\\])<@/);
      expect(text).not.toMatch(/(^|[^\\])\*\*/);
      expect(text).not.toMatch(/(^|[^\\])\[click/);
      expect(text).toContain('\\<@&123456789\\>');
    }
    const button = (body.components as { components: { label: string; url: string }[] }[])[0]?.components[0];
    expect(button?.url).toBe('https://bl.test/delist');
    expect(button?.label.length).toBeLessThanOrEqual(80);
    // What the user reads is the text itself, shown literally.
    expect(replies[0]?.text).toContain('<@&123456789> <@42>');
    expect(replies[0]?.text).toContain('**bold**');
  });
});

describe('Discord adapter: errors', () => {
  it('shows a generic reply with the correlation id and logs the details', async () => {
    const replies = await harness.invoke('boom', {}, bob);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain('Something went wrong');
    expect(replies[0]?.text).toMatch(/Reference: corr\d+/);
    expect(replies[0]?.text).not.toContain('hunter2');
    const reference = /Reference: (corr\d+)/.exec(replies[0]?.text ?? '')?.[1];
    expect(harness.logs.some((line) => line.invocation === reference && line.msg === 'command failed')).toBe(
      true,
    );
  });

  it('logs a reply Discord refuses and keeps serving', async () => {
    // An interaction whose token the fake does not know: every answer gets 404 Unknown interaction.
    await harness.fake.dispatch('INTERACTION_CREATE', {
      id: '400000000000000001',
      application_id: harness.fake.applicationId,
      type: 2,
      token: 'not-a-known-token',
      version: 1,
      guild_id: harness.fake.guildId,
      channel_id: harness.fake.channelId,
      member: {
        user: { id: bob.id, username: bob.name, discriminator: '0', avatar: null },
        roles: [],
        joined_at: new Date(0).toISOString(),
        permissions: '0',
        deaf: false,
        mute: false,
      },
      app_permissions: '0',
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': harness.fake.guildId },
      context: 0,
      data: { id: '1', name: 'rbl', type: 1, options: [{ name: 'echo', type: 1, options: [] }] },
    });
    await harness.waitForLog('Discord interaction handler failed');
    expect(harness.logs.some((line) => line.msg === 'could not deliver the reply')).toBe(true);
    const replies = await harness.invoke('echo', { text: 'still here' }, bob);
    expect(replies[0]?.text).toContain('still here');
  });

  it('never logs the bot token', () => {
    expect(harness.logText()).not.toContain(harness.fake.token);
  });
});

describe('Discord adapter: autocomplete', () => {
  async function complete(option: string, value: string, other: { name: string; value: string }[] = []) {
    const { id } = await harness.fake.sendAutocomplete({
      subcommand: 'pick',
      options: [...other.map((o) => ({ ...o, type: 3 })), { name: option, type: 3, value, focused: true }],
      user: bob,
    });
    const callback = await harness.fake.waitFor(
      () => harness.fake.interaction(id)?.callbacks[0],
      5_000,
      'the autocomplete answer',
    );
    expect(callback.type).toBe(8);
    return (callback.data?.choices ?? []) as { name: string; value: string }[];
  }

  it('suggests watched targets by prefix', async () => {
    expect((await complete('targets', '19')).map((c) => c.value)).toEqual(['192.0.2.25', '198.51.100.0/28']);
    expect((await complete('targets', 'MAIL')).map((c) => c.value)).toEqual(['mail.example.com']);
  });

  it('completes the last word of a free-text target list', async () => {
    expect((await complete('targets', '203.0.113.7 198.')).map((c) => c.value)).toEqual([
      '203.0.113.7 198.51.100.0/28',
    ]);
  });

  it('suggests zone names', async () => {
    const choices = await complete('zone', 'bl');
    expect(choices).toEqual([{ name: 'bl.test (Test BL)', value: 'bl.test' }]);
    expect((await complete('zone', '')).length).toBe(3);
  });

  it('answers with no suggestions rather than failing when the store throws', async () => {
    const original = services.services.store.listInventory;
    const store = services.services.store as { listInventory: CommandStore['listInventory'] };
    store.listInventory = () => Promise.reject(new Error('store down'));
    try {
      expect(await complete('targets', '1')).toEqual([]);
    } finally {
      store.listInventory = original;
    }
  });
});

describe('Discord adapter: gateway reconnects', () => {
  it('resumes after the gateway closes the socket and still answers commands', async () => {
    const resumes = harness.fake.resumes;
    harness.fake.dropConnection({ code: 4000 });
    await harness.fake.waitFor(() => harness.fake.resumes > resumes, 10_000, 'a RESUME');
    const replies = await harness.invoke('echo', { text: 'after resume' }, bob);
    expect(replies[0]?.text).toContain('after resume');
  });

  it('identifies anew when Discord no longer knows the session', async () => {
    const identifies = harness.fake.identifies;
    harness.fake.forgetSessions();
    harness.fake.dropConnection({ code: 4000 });
    await harness.fake.waitFor(() => harness.fake.identifies > identifies, 15_000, 'a new IDENTIFY');
    const replies = await harness.invoke('echo', { text: 'after identify' }, bob);
    expect(replies[0]?.text).toContain('after identify');
  });

  it('resumes after the TCP connection is cut without a close frame', async () => {
    const resumes = harness.fake.resumes;
    harness.fake.dropConnection({ terminate: true });
    await harness.fake.waitFor(() => harness.fake.resumes > resumes, 10_000, 'a RESUME');
    const replies = await harness.invoke('echo', { text: 'after reset' }, bob);
    expect(replies[0]?.text).toContain('after reset');
  });
});
