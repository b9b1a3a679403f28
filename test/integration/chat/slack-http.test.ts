/**
 * The Slack adapter on Bolt's HTTP receiver, end to end against the fake Slack: signed slash commands, signature
 * and replay checks, the real command runtime (permissions, error sink), hostile input, and `post()` failures.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import { watchCommand } from '../../../commands/watch.ts';
import { createCommandRuntime } from '../../../src/chat/command-runtime.ts';
import { defaultChangePolicy } from '../../../src/chat/permissions.ts';
import { createRateLimiter } from '../../../src/chat/rate-limit.ts';
import { createSlackAdapter, SLACK_EVENTS_PATH } from '../../../src/chat/slack/slack-adapter.ts';
import { createLookupService } from '../../../src/checks/lookup-service.ts';
import { buildCommandRegistry, defineCommand } from '../../../src/command-api/command.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import { isDeliveryError } from '../../../src/domain/delivery-error.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { type CommandHarness, createCommandHarness } from '../../helpers/command-harness.ts';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import {
  FAKE_BOT_TOKEN,
  FAKE_SIGNING_SECRET,
  postToReceiver,
  signSlackRequest,
  slashCommandPayload,
  startFakeSlack,
} from '../../helpers/fake-slack.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';
import { createSlackHarness, type SlackHarness } from '../../helpers/slack-harness.ts';
import { makeZone } from '../../helpers/zones.ts';

const OPS_GROUP = 'S0OPS';
const alice = { id: 'U0ALICE', name: 'alice' };

let echoRuns = 0;
/** Resolves, with the function that lets it finish, once the `slow` command has started. */
let slowStarted = whenStarted();

function whenStarted() {
  let started: (release: () => void) => void = () => {};
  const release = new Promise<() => void>((resolve) => {
    started = resolve;
  });
  return { release, started: (finish: () => void) => started(finish) };
}

const echoCommand = defineCommand({
  name: 'echo',
  description: 'Say the words back',
  access: 'read',
  options: [{ name: 'words', description: 'What to say', type: 'string', required: true, rest: true }],
  async run(context) {
    echoRuns++;
    await context.reply({ title: 'Echo', lines: [String(context.args.words)], ephemeral: true });
  },
});

const shoutCommand = defineCommand({
  name: 'shout',
  description: 'Say it to the channel',
  access: 'read',
  options: [],
  async run(context) {
    await context.reply({ title: 'Everyone look', lines: ['posted in the channel'], ephemeral: false });
  },
});

const boomCommand = defineCommand({
  name: 'boom',
  description: 'Fails on our side',
  access: 'read',
  options: [],
  async run() {
    throw new Error('database password hunter2 leaked');
  },
});

const slowCommand = defineCommand({
  name: 'slow',
  description: 'Takes as long as the test wants',
  access: 'read',
  options: [],
  async run(context) {
    await new Promise<void>((resolve) => slowStarted.started(resolve));
    await context.reply({ title: 'Finally', lines: ['done'], ephemeral: true });
  },
});

const registry = buildCommandRegistry([
  checkCommand,
  watchCommand,
  echoCommand,
  shoutCommand,
  boomCommand,
  slowCommand,
]);

let dns: FakeDnsServer;
let resolver: UdpResolver;
let commands: CommandHarness;
let slack: SlackHarness;

beforeAll(async () => {
  dns = await startFakeDnsServer(
    serveZoneData({
      '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
      '4.4.8.8.bl.test': { A: ['127.0.0.2'], TXT: ['spam seen <!channel> @everyone <@U0ADMIN>\u001b[2J'] },
    }),
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
    policy: { users: [], roles: [OPS_GROUP], admins: true },
    mode: 'http',
  });
});

afterAll(async () => {
  await slack?.close();
  await commands?.close();
  await resolver?.close();
  await dns?.close();
});

function receiverUrl(): string {
  const address = slack.adapter.address();
  if (!address) throw new Error('not listening');
  return `http://127.0.0.1:${address.port}${SLACK_EVENTS_PATH}`;
}

function commandBody(text: string, responseUrl: string): string {
  return new URLSearchParams(slashCommandPayload({ text, response_url: responseUrl })).toString();
}

/**
 * Runs a correctly signed `echo` to its answer. The receiver takes requests in the order they arrive, through the
 * same steps, so once this one is answered a request sent before it has run its command too, had it been let
 * through: what a refused request did (nothing) is then known, without sleeping on it.
 */
async function barrier(): Promise<void> {
  const response = slack.fake.newResponseUrl();
  const body = commandBody('echo barrier', response.url);
  const answer = await postToReceiver(receiverUrl(), body, signSlackRequest(FAKE_SIGNING_SECRET, body));
  expect(answer.status).toBe(200);
  await slack.fake.waitFor(
    () => slack.fake.responsesFor(response.id).length === 1,
    5_000,
    'the barrier reply',
  );
}

