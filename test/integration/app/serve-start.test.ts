import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_APP_TOKEN, FAKE_BOT_TOKEN, type FakeSlack, startFakeSlack } from '../../helpers/fake-slack.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { describeWithService, redisAvailability } from '../../helpers/services.ts';

/**
 * `serve` either starts or cleans up: a start-up failure closes what was opened (chat sockets, the store) and exits
 * with one line naming the cause, never a stack trace and never a hang.
 */
let dir: string;
let taken: Server;
let port: number;
let slack: FakeSlack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-serve-start-'));
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
  slack = await startFakeSlack();
});
afterAll(async () => {
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  await slack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function configWith(name: string, store: string): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(
    file,
    [`store: ${store}`, 'resolvers: ["127.0.0.1:9"]', `http: { port: ${port}, host: 127.0.0.1 }`, ''].join(
      '\n',
    ),
  );
  return file;
}

const slackEnv = { SLACK_BOT_TOKEN: FAKE_BOT_TOKEN, SLACK_APP_TOKEN: FAKE_APP_TOKEN };

function expectOneLineReason(stderr: string, reason: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(reason);
  expect(stderr).not.toContain('internal error');
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('serve start-up failures', () => {
  it('a taken HTTP port: one line naming the port, exit 69, and chat never connected', async () => {
    const config = await configWith('sqlite', join(dir, 'store.sqlite'));
    const result = await runCli(['serve', '--config', config], {
      env: { ...slackEnv, SLACK_API_URL: slack.apiUrl },
      timeoutMs: 20_000,
    });
    expect(result.code, result.stderr).toBe(69);
    expectOneLineReason(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    // The port is bound before chat connects: nothing was opened at Slack, so nothing was left behind.
    expect(slack.connections()).toBe(0);
    expect(slack.openSockets()).toBe(0);
    expect(result.stdout).not.toContain(FAKE_BOT_TOKEN);
  });

  it('a bad Slack token: the platform answer, exit 69, the HTTP port released', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const freePort = (free.address() as { port: number }).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const config = join(dir, 'token.yml');
    await writeFile(
      config,
      [
        `store: ${join(dir, 'token.sqlite')}`,
        'resolvers: ["127.0.0.1:9"]',
        `http: { port: ${freePort}, host: 127.0.0.1 }`,
        '',
      ].join('\n'),
    );
    slack.failNext('auth.test', { error: 'invalid_auth' });
    const result = await runCli(['serve', '--config', config], {
      env: { ...slackEnv, SLACK_API_URL: slack.apiUrl },
      timeoutMs: 20_000,
    });
    expect(result.code, result.stderr).toBe(69);
    expectOneLineReason(result.stderr, /invalid_auth/);
    // Everything opened before the failure was closed again: the port can be bound at once.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(freePort, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});

describeWithService(await redisAvailability(), 'serve start-up failures on Redis', () => {
  it('a taken HTTP port with a Redis store exits at once instead of hanging', async () => {
    const config = await configWith('redis', `redis://127.0.0.1:6379/8`);
    const result = await runCli(['serve', '--config', config], { timeoutMs: 20_000 });
    expect(result.code, result.stderr).toBe(69);
    expectOneLineReason(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  });
});
