import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ListingEvent } from '../../../src/domain/listing.ts';
import type { ScanRun } from '../../../src/domain/scan-run.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { type FakePagerDuty, startFakePagerDuty } from '../../helpers/fake-alert-receivers.ts';
import {
  type FakeDnsServer,
  type FakeHandler,
  serveZoneData,
  startFakeDnsServer,
  type ZoneData,
} from '../../helpers/fake-dns-server.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { readHealth, startCli } from '../../helpers/serve-process.ts';

/**
 * A resolver that lies or dies is one problem, not a listing change and not one outage per zone: every scan through
 * it is recorded as failed with the reason, the outage is one `resolver-down` event (one page) that the next good
 * scan resolves, and no listing is delisted because the resolver said NXDOMAIN. Run as a user runs it: `rblwatch
 * scan` and `rblwatch serve` as child processes, a fake resolver on loopback, the local PagerDuty fake.
 */
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const env = { PAGERDUTY_ROUTING_KEY: ROUTING_KEY };
const listed = ['198.51.100.1', '198.51.100.2'];

function healthyData(options: { emptyZone?: boolean } = {}): ZoneData {
  const data: ZoneData = {};
  for (const zone of ['bl.test', 'bl2.test']) {
    if (!(options.emptyZone && zone === 'bl2.test')) data[`2.0.0.127.${zone}`] = { A: ['127.0.0.2'] };
    if (options.emptyZone && zone === 'bl2.test') continue;
    for (const target of listed) {
      data[`${target.split('.').reverse().join('.')}.${zone}`] = { A: ['127.0.0.2'], TXT: ['spam'] };
    }
  }
  return data;
}

const broken: Record<string, FakeHandler> = {
  'answers NXDOMAIN for everything': () => ({ rcode: 'NXDOMAIN' }),
  'refuses everything': () => ({ rcode: 'REFUSED' }),
  'answers nothing at all': () => ({ drop: true }),
};

let dns: FakeDnsServer;
let pagerduty: FakePagerDuty;
let dir: string;

