/**
 * The Discord adapter, end to end: the real discord.js client logged in to the fake Discord, wired to the real
 * command runtime. `invoke` sends a real INTERACTION_CREATE through the fake gateway and returns what reached the
 * fake REST for that interaction, as the user would see it. Same shape as the Slack harness, so one contract
 * suite runs over both.
 */
import type { ChatAdapter } from '../../src/chat/chat-adapter.ts';
import type { DiscordConfig } from '../../src/chat/chat-config.ts';
import { type CommandRuntime, createCommandRuntime } from '../../src/chat/command-runtime.ts';
import { createDiscordAdapter, type DiscordInvocation } from '../../src/chat/discord/discord-adapter.ts';
import { type ChangePolicy, defaultChangePolicy } from '../../src/chat/permissions.ts';
import { createRateLimiter, type RateLimiter } from '../../src/chat/rate-limit.ts';
import type { CommandDefinition, CommandServices } from '../../src/command-api/command.ts';
import { Secret } from '../../src/domain/secret.ts';
import {
  type FakeDiscord,
  type FakeUser,
  type InteractionOptionValue,
  isEphemeralFlags,
  startFakeDiscord,
} from './fake-discord.ts';
import { createMemoryLog, type MemoryLog } from './memory-log.ts';
import type { HarnessReply, HarnessUser } from './slack-harness.ts';

/** One message as the user sees it. */
// The shape shared with the Slack harness (and the chat contract suite).
export type { HarnessReply, HarnessUser } from './slack-harness.ts';

export interface DiscordHarnessOptions {
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  readonly services: CommandServices;
  /** Default: Manage Server may change, nobody else. */
  readonly policy?: ChangePolicy;
  /** Default: generous (1000 a minute), so contract tests are not throttled by accident. */
  readonly limiter?: RateLimiter;
  /** Correlation ids for the runtime (default random). */
  readonly newId?: () => string;
  /** The adapter's automatic defer deadline (default the adapter's, 2 s). */
  readonly autoDeferMs?: number;
}

export interface DiscordHarness {
  readonly platform: 'discord';
  readonly adapter: ChatAdapter;
  /** `from.guildId`: send from another server (or `null`: a direct message) instead of the served one. */
  invoke(
    name: string,
    args: Record<string, string | number | boolean>,
    user: HarnessUser,
    from?: { readonly guildId?: string | null },
  ): Promise<HarnessReply[]>;
  channelMessages(channel: string): HarnessReply[];
  close(): Promise<void>;
  /** Discord-specific extras for platform tests: the fake (raw payloads and scripted failures). */
  readonly fake: FakeDiscord;
  readonly config: DiscordConfig;
  /** Every log line the adapter and runtime wrote. */
  readonly logs: Record<string, unknown>[];
  /** Resolves once a line with this `msg` was logged (see {@link MemoryLog.waitForLine}). */
  waitForLog(msg: string): Promise<void>;
  /** Everything logged, as raw JSON lines (to check what never appears, such as the token). */
  logText(): string;
  /** The id of the last interaction `invoke` sent. */
  lastInteractionId(): string | undefined;
  /** Whether the interaction reached the command runtime. */
  reachedRuntime(interactionId: string): boolean;
}

/** Undo what the renderer did for Discord: markdown backslash escapes and the zero-width space in `@​everyone`. */
export function unescapeDiscord(text: string): string {
  return text.replace(/\\([^A-Za-z0-9\s])/g, '$1').replace(/\u200b/g, '');
}

/** The plain text a user sees in one message body (content, embed title and description, link buttons). */
export function visibleText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof body.content === 'string' && body.content.length > 0) parts.push(unescapeDiscord(body.content));
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Record<string, unknown>[]) : [];
  for (const embed of embeds) {
    if (typeof embed.title === 'string') parts.push(unescapeDiscord(embed.title));
    if (typeof embed.description === 'string') parts.push(unescapeDiscord(embed.description));
  }
  const rows = Array.isArray(body.components) ? (body.components as { components?: unknown }[]) : [];
  for (const row of rows) {
    for (const button of Array.isArray(row.components) ? (row.components as Record<string, unknown>[]) : []) {
      parts.push(`${String(button.label ?? '').replace(/\u200b/g, '')}: ${String(button.url ?? '')}`);
    }
  }
  return parts.join('\n');
}

