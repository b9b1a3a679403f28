/**
 * The ListingRepository contract on a real Redis, each test in its own namespace (removed afterwards), plus what
 * only a server backend can show: namespaces that do not see each other, and an outage that fails operations
 * quickly instead of hanging them, followed by recovery when the server is back.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../src/errors.ts';
import { openRedis } from '../../../src/store/backends/redis.ts';
import { KeyvListingRepository } from '../../../src/store/keyv-repository.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import type { TransactionalStore } from '../../../src/store/transactional-store.ts';
import { describeListingRepository } from '../../contract/listing-repository.contract.ts';
import { errorOf } from '../../contract/store-builders.ts';
import { describeWithService, redisAvailability } from '../../helpers/services.ts';
import { expectCommitCutMidTransaction } from './cut-commit.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function namespace(): string {
  return `test-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Keys under `prefix` on the shared server, read with a client of the test's own. */
async function keysUnder(prefix: string): Promise<string[]> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    return await client.keys(`${prefix}*`);
  } finally {
    await client.close();
  }
}

describeWithService(await redisAvailability(REDIS_URL), 'redis store', () => {
  describeListingRepository('redis', async () => {
    const ns = namespace();
    const keyv = await openRedis(REDIS_URL, { namespace: ns });
    const repo = await KeyvListingRepository.open({ keyv, backend: 'redis' });
    return {
      repo,
      keyv,
      connect: async (options = {}) =>
        KeyvListingRepository.open({
          ...options,
          keyv: await openRedis(REDIS_URL, { namespace: ns }),
          backend: 'redis',
        }),
      location: { url: REDIS_URL, namespace: ns },
      cleanup: async () => {
        await keyv.clear();
        await repo.close();
      },
    };
  });

  describe('namespaces', () => {
    it('keep stores apart, and clearing one leaves the other', async () => {
      const [a, b] = [namespace(), namespace()];
      const keyvA = await openRedis(REDIS_URL, { namespace: a });
      const keyvB = await openRedis(REDIS_URL, { namespace: b });
      const repoA = new KeyvListingRepository({ keyv: keyvA, backend: 'redis' });
      const repoB = new KeyvListingRepository({ keyv: keyvB, backend: 'redis' });
      try {
        await repoA.putInventory({
          target: '192.0.2.1',
          kind: 'ip4',
          labels: {},
          source: 'store',
          addedAt: '2026-11-28T10:00:00.000Z',
        });
        expect(await repoB.listInventory()).toEqual([]);
        expect(await keysUnder(`${a}::`)).toEqual([`${a}::inventory`]);
        await keyvB.clear();
        expect(await repoA.listInventory()).toHaveLength(1);
        await keyvA.clear();
        expect(await keysUnder(`${a}::`)).toEqual([]);
      } finally {
        await repoA.close();
        await repoB.close();
      }
    });
  });

  describe('writers changing what a transaction read', () => {
    it('runs the transaction again until it goes through, and gives STORE_LOCKED when they never stop', async () => {
      const ns = namespace();
      const keyv = await openRedis(REDIS_URL, { namespace: ns, lockTimeoutMs: 500 });
      const store = keyv.store as unknown as TransactionalStore;
      const other = createClient({ url: REDIS_URL });
      await other.connect();
      let churning = true;
      const churn = (async () => {
        for (let n = 0; churning; n++) {
          await other.set(`${ns}::counter`, JSON.stringify({ value: n, expires: null }));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      let attempts = 0;
      // Reads the counter, then takes longer than the churn's period before writing: every EXEC is aborted.
      const slowIncrement = () =>
        store.transaction(async () => {
          attempts++;
          const value = ((await keyv.get<number>('counter')) ?? 0) + 1;
          await new Promise((resolve) => setTimeout(resolve, 30));
          await keyv.set('counter', value);
          return value;
        });
      try {
        const error = await errorOf(slowIncrement());
        expect(error.code).toBe(ErrorCode.STORE_LOCKED);
        expect(error.message).toMatch(
          /^redis store \S+ kept being changed by other writers during this write/,
        );
        expect(attempts).toBeGreaterThan(3);

        attempts = 0;
        const retried = slowIncrement();
        // Let it lose at least one round to the churn, then stop the churn: the next attempt wins.
        await vi.waitFor(() => expect(attempts).toBeGreaterThan(1));
        churning = false;
        await churn;
        const last = await keyv.get<number>('counter');
        expect(await retried).toBe((last ?? 0) + 1);
        expect(attempts).toBeGreaterThan(1);
      } finally {
        churning = false;
        await churn;
        await other.close();
        await keyv.clear();
        await keyv.disconnect();
      }
    });
  });

  describe('outage', () => {
    let proxy: TcpProxy | undefined;
    let repo: ListingRepository | undefined;

    afterEach(async () => {
      await proxy?.restore();
      await repo?.close().catch(() => undefined);
      await proxy?.close();
    });

    it('fails operations quickly while the server is away, and works again once it is back', async () => {
      const target = new URL(REDIS_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const ns = namespace();
      const keyv = await openRedis(`redis://127.0.0.1:${proxy.port}`, { namespace: ns });
      repo = new KeyvListingRepository({ keyv, backend: 'redis' });
      await repo.listInventory();

      await proxy.cut();
      const started = Date.now();
      const failure = await repo.listInventory().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: ErrorCode.STORE_BACKEND_ERROR });
      expect(Date.now() - started).toBeLessThan(2_000);

      await proxy.restore();
      const result = await vi.waitFor(() => (repo as KeyvListingRepository).listInventory(), {
        timeout: 10_000,
        interval: 100,
      });
      expect(result).toEqual([]);
      await keyv.clear();
    });

    it('fails an operation on a frozen server at its deadline, and works again once it answers', async () => {
      const target = new URL(REDIS_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const keyv = await openRedis(`redis://127.0.0.1:${proxy.port}`, { namespace: namespace() });
      repo = new KeyvListingRepository({ keyv, backend: 'redis', operationTimeoutMs: 300 });
      await repo.listInventory();
      proxy.freeze();
      const failure = await repo.listInventory().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: ErrorCode.STORE_TIMEOUT });
      expect(String((failure as Error).message)).toContain('got no answer within 0.3 s');
      proxy.thaw();
      await expect
        .poll(() => repo?.listInventory().catch((error: unknown) => error), { timeout: 10_000 })
        .toEqual([]);
      await keyv.clear();
    });

    it('never commits a write its caller was told had timed out, and closes on a frozen server', {
      timeout: 30_000,
    }, async () => {
      const target = new URL(REDIS_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const keyv = await openRedis(`redis://127.0.0.1:${proxy.port}`, { namespace: namespace() });
      repo = new KeyvListingRepository({ keyv, backend: 'redis', operationTimeoutMs: 300 });
      const mute = (value: string) => ({
        scope: 'zone' as const,
        value,
        until: '2999-01-01T00:00:00.000Z',
        createdAt: new Date().toISOString(),
      });
      await repo.listInventory();
      proxy.freeze();
      await expect(repo.alerts.putMute(mute('late.test'))).rejects.toMatchObject({
        code: ErrorCode.STORE_TIMEOUT,
      });
      proxy.thaw();
      // Transactions of one store run in order, so once this one is in, the abandoned one has finished.
      await vi.waitFor(() => (repo as KeyvListingRepository).alerts.putMute(mute('next.test')), {
        timeout: 10_000,
        interval: 100,
      });
      const mutes = await repo.alerts.listMutes(new Date());
      expect(mutes.map((m) => m.value)).toEqual(['next.test']);

      proxy.freeze();
      await expect(repo.alerts.putMute(mute('stuck.test'))).rejects.toMatchObject({
        code: ErrorCode.STORE_TIMEOUT,
      });
      // The stuck write must not hold the shutdown: close gives up on it after its grace period.
      await repo.close();
      repo = undefined;
      proxy.thaw();
      await keyv.clear().catch(() => undefined);
    });

    it('applies nothing of a commit cut off mid-transaction, and commits it once the server is back', async () => {
      const target = new URL(REDIS_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      const keyv = await openRedis(`redis://127.0.0.1:${proxy.port}`, { namespace: namespace() });
      repo = await KeyvListingRepository.open({ keyv, backend: 'redis' });
      await expectCommitCutMidTransaction({ proxy, keyv, repo });
      await keyv.clear();
    });
  });
});
