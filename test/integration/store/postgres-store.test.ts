/**
 * The ListingRepository contract on a real PostgreSQL, each test in its own namespace (removed afterwards), plus
 * namespace isolation, stores that share a process without sharing a pool, and an outage that fails operations
 * quickly instead of hanging them.
 */
import { randomBytes } from 'node:crypto';
import type { Keyv } from 'keyv';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InventoryEntry } from '../../../src/domain/inventory.ts';
import { ErrorCode } from '../../../src/errors.ts';
import { openPostgres } from '../../../src/store/backends/postgres.ts';
import { KeyvListingRepository } from '../../../src/store/keyv-repository.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import type { TransactionalStore } from '../../../src/store/transactional-store.ts';
import { describeListingRepository } from '../../contract/listing-repository.contract.ts';
import { errorOf } from '../../contract/store-builders.ts';
import { describeWithService, postgresAvailability } from '../../helpers/services.ts';
import { expectCommitCutMidTransaction } from './cut-commit.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const ENTRY: InventoryEntry = {
  target: '192.0.2.1',
  kind: 'ip4',
  labels: {},
  source: 'store',
  addedAt: '2026-11-28T10:00:00.000Z',
};

function namespace(): string {
  return `test-${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query<{ key: string }>(
      'SELECT key FROM rblwatch_kv WHERE starts_with(key, $1)',
      [prefix],
    );
    return result.rows.map((row) => row.key).sort();
  } finally {
    await client.end();
  }
}

describeWithService(await postgresAvailability(DATABASE_URL), 'postgres store', () => {
  describeListingRepository('postgres', async () => {
    const ns = namespace();
    const keyv = await openPostgres(DATABASE_URL, { namespace: ns });
    const repo = await KeyvListingRepository.open({ keyv, backend: 'postgres' });
    return {
      repo,
      keyv,
      connect: async (options = {}) =>
        KeyvListingRepository.open({
          ...options,
          keyv: await openPostgres(DATABASE_URL, { namespace: ns }),
          backend: 'postgres',
        }),
      location: { url: DATABASE_URL, namespace: ns },
      cleanup: async () => {
        await keyv.clear();
        await repo.close();
      },
    };
  });

  describe('namespaces and pools', () => {
    it('keeps stores apart, and closing one leaves the other working', async () => {
      const [a, b] = [namespace(), namespace()];
      const keyvA = await openPostgres(DATABASE_URL, { namespace: a });
      const keyvB = await openPostgres(DATABASE_URL, { namespace: b });
      const repoA = new KeyvListingRepository({ keyv: keyvA, backend: 'postgres' });
      const repoB = new KeyvListingRepository({ keyv: keyvB, backend: 'postgres' });
      try {
        await repoA.putInventory(ENTRY);
        expect(await repoB.listInventory()).toEqual([]);
        expect(await keysUnder(`${a}:`)).toEqual([`${a}:inventory`]);
        // @keyv/postgres alone shares one pool per process: closing B would end A's connections too.
        await repoB.close();
        expect(await repoA.listInventory()).toEqual([ENTRY]);
        await keyvA.clear();
        expect(await keysUnder(`${a}:`)).toEqual([]);
      } finally {
        await repoA.close();
        await repoB.close();
      }
    });
  });

  describe('another writer holding the store lock', () => {
    it('waits for it while reads go on, and gives STORE_LOCKED past the lock timeout', async () => {
      const ns = namespace();
      const holderKeyv = await openPostgres(DATABASE_URL, { namespace: ns });
      const patient = new KeyvListingRepository({
        keyv: await openPostgres(DATABASE_URL, { namespace: ns }),
        backend: 'postgres',
      });
      const hasty = new KeyvListingRepository({
        keyv: await openPostgres(DATABASE_URL, { namespace: ns, lockTimeoutMs: 300 }),
        backend: 'postgres',
      });
      let release = (): void => {};
      const locked = new Promise<void>((resolve) => {
        // The advisory lock is taken before the transaction's function runs: from here on it is held.
        const holding = (holderKeyv.store as unknown as TransactionalStore).transaction(async () => {
          resolve();
          await new Promise<void>((done) => {
            release = done;
          });
        });
        void holding.catch(() => undefined);
      });
      try {
        await locked;
        const write = patient.putInventory(ENTRY);
        const error = await errorOf(hasty.putInventory({ ...ENTRY, target: '192.0.2.2' }));
        expect(error.code).toBe(ErrorCode.STORE_LOCKED);
        expect(error.message).toMatch(/^postgres store \S+ is locked by another writer \(waited 0\.\d s\)/);
        expect(await patient.listInventory()).toEqual([]);
        release();
        await write;
        expect(await hasty.listInventory()).toEqual([ENTRY]);
      } finally {
        release();
        await holderKeyv.clear();
        await Promise.all([patient.close(), hasty.close(), holderKeyv.disconnect()]);
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

    /** Opens a store in a namespace of its own through a fresh proxy to the server. */
    async function openThroughProxy(): Promise<{ keyv: Keyv; via: TcpProxy }> {
      const target = new URL(DATABASE_URL);
      const via = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      proxy = via;
      const url = new URL(DATABASE_URL);
      url.hostname = '127.0.0.1';
      url.port = String(via.port);
      return {
        keyv: await openPostgres(url.toString(), { namespace: namespace(), connectTimeoutMs: 1_000 }),
        via,
      };
    }

    it('fails operations quickly while the server is away, and works again once it is back', async () => {
      const { keyv, via } = await openThroughProxy();
      repo = new KeyvListingRepository({ keyv, backend: 'postgres' });
      await repo.putInventory(ENTRY);

      await via.cut();
      const started = Date.now();
      const failure = await repo.listInventory().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: ErrorCode.STORE_BACKEND_ERROR });
      expect(Date.now() - started).toBeLessThan(3_000);

      await via.restore();
      const back = repo;
      const result = await vi.waitFor(() => back.listInventory(), { timeout: 10_000, interval: 100 });
      expect(result).toEqual([ENTRY]);
      await keyv.clear();
    });

    it('applies nothing of a commit cut off mid-transaction, and commits it once the server is back', async () => {
      const { keyv, via } = await openThroughProxy();
      repo = await KeyvListingRepository.open({ keyv, backend: 'postgres' });
      await expectCommitCutMidTransaction({ proxy: via, keyv, repo });
      await keyv.clear();
    });
  });
});
