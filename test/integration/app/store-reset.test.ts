import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeReceiver, startFakeWebhook } from '../../helpers/fake-alert-receivers.ts';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { readHealth, startCli } from '../../helpers/serve-process.ts';
import { describeWithService, redisAvailability } from '../../helpers/services.ts';

/**
 * A store that comes back empty under a running `serve` (a flushed Redis) is an alarm, not a clean start: the next
 * scan fails with the reason, /healthz turns 503, and one store-reset notice goes out.
 */
const DB = 9;
const SECRET = 'whsec-store-reset-test';
let dns: FakeDnsServer;
let hook: FakeReceiver;
let dir: string;

describeWithService(await redisAvailability(), 'serve on a Redis store that is flushed', () => {
  beforeAll(async () => {
    dns = await startFakeDnsServer(
      serveZoneData({
        '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
        '1.100.51.198.bl.test': { A: ['127.0.0.2'] },
      }),
    );
    hook = await startFakeWebhook(SECRET);
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-store-reset-'));
    await writeFile(join(dir, 'zones.yml'), 'zones:\n  - { zone: bl.test, kind: ip4 }\n');
  });
  afterAll(async () => {
    await dns?.close();
    await hook?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('raises a store-reset notice and answers /healthz 503 instead of starting over', {
    timeout: 60_000,
  }, async () => {
    const redis = createClient({ url: `redis://127.0.0.1:6379/${DB}` });
    await redis.connect();
    await redis.flushDb();
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const config = join(dir, 'rblwatch.yml');
    await writeFile(
      config,
      [
        `store: redis://127.0.0.1:6379/${DB}`,
        `resolvers: ["127.0.0.1:${dns.port}"]`,
        `zones: ${join(dir, 'zones.yml')}`,
        'schedule: "* * * * * *"',
        'jitterSeconds: 0',
        `http: { port: ${port}, host: 127.0.0.1 }`,
        'targets: [198.51.100.1]',
        'destinations:',
        `  hook: { type: webhook, url: "${hook.url}", secret: "\${HOOK_SECRET}" }`,
        'routes: [{ match: { kind: [store-reset] }, to: [hook] }]',
        'alerts: { groupWindow: 0s }',
        '',
      ].join('\n'),
    );
    const child = startCli(['serve', '--config', config], { HOOK_SECRET: SECRET });
    const healthz = () => readHealth(port);
    try {
      await expect.poll(async () => (await healthz())?.status, { timeout: 30_000, interval: 100 }).toBe(200);
      await expect.poll(() => child.output().includes('scan completed'), { timeout: 30_000 }).toBe(true);
      await redis.flushDb();
      await expect.poll(async () => (await healthz())?.status, { timeout: 30_000, interval: 100 }).toBe(503);
      expect((await healthz())?.error).toContain('store was reset while rblwatch was running');
      await expect.poll(() => hook.requests.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
      const body = hook.requests[0]?.json as { kind: string; alerts: { detail: string }[] };
      expect(body.kind).toBe('store-reset');
      expect(body.alerts[0]?.detail).toContain('identity marker');
      // It stays an alarm: scans keep failing rather than starting over on the empty store, and one notice only.
      await expect
        .poll(() => (child.output().match(/scan failed/g) ?? []).length, { timeout: 30_000 })
        .toBeGreaterThan(1);
      expect((await healthz())?.status).toBe(503);
      expect(hook.requests).toHaveLength(1);
      expect(await redis.exists(`rblwatch::inventory`)).toBe(0);
    } finally {
      child.kill();
      await redis.flushDb();
      await redis.quit();
    }
    expect(await child.exited, child.output()).toBe(0);
  });
});
