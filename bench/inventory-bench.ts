/**
 * `npm run bench:inventory`: syncing a config file of N single IPs into a fresh SQLite store (what `serve` and
 * `scan` do at start), then syncing it again unchanged, and the first scan's `firstScannedAt` commit over all of
 * them. Each is one atomic store operation, so time grows linearly with N.
 *
 * Options: --entries N,M,... (default 4096,65536).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatIpv4 } from '../src/domain/ip-text.ts';
import { startedRun } from '../src/domain/scan-run.ts';
import { makeEntry } from '../src/inventory/inventory.ts';
import { openStore } from '../src/store/open-store.ts';
import { syncConfigInventory } from '../src/watch/sync-inventory.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '4096,65536' } } });
const sizes = values.entries.split(',').map(Number);

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - started) / 1000 };
}

console.log('rblwatch inventory benchmark (single-IP config entries, fresh SQLite store)');
for (const size of sizes) {
  const dir = await mkdtemp(join(tmpdir(), 'rblwatch-inventory-bench-'));
  try {
    const addedAt = new Date().toISOString();
    const entries = Array.from({ length: size }, (_, n) =>
      makeEntry(formatIpv4((10 << 24) + n), { team: 'mail' }, { source: 'config', addedAt }),
    );
    const repo = await openStore(join(dir, 'rblwatch.sqlite'));
    try {
      const first = await timed(() => syncConfigInventory(repo, entries));
      const again = await timed(() => syncConfigInventory(repo, entries));
      const run = startedRun(`${addedAt}-bench0`, addedAt);
      await repo.startRun(run);
      const commit = await timed(() =>
        repo.commitRun({
          run: { ...run, status: 'completed', endedAt: new Date().toISOString() },
          events: [],
          states: [],
          degradedZones: [],
          firstScanned: entries.map((entry) => entry.target),
        }),
      );
      const stored = (await repo.listInventory()).length;
      console.log(`${size.toLocaleString('en-US')} entries`);
      console.log(
        `  first sync           ${first.seconds.toFixed(2)} s (${first.result.added.length} added)`,
      );
      console.log(`  unchanged sync       ${again.seconds.toFixed(2)} s`);
      console.log(`  first-scan commit    ${commit.seconds.toFixed(2)} s`);
      console.log(`  per entry            ${((first.seconds * 1e6) / size).toFixed(1)} µs (first sync)`);
      if (stored !== size) throw new Error(`stored ${stored} entries, expected ${size}`);
    } finally {
      await repo.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
