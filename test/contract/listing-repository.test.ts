/**
 * The ListingRepository contract on the backends that need no server: memory, and SQLite on a temporary file.
 * Redis and PostgreSQL run the same suite from test/integration/store/ when their servers are reachable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyv } from 'keyv';
import { openMemory } from '../../src/store/backends/memory.ts';
import { openSqlite } from '../../src/store/backends/sqlite.ts';
import { KeyvListingRepository } from '../../src/store/keyv-repository.ts';
import { describeListingRepository } from './listing-repository.contract.ts';

describeListingRepository('memory', async () => {
  const keyv = await openMemory({ namespace: 'rblwatch' });
  const repo = await KeyvListingRepository.open({ keyv, backend: 'memory' });
  return {
    repo,
    keyv,
    // A second keyv over the same map: what a second repository in this process would see.
    connect: (options = {}) =>
      KeyvListingRepository.open({
        ...options,
        keyv: new Keyv({ store: keyv.store, namespace: 'rblwatch', throwOnErrors: true }),
        backend: 'memory',
      }),
    cleanup: () => repo.close(),
  };
});

describeListingRepository('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rblwatch-store-'));
  const file = join(dir, 'nested', 'rblwatch.sqlite');
  const keyv = await openSqlite(file, { namespace: 'rblwatch' });
  const repo = await KeyvListingRepository.open({ keyv, backend: 'sqlite' });
  return {
    repo,
    keyv,
    connect: async (options = {}) =>
      KeyvListingRepository.open({
        ...options,
        keyv: await openSqlite(file, { namespace: 'rblwatch' }),
        backend: 'sqlite',
      }),
    location: { url: file, namespace: 'rblwatch' },
    cleanup: async () => {
      await repo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
