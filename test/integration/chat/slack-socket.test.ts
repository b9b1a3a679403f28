/**
 * The Slack adapter in Socket Mode against the fake Slack's WebSocket: envelope round trips through the real
 * runtime, acks, reconnecting after the fake drops the socket (and after a failed reconnect attempt), and shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import { watchCommand } from '../../../commands/watch.ts';
import { createCommandRuntime } from '../../../src/chat/command-runtime.ts';
import { defaultChangePolicy } from '../../../src/chat/permissions.ts';
import { createRateLimiter } from '../../../src/chat/rate-limit.ts';
import { createSlackAdapter, type SlackAdapter } from '../../../src/chat/slack/slack-adapter.ts';
import { createLookupService } from '../../../src/checks/lookup-service.ts';
import { buildCommandRegistry, defineCommand } from '../../../src/command-api/command.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { type CommandHarness, createCommandHarness } from '../../helpers/command-harness.ts';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import {
  FAKE_APP_TOKEN,
  FAKE_BOT_TOKEN,
  type FakeSlack,
  slashCommandPayload,
  startFakeSlack,
} from '../../helpers/fake-slack.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';
import { createSlackHarness, type SlackHarness } from '../../helpers/slack-harness.ts';
import { makeZone } from '../../helpers/zones.ts';

const alice = { id: 'U0ALICE', name: 'alice' };

const echoCommand = defineCommand({
  name: 'echo',
  description: 'Say the words back',
  access: 'read',
  options: [{ name: 'words', description: 'What to say', type: 'string', required: true, rest: true }],
  async run(context) {
    await context.reply({ title: 'Echo', lines: [String(context.args.words)], ephemeral: true });
  },
});

const registry = buildCommandRegistry([checkCommand, watchCommand, echoCommand]);

let dns: FakeDnsServer;
let resolver: UdpResolver;
let commands: CommandHarness;
let slack: SlackHarness;

beforeAll(async () => {
  dns = await startFakeDnsServer(
    serveZoneData({ '2.0.0.127.bl.test': { A: ['127.0.0.2'] }, '4.4.8.8.bl.test': { A: ['127.0.0.2'] } }),
  );
  resolver = new UdpResolver({ servers: [{ host: dns.host, port: dns.port }], timeoutMs: 300, retries: 1 });
  const zone = makeZone({ zone: 'bl.test', delist: 'https://bl.test/?ip={target}' });
  commands = await createCommandHarness({
    zones: [zone],
    lookup: createLookupService({ resolver, zones: [zone], concurrency: 4 }),
  });
  slack = await createSlackHarness({
    registry,
    services: commands.services,
    mode: 'socket',
    // The ping timeout is also the reconnect delay: keep the drop test short.
    socketModeOptions: { clientPingTimeout: 1_000 },
  });
});

afterAll(async () => {
  await slack?.close();
  await commands?.close();
  await resolver?.close();
  await dns?.close();
});

describe('Slack Socket Mode', () => {
  it('connects with the app token and answers a slash command envelope, acking it with an empty payload', async () => {
    const open = slack.fake.calls.filter((c) => c.method === 'apps.connections.open');
    expect(open[0]?.authorization).toBe(`Bearer ${FAKE_APP_TOKEN}`);
    const acksBefore = slack.fake.acks.length;
    const replies = await slack.invoke('echo', { words: 'over the socket' }, alice);
    expect(replies).toEqual([{ text: 'Echo\nover the socket', ephemeral: true }]);
    expect(slack.fake.acks.slice(acksBefore)).toEqual([{ envelope_id: expect.any(String), payload: {} }]);
  });

  it('runs /rbl check against the local DNS server', async () => {
    const [reply] = await slack.invoke('check', { targets: '8.8.4.4' }, alice);
    expect(reply?.text).toContain('1 listing found');
    expect(reply?.text).toContain('LISTED 8.8.4.4 on bl.test');
  });

  it('refuses a change command to a plain member', async () => {
    const [reply] = await slack.invoke('watch', { action: 'add', target: '8.8.8.8' }, alice);
    expect(reply?.text).toContain('Not allowed');
  });

  it('acks and ignores an envelope with a payload it cannot use', async () => {
    const acksBefore = slack.fake.acks.length;
    slack.fake.sendEnvelope('slash_commands', slashCommandPayload({ user_id: '', text: 'echo nobody' }));
    await slack.fake.waitFor(() => slack.fake.acks.length > acksBefore, 5_000, 'the ack');
    const [reply] = await slack.invoke('echo', { words: 'still fine' }, alice);
    expect(reply?.text).toContain('still fine');
  });

  it('logs a dropped socket, reconnects on its own and keeps serving', async () => {
    const before = slack.fake.connections();
    slack.fake.dropSockets();
    await slack.fake.waitFor(
      () => slack.fake.connections() === before + 1 && slack.fake.openSockets() === 1,
      10_000,
      'the reconnect',
    );
    await slack.waitForLog('Slack Socket Mode reconnected');
    expect(slack.logs.some((l) => l.msg === 'Slack Socket Mode connection closed; reconnecting')).toBe(true);
    const [reply] = await slack.invoke('echo', { words: 'after the drop' }, alice);
    expect(reply?.text).toContain('after the drop');
  });

  it('reconnects when Slack asks it to (a disconnect frame, as Slack sends every few hours)', async () => {
    const before = slack.fake.connections();
    slack.fake.sendFrame({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } });
    await slack.fake.waitFor(
      () => slack.fake.connections() === before + 1 && slack.fake.openSockets() === 1,
      10_000,
      'the reconnect',
    );
    const [reply] = await slack.invoke('echo', { words: 'after the refresh' }, alice);
    expect(reply?.text).toContain('after the refresh');
  });

  it('sent no error to the error sink along the way', () => {
    expect(slack.logs.filter((l) => l.msg === 'Slack listener failed')).toEqual([]);
  });
});

describe('Slack Socket Mode, its own app', () => {
  function makeAdapter(
    fake: FakeSlack,
    memory: ReturnType<typeof createMemoryLog>,
    appToken = FAKE_APP_TOKEN,
  ) {
    return createSlackAdapter({
      config: {
        botToken: new Secret(FAKE_BOT_TOKEN),
        mode: 'socket',
        appToken: new Secret(appToken),
        host: '127.0.0.1',
        port: 0,
        command: '/rbl',
        apiUrl: fake.apiUrl,
        policy: defaultChangePolicy,
      },
      registry,
      runtime: createCommandRuntime({
        services: commands.services,
        log: memory.log,
        policy: defaultChangePolicy,
        limiter: createRateLimiter(),
      }),
      log: memory.log,
      clientOptions: { retryConfig: { retries: 0 } },
      socketModeOptions: { clientPingTimeout: 500 },
      reconnectRetryMs: 200,
    });
  }

  it('survives a reconnect attempt that fails, tries again later and recovers', async () => {
    const fake = await startFakeSlack();
    const memory = createMemoryLog();
    const adapter: SlackAdapter = makeAdapter(fake, memory);
    try {
      await adapter.start();
      expect(fake.openSockets()).toBe(1);
      // The next apps.connections.open is refused, which the Socket Mode client treats as unrecoverable.
      fake.failNext('apps.connections.open', { error: 'invalid_auth' });
      fake.dropSockets();
      await fake.waitFor(
        () => fake.connections() === 2 && fake.openSockets() === 1,
        10_000,
        'the second connection',
      );
      expect(memory.lines.some((l) => String(l.msg).startsWith('Slack Socket Mode reconnect failed'))).toBe(
        true,
      );
      expect(fake.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(3);
      const response = fake.newResponseUrl();
      await fake.sendSlashCommand(
        slashCommandPayload({ text: 'echo back again', response_url: response.url }),
      );
      await fake.waitFor(() => fake.responsesFor(response.id).length === 1, 5_000, 'the reply');
    } finally {
      await adapter.stop();
      await fake.close();
    }
    expect(memory.text()).not.toContain(FAKE_APP_TOKEN);
    expect(memory.text()).not.toContain(FAKE_BOT_TOKEN);
  });

  it('closes the socket on stop and does not reconnect afterwards, even with a reconnect pending', async () => {
    const fake = await startFakeSlack();
    const first = createMemoryLog();
    const adapter = makeAdapter(fake, first);
    await adapter.start();
    expect(fake.openSockets()).toBe(1);
    // A drop arms the reconnect (one ping timeout away); stop() must disarm it.
    fake.dropSockets();
    await first.waitForLine((l) => l.msg === 'Slack Socket Mode connection closed; reconnecting', 'the drop');
    await adapter.stop();
    await fake.waitFor(() => fake.openSockets() === 0, 5_000, 'the socket to close');
    // A second adapter with the same delays, dropped after the first one's reconnect was armed: once it has
    // reconnected, the first one's timer has fired too, had stop() left it running.
    const second = createMemoryLog();
    const witness = makeAdapter(fake, second);
    try {
      await witness.start();
      fake.dropSockets();
      await second.waitForLine((l) => l.msg === 'Slack Socket Mode reconnected', 'the reconnect');
      expect(fake.connections()).toBe(3);
      expect(first.lines.filter((l) => l.msg === 'Slack Socket Mode reconnecting')).toEqual([]);
    } finally {
      await witness.stop();
      await fake.close();
    }
  });

  it('reconnects through the adapter, not the Socket Mode client, so a failed attempt is never unhandled', async () => {
    const fake = await startFakeSlack();
    const memory = createMemoryLog();
    const adapter = makeAdapter(fake, memory);
    try {
      await adapter.start();
      // A network failure on apps.connections.open: the client itself would give up on it with a rejection nobody
      // handles; the adapter logs it and tries again after reconnectRetryMs.
      fake.failNext('apps.connections.open', { status: 503 });
      fake.dropSockets();
      await fake.waitFor(() => fake.connections() === 2 && fake.openSockets() === 1, 10_000, 'the reconnect');
      const messages = memory.lines.map((l) => String(l.msg));
      expect(messages.filter((m) => m === 'Slack Socket Mode reconnecting')).toHaveLength(2);
      expect(messages.some((m) => m === 'Slack Socket Mode reconnect failed; trying again in 200 ms')).toBe(
        true,
      );
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('tries the first connection again when Slack refuses it for now (ratelimited), as the client would', async () => {
    const fake = await startFakeSlack();
    const memory = createMemoryLog();
    const adapter = makeAdapter(fake, memory);
    try {
      fake.failNext('apps.connections.open', { error: 'ratelimited' });
      await adapter.start();
      expect(fake.openSockets()).toBe(1);
      expect(fake.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);
      // One ping timeout (500 ms in this suite) times one failure.
      expect(memory.lines.map((l) => l.msg)).toContain(
        'Slack Socket Mode could not connect; trying again in 500 ms',
      );
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('can be started again after a stop', async () => {
    const fake = await startFakeSlack();
    const adapter = makeAdapter(fake, createMemoryLog());
    try {
      await adapter.start();
      await adapter.stop();
      await fake.waitFor(() => fake.openSockets() === 0, 5_000, 'the socket to close');
      await adapter.start();
      expect(fake.openSockets()).toBe(1);
      const response = fake.newResponseUrl();
      await fake.sendSlashCommand(slashCommandPayload({ text: 'echo again', response_url: response.url }));
      await fake.waitFor(() => fake.responsesFor(response.id).length === 1, 5_000, 'the reply');
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('refuses to start when Slack rejects the app token, without printing it', async () => {
    const fake = await startFakeSlack({ appToken: 'xapp-the-real-one' });
    const memory = createMemoryLog();
    const adapter = makeAdapter(fake, memory);
    try {
      const error = await adapter.start().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toContain('invalid_auth');
      expect(error?.message).not.toContain(FAKE_APP_TOKEN);
    } finally {
      await adapter.stop();
      await fake.close();
    }
    expect(memory.text()).not.toContain(FAKE_APP_TOKEN);
  });
});