describe('Slack HTTP receiver: request verification', () => {
  it('acknowledges a correctly signed command at once with an empty 200 and answers on the response_url', async () => {
    const response = slack.fake.newResponseUrl();
    const body = commandBody('echo hello there', response.url);
    const started = Date.now();
    const answer = await postToReceiver(receiverUrl(), body, signSlackRequest(FAKE_SIGNING_SECRET, body));
    expect(answer).toEqual({ status: 200, text: '' });
    expect(Date.now() - started).toBeLessThan(3_000);
    await slack.fake.waitFor(
      () => slack.fake.responsesFor(response.id).length === 1,
      5_000,
      'the echo reply',
    );
    const [reply] = slack.fake.responsesFor(response.id);
    expect(reply?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(reply?.body.blocks)).toContain('hello there');
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    [
      'a signature made with the wrong secret',
      (body: string) => ({ body, headers: signSlackRequest('wrong', body) }),
    ],
    [
      'a timestamp more than five minutes old',
      (body: string) => ({ body, headers: signSlackRequest(FAKE_SIGNING_SECRET, body, now() - 6 * 60) }),
    ],
    [
      'a body changed after signing',
      (body: string) => ({
        body: body.replace('original', 'tampered'),
        headers: signSlackRequest(FAKE_SIGNING_SECRET, body),
      }),
    ],
    ['no signature headers', (body: string) => ({ body, headers: {} })],
    [
      'a malformed signature',
      (body: string) => ({
        body,
        headers: { ...signSlackRequest(FAKE_SIGNING_SECRET, body), 'x-slack-signature': 'v0=zz' },
      }),
    ],
  ])('refuses %s with 401 and runs nothing', async (_what, forge) => {
    const runsBefore = echoRuns;
    const response = slack.fake.newResponseUrl();
    const { body, headers } = forge(commandBody('echo original', response.url));
    const answer = await postToReceiver(receiverUrl(), body, headers);
    expect(answer).toEqual({ status: 401, text: '' });
    await barrier();
    // The barrier's own run, and nothing else.
    expect(echoRuns).toBe(runsBefore + 1);
    expect(slack.fake.responsesFor(response.id)).toEqual([]);
  });

  it('acks before the command runs: the HTTP answer comes while the command is still working', async () => {
    slowStarted = whenStarted();
    const response = slack.fake.newResponseUrl();
    const body = commandBody('slow', response.url);
    const answer = await postToReceiver(receiverUrl(), body, signSlackRequest(FAKE_SIGNING_SECRET, body));
    expect(answer.status).toBe(200);
    expect(slack.fake.responsesFor(response.id)).toEqual([]);
    const release = await slowStarted.release;
    release();
    await slack.fake.waitFor(
      () => slack.fake.responsesFor(response.id).length === 1,
      5_000,
      'the slow reply',
    );
  });
});

