/**
 * Child process for the SQLite durability tests: writes to the store at argv[3], then dies by SIGKILL, the way a
 * process dies to the OOM killer or `kill -9`, with no chance to flush or close anything.
 *
 * Modes:
 * - `write-then-kill`: one inventory entry and one committed run, then SIGKILL.
 * - `crash-mid-commit`: starts a run and writes only its commit record, then SIGKILL.
 * - `commit-forever`: commits runs in a loop, printing `committed <n>` after each; the parent kills it.
 */
import { openSqlite } from '../../../src/store/backends/sqlite.ts';
import { KeyvListingRepository } from '../../../src/store/keyv-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { instrumentKeyv } from '../../contract/instrumented-store.ts';
import { childCommit, childEntry, childRun } from './sqlite-child-data.ts';

const [mode, file] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: sqlite-child.ts <mode> <file>');

if (mode === 'write-then-kill') {
  const repo = await openStore(file);
  await repo.putInventory(childEntry);
  await repo.startRun(childRun(0));
  await repo.commitRun(childCommit(0));
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'crash-mid-commit') {
  const keyv = await openSqlite(file, { namespace: 'rblwatch' });
  const repo = new KeyvListingRepository({ keyv, backend: 'sqlite' });
  await repo.putInventory(childEntry);
  await repo.startRun(childRun(0));
  const crashing = new KeyvListingRepository({
    keyv: instrumentKeyv(keyv, { failAfterWrites: 1 }).keyv,
    backend: 'sqlite',
  });
  await crashing.commitRun(childCommit(0)).catch(() => undefined);
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'commit-forever') {
  const repo = await openStore(file);
  for (let n = 0; ; n++) {
    await repo.startRun(childRun(n));
    await repo.commitRun(childCommit(n));
    process.stdout.write(`committed ${n}\n`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
