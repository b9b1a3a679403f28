/**
 * `post()` against the fake Discord REST: the rendered body, and how each failure maps to a DeliveryError the
 * alert outbox can act on. Posting needs no gateway session, so the adapter is never started here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAdapter } from '../../../src/chat/chat-adapter.ts';
import { createDiscordAdapter } from '../../../src/chat/discord/discord-adapter.ts';
import { defaultChangePolicy } from '../../../src/chat/permissions.ts';
import { buildCommandRegistry, defineCommand } from '../../../src/command-api/command.ts';
import { type DeliveryError, isDeliveryError } from '../../../src/domain/delivery-error.ts';
import type { Message } from '../../../src/domain/message.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { type FakeDiscord, startFakeDiscord } from '../../helpers/fake-discord.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

let fake: FakeDiscord;
let adapter: ChatAdapter;
const memory = createMemoryLog();

const alert: Message = {
  title: 'LISTED 203.0.113.7 on bl.test',
  lines: ['Listed since 2026-01-01', 'TXT: "@everyone spam <@&1> [x](https://evil.example)"'],
  links: [{ label: 'Delist', url: 'https://bl.test/?ip=203.0.113.7' }],
  tone: 'danger',
  footer: 'run r1',
  ephemeral: true,
};

beforeAll(async () => {
  fake = await startFakeDiscord();
  adapter = createDiscordAdapter({
    config: {
      token: new Secret(fake.token),
      applicationId: fake.applicationId,
      guildIds: [fake.guildId],
      command: 'rbl',
      apiUrl: fake.apiUrl,
      policy: defaultChangePolicy,
    },
    registry: buildCommandRegistry([
      defineCommand({
        name: 'ping',
        description: 'Ping',
        access: 'read',
        options: [],
        run: async () => undefined,
      }),
    ]),
    runtime: { run: async () => undefined },
    services: { store: { listInventory: async () => [] }, zones: { list: () => [] } },
    log: memory.log,
  });
});

afterAll(async () => {
  await adapter?.stop();
  await fake?.close();
});

let channel = 100000000000000000n;
/** A fresh channel per test, so rate-limit state in @discordjs/rest never carries over. */
let target = '';
beforeEach(() => {
  channel += 1n;
  target = String(channel);
});

function postCalls(): number {
  return fake.calls.filter((call) => call.method === 'POST' && call.path === `/channels/${target}/messages`)
    .length;
}

async function failure(message: Message = alert): Promise<DeliveryError> {
  const error = await adapter.post(target, message).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDeliveryError(error)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  expect(error.message).not.toContain(fake.token);
  return error;
}

describe('Discord post()', () => {
  it('creates a message with the embed and link buttons, never ephemeral, with mentions disabled', async () => {
    await adapter.post(target, alert);
    const [body] = fake.channelPosts(target);
    expect(body).toMatchObject({
      allowed_mentions: { parse: [] },
      embeds: [{ title: 'LISTED 203.0.113.7 on bl.test', color: 0xed4245, footer: { text: 'run r1' } }],
      components: [{ type: 1, components: [{ type: 2, style: 5, label: 'Delist' }] }],
    });
    expect(body).not.toHaveProperty('flags');
    const description = ((body?.embeds ?? []) as { description: string }[])[0]?.description ?? '';
    expect(description).toContain('@\u200beveryone');
    expect(description).toContain('\\<@&1\\>');
    expect(description).toContain('\\[x\\](https://evil.example)');
    const call = fake.calls.find((c) => c.path === `/channels/${target}/messages`);
    expect(call?.auth).toBe(`Bot ${fake.token}`);
  });

  it('429: retryable, with the wait Discord asked for', async () => {
    fake.failChannelPosts({ kind: 'rate-limit', retryAfterSeconds: 0.5 }, { channel: target });
    const error = await failure();
    expect(error).toMatchObject({ retryable: true, status: 429 });
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(500);
    expect(error.retryAfterMs).toBeLessThan(1_000);
    expect(postCalls()).toBe(1);
  });

  it('5xx: retryable, and not retried inside the client (the outbox retries)', async () => {
    fake.failChannelPosts({ kind: 'server-error', status: 502 }, { channel: target, times: 5 });
    const error = await failure();
    expect(error).toMatchObject({ retryable: true, status: 502 });
    expect(error.message).toContain(target);
    expect(postCalls()).toBe(1);
  });

  it('network failure: retryable', async () => {
    fake.failChannelPosts({ kind: 'network' }, { channel: target });
    const error = await failure();
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain(`Discord channel ${target}`);
  });

  it('403 Missing Access: final, naming the channel', async () => {
    fake.failChannelPosts({ kind: 'missing-access' }, { channel: target });
    const error = await failure();
    expect(error).toMatchObject({ retryable: false, status: 403 });
    expect(error.message).toContain(`Discord channel ${target}`);
    expect(error.message).toContain('Missing Access');
    expect(error.body).toContain('50001');
  });

  it('403 Missing Permissions: final', async () => {
    fake.failChannelPosts({ kind: 'missing-permissions' }, { channel: target });
    const error = await failure();
    expect(error).toMatchObject({ retryable: false, status: 403 });
    expect(error.message).toContain('Missing Permissions');
  });

  it('404 Unknown Channel: final, naming the channel', async () => {
    fake.failChannelPosts({ kind: 'unknown-channel' }, { channel: target });
    const error = await failure();
    expect(error).toMatchObject({ retryable: false, status: 404 });
    expect(error.message).toContain(`Discord channel ${target} not found`);
  });

  it('401: final, without the token, and the next post authenticates again', async () => {
    fake.failChannelPosts({ kind: 'unauthorized' }, { channel: target });
    const error = await failure();
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toContain('token');
    await adapter.post(target, alert);
    expect(fake.channelPosts(target)).toHaveLength(1);
  });

  it('refuses something that is not a channel id without calling Discord', async () => {
    const before = fake.calls.length;
    target = '#alerts';
    const error = await failure();
    expect(error.retryable).toBe(false);
    expect(fake.calls.length).toBe(before);
  });

  it('never logged the token', () => {
    expect(memory.text()).not.toContain(fake.token);
  });
});