describe('Slack HTTP receiver: commands through the runtime', () => {
  it('runs /rbl check against the local DNS server and escapes what the TXT record says', async () => {
    const replies = await slack.invoke('check', { targets: '8.8.4.4 9.9.9.9' }, alice);
    expect(replies).toHaveLength(1);
    const [reply] = replies;
    expect(reply?.ephemeral).toBe(true);
    expect(reply?.text).toContain('1 listing found');
    expect(reply?.text).toContain('LISTED 8.8.4.4 on bl.test');
    expect(reply?.text).toContain('1 listed, 0 unknown, 1 clean');
    expect(reply?.text).toContain('Delist 8.8.4.4 (bl.test): https://bl.test/?ip=8.8.4.4');
    const raw = JSON.stringify(slack.fake.responses.at(-1)?.body);
    expect(raw).toContain('&lt;!channel&gt;');
    expect(raw).toContain('&lt;@U0ADMIN&gt;');
    expect(raw).not.toMatch(/<[!@]/);
    expect(raw).not.toMatch(/@everyone/);
    expect(raw).not.toContain('\\u001b');
  });

  it('answers in the channel when the reply is not ephemeral', async () => {
    const replies = await slack.invoke('shout', {}, alice);
    expect(replies).toEqual([{ text: 'Everyone look\nposted in the channel', ephemeral: false }]);
    expect(slack.fake.responses.at(-1)?.body.response_type).toBe('in_channel');
  });

  it('refuses a change command to a user without a role or admin rights, and changes nothing', async () => {
    const before = await commands.store.listInventory();
    const replies = await slack.invoke(
      'watch',
      { action: 'add', target: '8.8.8.8' },
      { id: 'U0BOB', name: 'bob' },
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]?.ephemeral).toBe(true);
    expect(replies[0]?.text).toContain('Not allowed');
    expect(await commands.store.listInventory()).toEqual(before);
  });

  it('lets a member of an allowed user group and a workspace admin run it', async () => {
    const byRole = await slack.invoke(
      'watch',
      { action: 'add', target: '8.8.8.8' },
      { id: 'U0CAROL', name: 'carol', roles: [OPS_GROUP] },
    );
    expect(byRole[0]?.text).not.toContain('Not allowed');
    expect((await commands.store.listInventory()).map((e) => e.target)).toContain('8.8.8.8');

    const byAdmin = await slack.invoke(
      'watch',
      { action: 'remove', target: '8.8.8.8' },
      { id: 'U0DAVE', name: 'dave', admin: true },
    );
    expect(byAdmin[0]?.text).not.toContain('Not allowed');
    expect((await commands.store.listInventory()).map((e) => e.target)).not.toContain('8.8.8.8');
  });

  it('counts a failed user lookup as no rights instead of failing', async () => {
    slack.fake.failNext('users.info', { status: 500 });
    slack.fake.failNext('usergroups.users.list', { error: 'missing_scope' });
    const replies = await slack.invoke(
      'watch',
      { action: 'add', target: '8.8.8.8' },
      { id: 'U0ERIN', name: 'erin', admin: true, roles: [OPS_GROUP] },
    );
    expect(replies[0]?.text).toContain('Not allowed');
    const warnings = slack.logs.filter((l) => String(l.msg).startsWith('could not read a Slack'));
    expect(warnings.map((l) => l.code).sort()).toEqual(['http_500', 'missing_scope']);
  });

  it('shows a generic reply with a correlation id when a command fails, and logs the details', async () => {
    const replies = await slack.invoke('boom', {}, alice);
    expect(replies).toHaveLength(1);
    const text = replies[0]?.text ?? '';
    expect(text).toContain('Something went wrong');
    const id = /Reference: ([0-9a-f]+)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text).not.toContain('hunter2');
    expect(JSON.stringify(slack.fake.responses.at(-1)?.body)).not.toContain(FAKE_BOT_TOKEN);
    const logged = slack.logs.find((l) => l.invocation === id && l.msg === 'command failed');
    expect(logged).toBeDefined();
  });

  it.each([
    ['an unknown command that is a channel mention', '<!channel>', {}],
    [
      '@here and a user mention as targets',
      'check',
      { targets: '@here <@U0ADMIN> <https://evil.test|bank>' },
    ],
    ['3,000 characters of text', 'echo', { words: 'x'.repeat(3_000) }],
    ['control and bidi characters', 'echo', { words: 'evil\u0000\u001b[2J\u202egro.example' }],
    ['a flag the command does not have', 'check', { targets: '8.8.4.4', '<!everyone>': true }],
  ])('answers %s safely and keeps serving', async (_what, name, args) => {
    const replies = await slack.invoke(name, args as Record<string, string | boolean>, alice);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.ephemeral).toBe(true);
    const raw = JSON.stringify(slack.fake.responses.at(-1)?.body);
    expect(raw).not.toMatch(/<[!@#]/);
    expect(raw).not.toContain('<https');
    expect(raw).not.toMatch(/@(here|channel|everyone)/);
    expect(raw).not.toMatch(/\\u00(0|1)[0-9a-f]/);
    expect(raw).not.toContain('\u202e');
    const after = await slack.invoke('echo', { words: 'still here' }, alice);
    expect(after[0]?.text).toContain('still here');
  });

  it('logs a failed response_url delivery and keeps serving', async () => {
    slack.fake.failNext('response', { status: 500 });
    await slack.invoke('echo', { words: 'lost' }, alice);
    expect(
      slack.logs.some((l) => l.msg === 'could not deliver the reply' || l.msg === 'command failed'),
    ).toBe(true);
    const after = await slack.invoke('echo', { words: 'next one' }, alice);
    expect(after[0]?.text).toContain('next one');
  });
});

describe('Slack HTTP receiver: after all of the above', () => {
  it('sent nothing to the error sink and logged no secret', () => {
    expect(slack.logs.filter((l) => l.msg === 'Slack listener failed')).toEqual([]);
    const logged = JSON.stringify(slack.logs);
    expect(logged).not.toContain(FAKE_BOT_TOKEN);
    expect(logged).not.toContain(FAKE_SIGNING_SECRET);
  });
});

