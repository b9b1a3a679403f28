/**
 * Child process of the contract's several-writers test: opens the store at argv[3] (namespace argv[4]) the way
 * rblwatch does, prints `ready`, waits for `go` on stdin (so every child starts at the same moment), runs its part
 * of the workload, prints `done` and exits.
 *
 * Usage: store-child.ts writer <location> <namespace> <index> | store-child.ts scanner <location> <namespace>
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/open-store.ts';
import { runScanner, runWriter } from './concurrency-workload.ts';

const [mode, location, namespace, index] = process.argv.slice(2);
if (location === undefined || namespace === undefined) {
  throw new Error('usage: store-child.ts writer|scanner <location> <namespace> [index]');
}
const repo = await openStore(location, { namespace });
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on('line', (line) => line === 'go' && resolve()));
process.stdout.write('ready\n');
await go;
if (mode === 'writer') await runWriter(repo, Number(index));
else if (mode === 'scanner') await runScanner(repo);
else throw new Error(`unknown mode ${mode}`);
process.stdout.write('done\n');
lines.close();
await repo.close();