function optionType(value: string | number | boolean, declared?: string): number {
  if (declared === 'string') return 3;
  if (declared === 'integer') return 4;
  if (declared === 'boolean') return 5;
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

/** Start the fake Discord and the adapter (logged in, commands registered). Call `close()` when done. */
export async function createDiscordHarness(options: DiscordHarnessOptions): Promise<DiscordHarness> {
  const fake = await startFakeDiscord();
  const memory = createMemoryLog();
  const log = memory.log;
  const policy = options.policy ?? defaultChangePolicy;
  const inner = createCommandRuntime({
    services: options.services,
    log,
    policy,
    limiter: options.limiter ?? createRateLimiter({ limit: 1_000, windowMs: 60_000 }),
    ...(options.newId ? { newId: options.newId } : {}),
  });
  const started = new Set<string>();
  const finished = new Set<string>();
  const runtime: CommandRuntime = {
    async run(invocation) {
      const id = (invocation as Partial<DiscordInvocation>).interactionId ?? '';
      started.add(id);
      try {
        await inner.run(invocation);
      } finally {
        finished.add(id);
        fake.notify();
      }
    },
  };
  const config: DiscordConfig = {
    token: new Secret(fake.token),
    applicationId: fake.applicationId,
    guildIds: [fake.guildId],
    command: 'rbl',
    apiUrl: fake.apiUrl,
    policy,
  };
  const adapter = createDiscordAdapter({
    config,
    registry: options.registry,
    runtime,
    services: options.services,
    log,
    clientOptions: { waitGuildTimeout: 1_000 },
    ...(options.autoDeferMs !== undefined ? { autoDeferMs: options.autoDeferMs } : {}),
  });
  try {
    await adapter.start();
  } catch (error) {
    await fake.close();
    throw error;
  }
  let last: string | undefined;

  function replies(id: string): HarnessReply[] {
    const record = fake.interaction(id);
    if (!record) return [];
    const out: HarnessReply[] = [];
    const original = record.original;
    if (original && !original.deleted && !original.deferred) {
      out.push({ text: visibleText(original.body), ephemeral: isEphemeralFlags(original.flags) });
    }
    for (const body of record.followups) {
      out.push({ text: visibleText(body), ephemeral: isEphemeralFlags(body.flags) });
    }
    return out;
  }

  return {
    platform: 'discord',
    adapter,
    fake,
    config,
    logs: memory.lines,
    waitForLog: async (msg) => {
      await memory.waitForLine((line) => line.msg === msg, `"${msg}"`);
    },
    logText: memory.text,
    lastInteractionId: () => last,
    reachedRuntime: (id) => started.has(id),

    async invoke(name, args, user, from = {}) {
      const declared = options.registry.get(name)?.options ?? [];
      const values: InteractionOptionValue[] = Object.entries(args).map(([key, value]) => ({
        name: key,
        type: optionType(value, declared.find((option) => option.name === key)?.type),
        value,
      }));
      const fakeUser: FakeUser = {
        id: user.id,
        name: user.name,
        ...(user.roles ? { roles: user.roles } : {}),
        ...(user.admin !== undefined ? { admin: user.admin } : {}),
      };
      await fake.ensureRoles(user.roles ?? []);
      const { id } = await fake.sendChatInput({
        subcommand: name,
        options: values,
        user: fakeUser,
        ...(from.guildId !== undefined ? { guildId: from.guildId } : {}),
      });
      last = id;
      // Done when the user has an answer and the runtime (if it was reached) has returned: every reply is
      // awaited inside the runtime, so the fake has recorded all of them by then.
      await fake.waitFor(
        () => {
          const record = fake.interaction(id);
          const answered =
            record !== undefined &&
            ((record.original !== undefined && !record.original.deferred) || record.followups.length > 0);
          return answered && (!started.has(id) || finished.has(id));
        },
        15_000,
        `an answer to /rbl ${name}`,
      );
      return replies(id);
    },

    channelMessages(channel) {
      return fake.channelPosts(channel).map((body) => ({ text: visibleText(body), ephemeral: false }));
    },

    async close() {
      await adapter.stop();
      await fake.close();
    },
  };
}
