import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ListingEvent } from '../../../src/domain/listing.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { type DnsProxy, startDnsProxy } from '../../helpers/dns-proxy.ts';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';

/**
 * Crash safety of `rblwatch scan` with the default SQLite store: the same sequence of list changes is scanned once
 * cleanly and once with the process SIGKILLed at many points of its scans (before, during and after the lookups,
 * during the commit) and restarted. The recorded histories must be the same: nothing lost, nothing doubled.
 */
const header = ':127.0.0.2:Listed $';
/** What the three lists say in each phase of the scenario. */
const phases: readonly Record<'one' | 'two' | 'three', string[]>[] = [
  { one: ['10.9.0.5'], two: [], three: ['10.9.1.0/30'] },
  { one: ['10.9.0.5', '10.9.2.200'], two: ['10.9.3.1'], three: [] },
  { one: [], two: ['10.9.3.1', '10.9.0.0/29'], three: ['10.9.1.2'] },
  { one: ['10.9.0.6'], two: [], three: [] },
];
const zoneNames = ['one', 'two', 'three'] as const;

let rbldnsd: RbldnsdServer;
let proxy: DnsProxy;
let dir: string;

async function setPhase(index: number): Promise<void> {
  const phase = phases[index] ?? phases[0];
  for (const name of zoneNames) {
    await rbldnsd.update(`${name}.test`, `${header}\n127.0.0.2/32\n${(phase?.[name] ?? []).join('\n')}\n`);
  }
}

async function writeConfig(store: string): Promise<string> {
  const zones = join(dir, 'zones.yml');
  await writeFile(
    zones,
    `zones:\n${zoneNames.map((name) => `  - { zone: ${name}.test, kind: ip4 }`).join('\n')}\n`,
  );
  const file = join(dir, `${store}.yml`);
  await writeFile(
    file,
    [
      `store: ${join(dir, `${store}.sqlite`)}`,
      `resolvers: ["${proxy.host}:${proxy.port}"]`,
      `zones: ${zones}`,
      'dns: { timeoutMs: 500, retries: 2, concurrency: 64 }',
      'targets: [10.9.0.0/22]',
      '',
    ].join('\n'),
  );
  return file;
}

/** Start a scan and SIGKILL it after `afterMs`; whether it had finished or not does not matter. */
async function killedScan(config: string, afterMs: number): Promise<void> {
  const child = spawn(process.execPath, ['bin/rblwatch.js', 'scan', '--config', config], {
    cwd: new URL('../../../', import.meta.url),
    stdio: 'ignore',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([sleep(afterMs), exited]);
  child.kill('SIGKILL');
  await exited;
}

/** Run a scan to completion; returns how long the whole process took, to aim the kills of the next phase. */
async function completeScan(config: string): Promise<number> {
  const result = await runCli(['scan', '--config', config]);
  // stderr may carry the recovery notice after a kill; anything else would fail the exit status check.
  expect(result.code, result.stderr).toBe(0);
  return result.ms;
}

async function history(store: string): Promise<{ events: string[]; interrupted: number }> {
  const repo = await openStore(join(dir, `${store}.sqlite`));
  try {
    const { events } = await repo.listEvents({ limit: 1000 });
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const runs = await repo.listRuns({ limit: 1000 });
    expect(runs.filter((run) => run.status === 'running')).toEqual([]);
    return {
      events: events
        .reverse()
        .map((event: ListingEvent) => `${event.kind} ${event.target ?? ''} ${event.zone}`),
      interrupted: runs.filter((run) => run.status === 'interrupted').length,
    };
  } finally {
    await repo.close();
  }
}

describeWithService(await rbldnsdAvailability(), 'crash safety of scans (SIGKILL and restart)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-crash-'));
    rbldnsd = await startRbldnsd(
      zoneNames.map((name) => ({ name: `${name}.test`, type: 'ip4trie', data: header })),
    );
    // 15 ms per question at 64 in flight: a scan's lookups take about a second, a window the kills can hit even
    // on a loaded machine.
    proxy = await startDnsProxy({ host: rbldnsd.host, port: rbldnsd.port }, { delayMs: 15 });
  });
  afterAll(async () => {
    await proxy?.close();
    await rbldnsd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records the same history whether or not scans are killed midway', { timeout: 480_000 }, async () => {
    const clean = await writeConfig('clean');
    const crashed = await writeConfig('crashed');
    // Kill points are fractions of how long a whole scan process took just before (start-up included), so they
    // land before, during and after the lookups and in the commit however loaded the machine is.
    const fractions = [0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 0.75, 0.85, 0.65, 0.98, 0.72, 0.88];
    let next = 0;
    await setPhase(0);
    await completeScan(clean);
    let lastDuration = await completeScan(crashed);
    for (let phase = 0; phase < phases.length; phase++) {
      await setPhase(phase);
      // Two complete scans per phase: enough for every delisting (delistAfter 2) to settle in the same phase.
      await completeScan(clean);
      await completeScan(clean);
      for (let kill = 0; kill < 3; kill++) {
        await killedScan(crashed, Math.round(lastDuration * (fractions[next++ % fractions.length] ?? 0.8)));
      }
      lastDuration = await completeScan(crashed);
      await completeScan(crashed);
    }
    const expected = await history('clean');
    expect(expected.events.length).toBeGreaterThan(8);
    expect(expected.interrupted).toBe(0);
    const crashedHistory = await history('crashed');
    expect(crashedHistory.events).toEqual(expected.events);
    // The kills really landed inside scans (not only before start or after the end).
    expect(crashedHistory.interrupted).toBeGreaterThan(0);
  });
});
