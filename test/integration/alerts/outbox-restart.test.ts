import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import { type FakePagerDuty, startFakePagerDuty } from '../../helpers/fake-alert-receivers.ts';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { repoRoot, runCli } from '../../helpers/run-cli.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';

/**
 * "Nothing is lost when the process dies": a scan routes two pages while PagerDuty never answers, the process is
 * SIGKILLed with a delivery in flight, and the next process delivers both, each accepted exactly once. And "nothing
 * is sent twice": a process killed right after PagerDuty accepted a page repeats at most that one.
 */
const header = ':127.0.0.2:Listed, see https://bl.example/?$';
const ROUTING_KEY = 'k'.repeat(32);

let rbldnsd: RbldnsdServer;
let pagerduty: FakePagerDuty;
let dir: string;
let config: string;

describeWithService(await rbldnsdAvailability(), 'outbox across a killed process', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-outbox-'));
    rbldnsd = await startRbldnsd([
      { name: 'bl.test', type: 'ip4set', data: `${header}\n127.0.0.2\n10.8.0.5\n10.8.0.6\n` },
    ]);
    pagerduty = await startFakePagerDuty();
    const zones = join(dir, 'zones.yml');
    await writeFile(zones, 'zones:\n  - { zone: bl.test, kind: ip4, severity: critical }\n');
    config = join(dir, 'rblwatch.yml');
    await writeFile(
      config,
      [
        `store: ${join(dir, 'store.sqlite')}`,
        `resolvers: ["${rbldnsd.host}:${rbldnsd.port}"]`,
        `zones: ${zones}`,
        'targets: [10.8.0.5, 10.8.0.6, 10.8.0.7]',
        'destinations:',
        `  pager: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${pagerduty.url}" }`,
        // These are first-scan listings, which are recorded silently unless a route asks for them.
        'routes: [{ match: { kind: [listed, delisted], initial: true }, to: [pager] }]',
        'alerts: { timeout: 60s }',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await rbldnsd?.stop();
    await pagerduty?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('delivers every page after a SIGKILL with deliveries in flight, each accepted once', {
    timeout: 120_000,
  }, async () => {
    const env = { PAGERDUTY_ROUTING_KEY: ROUTING_KEY };
    pagerduty.script('hang');
    const child = spawn(process.execPath, ['bin/rblwatch.js', 'scan', '--config', config], {
      cwd: repoRoot,
      stdio: 'ignore',
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Both pages are stored before either is sent; one request at a time goes to a destination, so once the first
    // is in flight (and hangs), both are queued.
    await pagerduty.waitForRequests(1, 45_000);
    child.kill('SIGKILL');
    await exited;
    expect(pagerduty.incidents.size).toBe(0);

    const pending = await runCli(['alerts', 'pending', '--config', config, '--json'], { env });
    expect(pending.code, pending.stderr).toBe(0);
    const items = (JSON.parse(pending.stdout) as { items: { key: string; status: string }[] }).items;
    expect(items.map((item) => `${item.status} ${item.key}`).sort()).toEqual([
      'pending rblwatch:10.8.0.5:bl.test',
      'pending rblwatch:10.8.0.6:bl.test',
    ]);

    // The next process (a scan with nothing new) sends what the killed one left.
    const next = await runCli(['scan', '--config', config], { env, timeoutMs: 30_000 });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('alerts: 2 sent, 0 given up, 0 queued');
    expect([...pagerduty.incidents].sort()).toEqual([
      ['rblwatch:10.8.0.5:bl.test', 'triggered'],
      ['rblwatch:10.8.0.6:bl.test', 'triggered'],
    ]);
    // One hung attempt, then exactly one accepted trigger per page.
    expect(pagerduty.requests).toHaveLength(3);
    const store = await openStore(join(dir, 'store.sqlite'));
    try {
      expect(await store.alerts.listOutbox()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describeWithService(await rbldnsdAvailability(), 'outbox: a kill right after an acceptance', () => {
  const targets = Array.from({ length: 10 }, (_, n) => `10.9.0.${n + 1}`);
  let server: RbldnsdServer;
  let fake: FakePagerDuty;
  let work: string;
  let file: string;
  /** Set by the test: what to do once the fake has answered request `index`. */
  let onAnswered: (index: number) => void = () => {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rblwatch-outbox-kill-'));
    server = await startRbldnsd([
      { name: 'bl.test', type: 'ip4set', data: `${header}\n127.0.0.2\n${targets.join('\n')}\n` },
    ]);
    fake = await startFakePagerDuty({ onAnswered: (index) => onAnswered(index) });
    const zones = join(work, 'zones.yml');
    await writeFile(zones, 'zones:\n  - { zone: bl.test, kind: ip4, severity: critical }\n');
    file = join(work, 'rblwatch.yml');
    await writeFile(
      file,
      [
        `store: ${join(work, 'store.sqlite')}`,
        `resolvers: ["${server.host}:${server.port}"]`,
        `zones: ${zones}`,
        `targets: [${targets.join(', ')}]`,
        'destinations:',
        `  pager: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${fake.url}" }`,
        'routes: [{ match: { kind: [listed], initial: true }, to: [pager] }]',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('repeats at most the one page in flight when killed right after PagerDuty accepted the 3rd of 10', {
    timeout: 120_000,
  }, async () => {
    const env = { PAGERDUTY_ROUTING_KEY: ROUTING_KEY };
    const child = spawn(process.execPath, ['bin/rblwatch.js', 'scan', '--config', file], {
      cwd: repoRoot,
      stdio: 'ignore',
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    onAnswered = (index) => {
      if (index === 2) child.kill('SIGKILL');
    };
    await exited;
    onAnswered = () => {};
    const beforeRestart = fake.requests.length;
    expect(beforeRestart).toBeGreaterThanOrEqual(3);

    const next = await runCli(['scan', '--config', file], { env, timeoutMs: 60_000 });
    expect(next.code, next.stderr).toBe(0);
    const accepted = new Map<string, number>();
    for (const request of fake.requests) {
      const key = (request.json as { dedup_key: string }).dedup_key;
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
    }
    expect([...accepted.keys()].sort()).toEqual(targets.map((target) => `rblwatch:${target}:bl.test`).sort());
    const duplicates = [...accepted.values()].reduce((sum, count) => sum + count - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(1);
    expect(fake.requests.length).toBeLessThanOrEqual(targets.length + 1);
  });
});
