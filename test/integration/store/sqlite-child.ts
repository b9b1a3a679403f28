/**
 * Child process for the SQLite tests: writes to the store at argv[3], then dies by SIGKILL, the way a process dies
 * to the OOM killer or `kill -9`, with no chance to flush or close anything; or holds the write lock.
 *
 * Modes:
 * - `write-then-kill`: one inventory entry and one committed run, then SIGKILL.
 * - `kill-mid-commit`: starts a run, then SIGKILLs itself inside the commit's transaction, after two of its writes.
 * - `commit-forever`: commits runs in a loop, printing `committed <n>` after each; the parent kills it.
 * - `hold-lock <ms>`: takes the write lock (`BEGIN IMMEDIATE`) with an uncommitted change to the inventory, prints
 *   `locked`, holds it for `<ms>`, rolls back and exits.
 */
import Database from 'better-sqlite3';
import { openSqlite } from '../../../src/store/backends/sqlite.ts';
import { KeyvListingRepository, storeKeys } from '../../../src/store/keyv-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { instrumentKeyv } from '../../contract/instrumented-store.ts';
import { childCommit, childEntry, childRun } from './sqlite-child-data.ts';

const [mode, file, argument] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: sqlite-child.ts <mode> <file> [argument]');

if (mode === 'write-then-kill') {
  const repo = await openStore(file);
  await repo.putInventory(childEntry);
  await repo.startRun(childRun(0));
  await repo.commitRun(childCommit(0));
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'kill-mid-commit') {
  const repo = await openStore(file);
  await repo.putInventory(childEntry);
  await repo.startRun(childRun(0));
  const keyv = await openSqlite(file, { namespace: 'rblwatch' });
  const dying = new KeyvListingRepository({
    keyv: instrumentKeyv(keyv, {
      beforeWrite: async (n) => {
        if (n === 2) process.kill(process.pid, 'SIGKILL');
      },
    }).keyv,
    backend: 'sqlite',
  });
  await dying.commitRun(childCommit(0));
  throw new Error('the commit should have been cut short');
} else if (mode === 'commit-forever') {
  const repo = await openStore(file);
  for (let n = 0; ; n++) {
    await repo.startRun(childRun(n));
    await repo.commitRun(childCommit(n));
    process.stdout.write(`committed ${n}\n`);
  }
} else if (mode === 'hold-lock') {
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  // Readers must never see this: it is rolled back.
  db.prepare('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)').run(
    `rblwatch:${storeKeys.inventory}`,
    JSON.stringify({ value: [], expires: null }),
  );
  process.stdout.write('locked\n');
  await new Promise((resolve) => setTimeout(resolve, Number(argument)));
  db.exec('ROLLBACK');
  db.close();
  process.stdout.write('released\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
