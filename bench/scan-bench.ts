/**
 * `npm run bench:scan`: a whole watch scan of 65,536 IPv4 targets (one /16 in the inventory) x 10 zones against
 * rbldnsd on loopback, with the default SQLite store: wall time, lookups per second, peak RSS, and the store writes
 * and transactions of a second scan that changes nothing (the goal is a handful, whatever the inventory size).
 * Every result is counted in the /metrics set as `serve` counts it, and the cost of that counter alone is timed
 * apart (it runs once per lookup).
 *
 * Options: --targets N (power of two up to 65536), --concurrency N.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configDefaults } from '../src/config/app-config.ts';
import { UdpResolver } from '../src/dns/udp-resolver.ts';
import { formatIpv4 } from '../src/domain/ip-text.ts';
import { defaultListingPolicy } from '../src/domain/listing.ts';
import type { Zone } from '../src/domain/zone.ts';
import { createMetrics } from '../src/http/metrics.ts';
import { makeEntry } from '../src/inventory/inventory.ts';
import { openSqlite } from '../src/store/backends/sqlite.ts';
import { KeyvListingRepository } from '../src/store/keyv-repository.ts';
import { runScan } from '../src/watch/run-scan.ts';
import { instrumentKeyv } from '../test/contract/instrumented-store.ts';
import { type RbldnsdZone, startRbldnsd } from '../test/helpers/rbldnsd.ts';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '65536' },
    concurrency: { type: 'string', default: String(configDefaults.dns.concurrency) },
  },
});
const targetCount = Number(values.targets);
const prefix = 32 - Math.log2(targetCount);
if (!Number.isInteger(prefix) || prefix < 16) throw new Error('--targets must be a power of two up to 65536');

const zoneCount = 10;
const base = 10 << 24;
const rbldnsdZones: RbldnsdZone[] = Array.from({ length: zoneCount }, (_, i) => {
  const lines = [`:127.0.0.2:Listed by bench zone ${i}: $`, '127.0.0.2'];
  // A few listings per zone: a realistic scan finds some, and they must not cost writes once known.
  for (let n = i; n < targetCount; n += 4099) lines.push(formatIpv4(base + n));
  return { name: `scan${i}.test`, type: i % 2 === 0 ? 'ip4set' : 'ip4trie', data: `${lines.join('\n')}\n` };
});
const zones: Zone[] = rbldnsdZones.map((z) => ({
  zone: z.name,
  name: z.name,
  kind: 'ip4',
  queryHost: z.name,
  severity: 'major',
  scope: 'ip',
  testPoints: { listed: '127.0.0.2', unlisted: '127.0.0.1' },
}));

const dir = await mkdtemp(join(tmpdir(), 'rblwatch-scan-bench-'));
const server = await startRbldnsd(rbldnsdZones);
const resolver = new UdpResolver({ servers: [{ host: server.host, port: server.port }] });
// The store as rblwatch opens it (WAL, synchronous FULL, a writer and a reader connection), counted underneath.
const sqlite = await openSqlite(join(dir, 'rblwatch.sqlite'));
const { keyv, store } = instrumentKeyv(sqlite);
const repo = new KeyvListingRepository({ keyv, backend: 'sqlite' });
const metrics = createMetrics();
try {
  await repo.putInventory(
    makeEntry(`10.0.0.0/${prefix}`, {}, { source: 'config', addedAt: new Date().toISOString() }),
  );
  const scan = async (label: string): Promise<void> => {
    const writesBefore = store.writes.length;
    const transactionsBefore = store.transactions;
    const started = performance.now();
    const outcome = await runScan({
      repo,
      resolver,
      zones,
      concurrency: Number(values.concurrency),
      policy: defaultListingPolicy,
      inventory: () => repo.listInventory(),
      publisher: { publish: async () => {} },
      onResult: (result) => metrics.recordLookup(result.zone, result.status, result.reason),
    });
    const seconds = (performance.now() - started) / 1000;
    const { run } = outcome;
    console.log(`${label}`);
    console.log(
      `  status               ${run.status}, ${run.targets} targets, ${run.lookups.toLocaleString('en-US')} lookups`,
    );
    console.log(`  wall time            ${seconds.toFixed(2)} s`);
    console.log(`  lookups per second   ${Math.round(run.lookups / seconds).toLocaleString('en-US')}`);
    console.log(`  results              listed ${run.listed}, clean ${run.clean}, unknown ${run.unknown}`);
    console.log(`  events               ${run.events}`);
    console.log(`  store writes         ${store.writes.length - writesBefore}`);
    console.log(`  store transactions   ${store.transactions - transactionsBefore}`);
  };
  console.log(
    `rblwatch scan benchmark (${targetCount.toLocaleString('en-US')} targets x ${zoneCount} zones, rbldnsd, SQLite)`,
  );
  await scan('first scan (records the existing listings)');
  await scan('second scan (no changes)');
  const calls = 10_000_000;
  const counted = performance.now();
  for (let n = 0; n < calls; n++) metrics.recordLookup(zones[n % zoneCount]?.zone ?? '', 'clean');
  const perCall = ((performance.now() - counted) * 1e6) / calls;
  console.log(
    `metrics recordLookup   ${perCall.toFixed(1)} ns per call (${calls.toLocaleString('en-US')} calls)`,
  );
  const rendered = performance.now();
  const text = await metrics.render();
  console.log(
    `metrics render         ${(performance.now() - rendered).toFixed(1)} ms, ${text.length.toLocaleString('en-US')} bytes`,
  );
  console.log(`peak RSS               ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await repo.close();
  await sqlite.disconnect();
  await resolver.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
