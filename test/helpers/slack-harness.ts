/**
 * The Slack adapter end to end for shared chat contract tests: the real Bolt app (HTTP receiver or Socket Mode)
 * against the fake Slack, the real command runtime, and `invoke` that types the command the way a user would and
 * sends it as a signed HTTP request or a Socket Mode envelope. The Discord harness has the same shape.
 */

import type { ChatAdapter } from '../../src/chat/chat-adapter.ts';
import { createCommandRuntime } from '../../src/chat/command-runtime.ts';
import { parseCommandText } from '../../src/chat/parse-command-text.ts';
import { type ChangePolicy, defaultChangePolicy } from '../../src/chat/permissions.ts';
import { createRateLimiter, type RateLimiter } from '../../src/chat/rate-limit.ts';
import { SLACK_BLOCK_IDS, TONE_EMOJI } from '../../src/chat/slack/render-slack.ts';
import {
  createSlackAdapter,
  SLACK_EVENTS_PATH,
  type SlackAdapter,
  type SlackSocketModeOptions,
} from '../../src/chat/slack/slack-adapter.ts';
import type { CommandDefinition, CommandServices } from '../../src/command-api/command.ts';
import { Secret } from '../../src/domain/secret.ts';
import {
  FAKE_APP_TOKEN,
  FAKE_BOT_TOKEN,
  FAKE_SIGNING_SECRET,
  type FakeSlack,
  postToReceiver,
  signSlackRequest,
  slashCommandPayload,
  startFakeSlack,
} from './fake-slack.ts';
import { createMemoryLog, type MemoryLog } from './memory-log.ts';

/** One answer as the user saw it. */
export interface HarnessReply {
  /** Plain text of the rendered message: title, lines, then `label: url` for each link. */
  readonly text: string;
  readonly ephemeral: boolean;
}

export interface HarnessUser {
  readonly id: string;
  readonly name: string;
  /** Slack user groups the user belongs to (the fake's `usergroups.users.list` is set up to match). */
  readonly roles?: readonly string[];
  /** Workspace admin (the fake's `users.info` says `is_admin`). */
  readonly admin?: boolean;
}

/** The shape shared by the Slack and Discord harnesses. */
export interface ChatHarness {
  readonly platform: 'slack' | 'discord';
  readonly adapter: ChatAdapter;
  invoke(
    name: string,
    args: Record<string, string | number | boolean>,
    user: HarnessUser,
  ): Promise<HarnessReply[]>;
  channelMessages(channel: string): HarnessReply[];
  close(): Promise<void>;
}

export interface SlackHarness extends ChatHarness {
  readonly platform: 'slack';
  readonly adapter: SlackAdapter;
  /** Slack-specific assertions: raw blocks, acks, scripted failures. */
  readonly fake: FakeSlack;
  /** Every log line the adapter and runtime wrote. */
  readonly logs: Record<string, unknown>[];
  /** Resolves once a line with this `msg` was logged (see {@link MemoryLog.waitForLine}). */
  waitForLog(msg: string): Promise<void>;
}

export interface SlackHarnessOptions {
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  readonly services: CommandServices;
  /** Who may run `change` commands (default: admins only). */
  readonly policy?: ChangePolicy;
  /** Per-user lookup limit (default: generous, so contract tests are not throttled by accident). */
  readonly limiter?: RateLimiter;
  readonly mode: 'http' | 'socket';
  readonly socketModeOptions?: SlackSocketModeOptions;
  /** How long `invoke` waits for the command to finish (default 20 s). */
  readonly timeoutMs?: number;
}

/** The words a user types for `args`: positional in option order while no option is skipped, `--flag` for booleans. */
export function slackCommandText(
  name: string,
  args: Record<string, string | number | boolean>,
  command: CommandDefinition | undefined,
): string {
  const words: string[] = [name];
  const remaining = new Map(Object.entries(args));
  let positional = true;
  for (const option of command?.options ?? []) {
    const value = remaining.get(option.name);
    remaining.delete(option.name);
    if (value === undefined) {
      positional = false;
      continue;
    }
    if (option.type === 'boolean') {
      positional = false;
      if (value === true) words.push(`--${option.name}`);
      else words.push(`--${option.name}=${String(value)}`);
      continue;
    }
    if (positional) words.push(String(value));
    else words.push(`--${option.name}`, String(value));
  }
  // Names the command does not have: typed as flags, so the parser refuses them the way it would a user's.
  for (const [key, value] of remaining) {
    words.push(value === true ? `--${key}` : `--${key}=${String(value)}`);
  }
  return words.join(' ');
}

function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const tonePrefix = new RegExp(
  `^(?:${Object.values(TONE_EMOJI)
    .filter(Boolean)
    .map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')}) `,
);

interface RenderedBlock {
  readonly type?: string;
  readonly block_id?: string;
  readonly text?: { readonly text?: string };
  readonly elements?: readonly { readonly text?: { readonly text?: string }; readonly url?: string }[];
}

