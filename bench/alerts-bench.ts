/**
 * `npm run bench:alerts`: a /22 (1,024 addresses) lands on a critical list at once. How long until every page and
 * channel message is out, through the real router, the SQLite outbox and undici, to local PagerDuty and webhook
 * fakes; and how many store writes that costs. One PagerDuty incident per (address, list) is the contract, so this
 * is the worst case a pager destination has to absorb; the webhook gets grouped messages.
 *
 * Options: --alerts N (default 1024), --window MS (grouping window, default 0).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Agent } from 'undici';
import { createAlerting } from '../src/alerts/alerting.ts';
import { createNotifiers } from '../src/alerts/notifiers/registry.ts';
import type { Alert } from '../src/domain/alert.ts';
import { formatIpv4 } from '../src/domain/ip-text.ts';
import { Secret } from '../src/domain/secret.ts';
import { openSqlite } from '../src/store/backends/sqlite.ts';
import { KeyvListingRepository } from '../src/store/keyv-repository.ts';
import { instrumentKeyv } from '../test/contract/instrumented-store.ts';
import { startFakePagerDuty, startFakeWebhook } from '../test/helpers/fake-alert-receivers.ts';

const { values } = parseArgs({
  options: { alerts: { type: 'string', default: '1024' }, window: { type: 'string', default: '0' } },
});
const count = Number(values.alerts);
const secret = 'bench-webhook-secret-0123456789';

const dir = await mkdtemp(join(tmpdir(), 'rblwatch-alerts-bench-'));
// The store as rblwatch opens it (WAL, synchronous FULL, a writer and a reader connection), counted underneath.
const sqlite = await openSqlite(join(dir, 'rblwatch.sqlite'));
const { keyv, store } = instrumentKeyv(sqlite);
const repo = new KeyvListingRepository({ keyv, backend: 'sqlite' });
const pagerduty = await startFakePagerDuty();
const webhook = await startFakeWebhook(secret);
const dispatcher = new Agent({ connections: 8 });
const notifiers = createNotifiers(
  [
    { type: 'pagerduty', name: 'pager', routingKey: new Secret('b'.repeat(32)), url: pagerduty.url },
    { type: 'webhook', name: 'hook', url: webhook.url, secret: new Secret(secret) },
  ],
  { http: { dispatcher, timeoutMs: 10_000, clock: () => new Date() }, chat: {} },
);
const alerting = createAlerting({
  repo,
  routes: [{ match: {}, to: ['pager', 'hook'] }],
  modes: new Map([
    ['pager', 'per-key'],
    ['hook', 'grouped'],
  ]),
  notifiers,
  log: pino({ level: 'silent' }),
  groupWindowMs: Number(values.window),
});
await alerting.open();

const base = (10 << 24) >>> 0;
const alerts: Alert[] = Array.from({ length: count }, (_, i) => ({
  id: `bench-run:${String(i + 1).padStart(6, '0')}`,
  kind: 'listed',
  at: new Date().toISOString(),
  severity: 'critical',
  runId: 'bench-run',
  zone: 'bl.bench',
  target: formatIpv4(base + i),
  entry: '10.0.0.0/22',
  codes: ['127.0.0.2'],
  meanings: ['spam source'],
  txt: [`Listed, see https://bl.bench/?${formatIpv4(base + i)}`],
  delist: `https://bl.bench/remove?ip=${formatIpv4(base + i)}`,
}));

const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const writesBefore = store.writes.length;
await alerting.route(alerts);
const routedMs = performance.now() - started;
const routeWrites = store.writes.length - writesBefore;
const sent = await alerting.outbox.deliverDue({ flush: true });
const totalMs = performance.now() - started;

console.log(`rblwatch alerts benchmark (${count} listings of one /22 on one critical list)`);
console.log(
  `  routed into the SQLite outbox  ${(routedMs / 1000).toFixed(2)} s, ${routeWrites} store writes`,
);
console.log(
  `  delivered                      ${sent.delivered} deliveries, ${sent.retried} retried, ${sent.failed} failed`,
);
console.log(`  PagerDuty events accepted      ${pagerduty.requests.length}`);
console.log(`  webhook messages (grouped)     ${webhook.requests.length}`);
console.log(
  `  all out after                  ${(totalMs / 1000).toFixed(2)} s (${Math.round((count * 2) / (totalMs / 1000))} items/s)`,
);
console.log(`  store writes in all            ${store.writes.length - writesBefore}`);
console.log(`  outbox left                    ${(await repo.alerts.listOutbox()).length}`);
console.log(
  `  RSS                            ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB (before: ${Math.round(rssBefore / 2 ** 20)} MB)`,
);

await dispatcher.close();
await pagerduty.close();
await webhook.close();
await repo.close();
await sqlite.disconnect();
await rm(dir, { recursive: true, force: true });
