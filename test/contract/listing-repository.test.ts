/**
 * The ListingRepository contract on the backends that need no server: memory, and SQLite on a temporary file.
 * Redis and PostgreSQL run the same suite from test/integration/store/ when their servers are reachable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemory } from '../../src/store/backends/memory.ts';
import { openSqlite } from '../../src/store/backends/sqlite.ts';
import { KeyvListingRepository } from '../../src/store/keyv-repository.ts';
import { describeListingRepository } from './listing-repository.contract.ts';

describeListingRepository('memory', async () => {
  const keyv = await openMemory({ namespace: 'rblwatch' });
  const repo = new KeyvListingRepository({ keyv, backend: 'memory' });
  return { repo, keyv, cleanup: () => repo.close() };
});

describeListingRepository('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rblwatch-store-'));
  const keyv = await openSqlite(join(dir, 'nested', 'rblwatch.sqlite'), { namespace: 'rblwatch' });
  const repo = new KeyvListingRepository({ keyv, backend: 'sqlite' });
  return {
    repo,
    keyv,
    cleanup: async () => {
      await repo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