beforeAll(async () => {
  dns = await startFakeDnsServer(serveZoneData(healthyData()));
  pagerduty = await startFakePagerDuty();
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-resolver-outage-'));
  await writeFile(
    join(dir, 'zones.yml'),
    [
      'zones:',
      '  - { zone: bl.test, kind: ip4, severity: critical }',
      '  - { zone: bl2.test, kind: ip4 }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await dns?.close();
  await pagerduty?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  dns.setHandler(serveZoneData(healthyData()));
  pagerduty.requests.length = 0;
});

let configs = 0;
/** A fresh store and config: two listed addresses of a /30 on two lists, pages for listings and the resolver. */
async function freshConfig(extra: readonly string[] = []): Promise<{ file: string; store: string }> {
  configs++;
  const store = join(dir, `store-${configs}.sqlite`);
  const file = join(dir, `rblwatch-${configs}.yml`);
  await writeFile(
    file,
    [
      `store: ${store}`,
      `resolvers: ["127.0.0.1:${dns.port}"]`,
      `zones: ${join(dir, 'zones.yml')}`,
      'dns: { timeoutMs: 200, retries: 0 }',
      'targets: [198.51.100.0/30]',
      'destinations:',
      `  pager: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${pagerduty.url}" }`,
      'routes:',
      '  - { match: { kind: [listed, delisted, resolver-down, resolver-recovered] }, to: [pager] }',
      '  - { match: { kind: [listed], initial: true }, to: [pager] }',
      ...extra,
      '',
    ].join('\n'),
  );
  return { file, store };
}

async function history(store: string): Promise<{ runs: ScanRun[]; events: ListingEvent[] }> {
  const repo = await openStore(store);
  try {
    const runs = await repo.listRuns({ limit: 100 });
    const { events } = await repo.listEvents({ limit: 1000 });
    return { runs, events };
  } finally {
    await repo.close();
  }
}

function pagerEvents(): string[] {
  return pagerduty.requests.map((request) => {
    const body = request.json as { event_action: string; dedup_key: string };
    return `${body.event_action} ${body.dedup_key}`;
  });
}

describe.each(Object.entries(broken))('a resolver that %s', (_name, handler) => {
  it('fails the scan once as one resolver-down page, changes no listing, and resolves after a good scan', async () => {
    const { file, store } = await freshConfig();
    const first = await runCli(['scan', '--config', file], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(pagerEvents().sort()).toEqual(
      listed
        .flatMap((target) => [`trigger rblwatch:${target}:bl.test`, `trigger rblwatch:${target}:bl2.test`])
        .sort(),
    );
    pagerduty.requests.length = 0;

    dns.setHandler(handler);
    for (let scan = 0; scan < 2; scan++) {
      const bad = await runCli(['scan', '--config', file], { env });
      expect(bad.code, bad.stderr).toBe(69);
      expect(bad.stderr).toMatch(/scan failed: resolver-(down|unusable): /);
      expect(bad.stderr).toContain(`127.0.0.1:${dns.port}`);
    }
    // Two failed scans, one page, no delisting.
    expect(pagerEvents()).toEqual(['trigger rblwatch:resolver']);
    const during = await history(store);
    expect(during.runs.slice(0, 2).map((run) => run.status)).toEqual(['failed', 'failed']);
    expect(during.events.map((event) => event.kind).sort()).toEqual([
      ...Array<string>(4).fill('listed'),
      'resolver-down',
    ]);
    const status = await runCli(['status', '--json', '--config', file], { env });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).listedTargets).toBe(2);
    expect(JSON.parse(status.stdout).resolver.detail).toContain(`127.0.0.1:${dns.port}`);
    const clean = await runCli(['status', '198.51.100.3', '--config', file], { env });
    expect(clean.code).toBe(2);
    expect(clean.stdout).toContain('the resolver is down or unusable since');

    dns.setHandler(serveZoneData(healthyData()));
    const good = await runCli(['scan', '--config', file], { env });
    expect(good.code, good.stderr).toBe(0);
    expect(pagerEvents()).toEqual(['trigger rblwatch:resolver', 'resolve rblwatch:resolver']);
    const after = await history(store);
    expect(after.runs[0]?.status).toBe('completed');
    expect(
      after.events.filter((event) => event.kind.startsWith('resolver')).map((event) => event.kind),
    ).toEqual(['resolver-recovered', 'resolver-down']);
    expect(after.events.some((event) => event.kind === 'delisted' || event.kind === 'zone-degraded')).toBe(
      false,
    );
  });
});

describe('a list emptied of its test point behind a healthy resolver', () => {
  it("degrades that list once and delists nothing on it; the other list's answers still count", async () => {
    const { file, store } = await freshConfig();
    expect((await runCli(['scan', '--config', file], { env })).code).toBe(0);
    pagerduty.requests.length = 0;
    dns.setHandler(serveZoneData(healthyData({ emptyZone: true })));
    for (let scan = 0; scan < 3; scan++) {
      const result = await runCli(['scan', '--config', file], { env });
      expect(result.code, result.stderr).toBe(0);
    }
    const { events } = await history(store);
    expect(events.filter((event) => event.kind === 'delisted')).toEqual([]);
    expect(events.filter((event) => event.kind === 'zone-degraded').map((event) => event.zone)).toEqual([
      'bl2.test',
    ]);
    expect(pagerEvents()).toEqual([]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('serve with a dead resolver', () => {
  it('answers /healthz 503 with the reason, then 200 once a scan gets answers again', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const { file } = await freshConfig([
      // Every second, without jitter, so the test sees the next scan without waiting for an hour.
      'schedule: "* * * * * *"',
      'jitterSeconds: 0',
      `http: { port: ${port}, host: 127.0.0.1 }`,
    ]);
    dns.setHandler(() => ({ drop: true }));
    const child = startCli(['serve', '--config', file], env);
    const healthz = () => readHealth(port);
    try {
      // 503 may come first for a tick skipped behind the startup scan; wait for the failed scan's own reason.
      await expect
        .poll(async () => (await healthz())?.error ?? '', { timeout: 30_000, interval: 100 })
        .toContain('resolver-down');
      const down = await healthz();
      expect(down?.status).toBe(503);
      expect(down?.error).toContain(`127.0.0.1:${dns.port}`);
      dns.setHandler(serveZoneData(healthyData()));
      await expect.poll(async () => (await healthz())?.status, { timeout: 30_000, interval: 100 }).toBe(200);
    } finally {
      child.kill();
    }
    expect(await child.exited, child.output()).toBe(0);
    // One outage, one page, whatever the number of failed scans; closed by the recovery.
    const resolverPages = pagerEvents().filter((event) => event.endsWith('rblwatch:resolver'));
    expect(resolverPages).toEqual(['trigger rblwatch:resolver', 'resolve rblwatch:resolver']);
    expect(child.output()).not.toContain('zone-degraded');
  });
});