describe('Slack post()', () => {
  it('posts Block Kit with a text fallback through chat.postMessage', async () => {
    await slack.adapter.post('C0ALERTS', {
      title: 'New listing: 192.0.2.1 on bl.test',
      lines: ['TXT: <!channel> listed'],
      links: [{ label: 'Delist', url: 'https://bl.test/?ip=192.0.2.1' }],
      tone: 'danger',
    });
    const post = slack.fake.posts.at(-1);
    expect(post?.channel).toBe('C0ALERTS');
    expect(post?.text).toContain('New listing: 192.0.2.1 on bl.test');
    expect(post?.text).toContain('&lt;!channel&gt;');
    expect(post?.blocks.length).toBeGreaterThan(1);
    expect(post?.body.unfurl_links).toBe('false');
    expect(slack.fake.calls.at(-1)?.authorization).toBe(`Bearer ${FAKE_BOT_TOKEN}`);
    expect(slack.channelMessages('C0ALERTS').at(-1)).toEqual({
      text: 'New listing: 192.0.2.1 on bl.test\nTXT: <!channel> listed\nDelist: https://bl.test/?ip=192.0.2.1',
      ephemeral: false,
    });
  });

  async function postFailure(channel = 'C0ALERTS') {
    const started = Date.now();
    const error = await slack.adapter.post(channel, { title: 't', lines: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isDeliveryError(error)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
    const text = `${error.message} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })}`;
    expect(text).not.toContain(FAKE_BOT_TOKEN);
    return { error, ms: Date.now() - started };
  }

  it('maps HTTP 429 to a retryable error with Retry-After, without sleeping through it', async () => {
    slack.fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const { error, ms } = await postFailure();
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7_000 });
    expect(error.message).toContain('C0ALERTS');
    expect(ms).toBeLessThan(3_000);
  });

  it('maps ok:false ratelimited to a retryable error', async () => {
    slack.fake.failNext('chat.postMessage', { error: 'ratelimited', retryAfter: 3 });
    const { error } = await postFailure();
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3_000 });
    expect(error.message).toContain('ratelimited');
  });

  it.each(['channel_not_found', 'not_in_channel', 'invalid_auth', 'is_archived'])(
    'maps ok:false %s to a final error naming the channel and the code',
    async (code) => {
      slack.fake.failNext('chat.postMessage', { error: code });
      const { error } = await postFailure('C0GONE');
      expect(error.retryable).toBe(false);
      expect(error.code).toBe('NOTIFY_REJECTED');
      expect(error.message).toContain('C0GONE');
      expect(error.message).toContain(code);
    },
  );

  it('maps HTTP 500 and 503 to retryable errors with the status', async () => {
    slack.fake.failNext('chat.postMessage', { status: 500, body: 'upstream exploded' });
    const first = await postFailure();
    expect(first.error).toMatchObject({ retryable: true, status: 500, code: 'NOTIFY_UNAVAILABLE' });
    expect(first.error.body).toContain('upstream exploded');
    slack.fake.failNext('chat.postMessage', { status: 503 });
    expect((await postFailure()).error).toMatchObject({ retryable: true, status: 503 });
  });

  it('maps a dropped connection to a retryable error', async () => {
    slack.fake.failNext('chat.postMessage', { drop: true });
    const { error } = await postFailure();
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('unreachable');
  });
});

describe('Slack adapter start and stop', () => {
  it('refuses to start with a token Slack rejects, without printing the token', async () => {
    const fake = await startFakeSlack({ botToken: 'xoxb-some-other-token' });
    const memory = createMemoryLog();
    const adapter = createSlackAdapter({
      config: {
        botToken: new Secret(FAKE_BOT_TOKEN),
        mode: 'http',
        signingSecret: new Secret(FAKE_SIGNING_SECRET),
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
    });
    try {
      const error = await adapter.start().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toContain('invalid_auth');
      expect(error?.message).not.toContain(FAKE_BOT_TOKEN);
      expect(adapter.address()).toBeUndefined();
    } finally {
      await adapter.stop();
      await fake.close();
    }
    expect(memory.text()).not.toContain(FAKE_BOT_TOKEN);
  });

  it('closes the receiver port on stop', async () => {
    const fake = await startFakeSlack();
    const memory = createMemoryLog();
    const adapter = createSlackAdapter({
      config: {
        botToken: new Secret(FAKE_BOT_TOKEN),
        mode: 'http',
        signingSecret: new Secret(FAKE_SIGNING_SECRET),
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
    });
    await adapter.start();
    const port = adapter.address()?.port;
    expect(port).toBeGreaterThan(0);
    await adapter.stop();
    expect(adapter.address()).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, { method: 'POST' })).rejects.toThrow();
    await fake.close();
    expect(memory.text()).not.toContain(FAKE_BOT_TOKEN);
  });
});