/** Title, lines and links of a rendered message, back as plain text (the footer is left out). */
export function slackPlainText(body: { readonly blocks?: unknown; readonly text?: unknown }): string {
  const blocks = Array.isArray(body.blocks) ? (body.blocks as RenderedBlock[]) : [];
  if (blocks.length === 0) return unescapeMrkdwn(String(body.text ?? ''));
  const parts: string[] = [];
  for (const block of blocks) {
    const id = block.block_id ?? '';
    if (id === SLACK_BLOCK_IDS.title) {
      const title = (block.text?.text ?? '').replace(tonePrefix, '').replace(/^\*([\s\S]*)\*$/, '$1');
      parts.push(unescapeMrkdwn(title));
    } else if (id.startsWith(SLACK_BLOCK_IDS.lines)) {
      parts.push(unescapeMrkdwn(block.text?.text ?? ''));
    } else if (id === SLACK_BLOCK_IDS.links) {
      for (const element of block.elements ?? [])
        parts.push(`${element.text?.text ?? ''}: ${element.url ?? ''}`);
    }
  }
  return parts.join('\n');
}

export async function createSlackHarness(options: SlackHarnessOptions): Promise<SlackHarness> {
  const fake = await startFakeSlack();
  const memory = createMemoryLog('debug');
  const policy = options.policy ?? defaultChangePolicy;
  const real = createCommandRuntime({
    services: options.services,
    log: memory.log,
    policy,
    limiter: options.limiter ?? createRateLimiter({ limit: 1_000, windowMs: 60_000 }),
  });
  // Finishing a run is how invoke knows every reply has been sent (respond() resolves once the fake recorded it).
  const waiters: { userId: string; command: string; done: () => void }[] = [];
  const adapter = createSlackAdapter({
    config: {
      botToken: new Secret(FAKE_BOT_TOKEN),
      mode: options.mode,
      ...(options.mode === 'socket'
        ? { appToken: new Secret(FAKE_APP_TOKEN) }
        : { signingSecret: new Secret(FAKE_SIGNING_SECRET) }),
      host: '127.0.0.1',
      port: 0,
      command: '/rbl',
      apiUrl: fake.apiUrl,
      policy,
    },
    registry: options.registry,
    runtime: {
      async run(invocation) {
        try {
          await real.run(invocation);
        } finally {
          const i = waiters.findIndex(
            (w) => w.userId === invocation.user.id && w.command === invocation.command.name,
          );
          if (i >= 0) waiters.splice(i, 1)[0]?.done();
        }
      },
    },
    log: memory.log,
    clientOptions: { retryConfig: { retries: 0 } },
    ...(options.socketModeOptions ? { socketModeOptions: options.socketModeOptions } : {}),
    directoryCacheMs: 0,
  });
  try {
    await adapter.start();
  } catch (error) {
    await fake.close();
    throw error;
  }
  const timeoutMs = options.timeoutMs ?? 20_000;

  function describeUser(user: HarnessUser): void {
    for (const group of policy.roles) {
      const members = new Set(fake.groupMembers(group));
      if (user.roles?.includes(group)) members.add(user.id);
      else members.delete(user.id);
      fake.setUserGroup(group, [...members]);
    }
    for (const group of user.roles ?? []) {
      if (!policy.roles.includes(group)) fake.setUserGroup(group, [...fake.groupMembers(group), user.id]);
    }
    fake.setUser(user.id, { is_admin: user.admin === true });
  }

  async function send(payload: Record<string, string>): Promise<void> {
    if (options.mode === 'socket') {
      await fake.sendSlashCommand(payload);
      return;
    }
    const address = adapter.address();
    if (!address) throw new Error('the Slack HTTP receiver is not listening');
    const body = new URLSearchParams(payload).toString();
    const answer = await postToReceiver(
      `http://127.0.0.1:${address.port}${SLACK_EVENTS_PATH}`,
      body,
      signSlackRequest(FAKE_SIGNING_SECRET, body),
    );
    if (answer.status !== 200) throw new Error(`the receiver answered HTTP ${answer.status}`);
  }

  return {
    platform: 'slack',
    adapter,
    fake,
    logs: memory.lines,
    waitForLog: async (msg) => {
      await memory.waitForLine((line) => line.msg === msg, `"${msg}"`);
    },
    async invoke(name, args, user) {
      const command = options.registry.get(name.toLowerCase());
      const text = slackCommandText(name, args, command);
      const predicted = parseCommandText(text, options.registry);
      describeUser(user);
      const response = fake.newResponseUrl();
      let finished: Promise<void>;
      if (predicted.ok) {
        finished = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`/rbl ${text.slice(0, 60)} did not finish in ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push({
            userId: user.id,
            command: predicted.value.command.name,
            done: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      } else {
        finished = fake.waitFor(
          () => fake.responsesFor(response.id).length > 0,
          timeoutMs,
          `the refusal of "${text.slice(0, 60)}"`,
        );
      }
      await send(
        slashCommandPayload({
          text,
          command: '/rbl',
          user_id: user.id,
          user_name: user.name,
          response_url: response.url,
        }),
      );
      await finished;
      return fake.responsesFor(response.id).map((r) => ({
        text: slackPlainText(r.body),
        ephemeral: r.body.response_type !== 'in_channel',
      }));
    },
    channelMessages(channel) {
      return fake.posts
        .filter((post) => post.channel === channel)
        .map((post) => ({ text: slackPlainText(post.body), ephemeral: false }));
    },
    async close() {
      await adapter.stop();
      await fake.close();
    },
  };
}
