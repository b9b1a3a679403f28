import { describe, expect, it } from 'vitest';
import { createZoneService } from '../../../src/command-api/zone-service.ts';
import type { ZoneHealthReport } from '../../../src/domain/check-result.ts';
import { type ScanRun, startedRun } from '../../../src/domain/scan-run.ts';
import { makeZone } from '../../helpers/zones.ts';

const zones = [makeZone({ zone: 'a.test' }), makeZone({ zone: 'b.test' })];
const report = (zone: string, health: ZoneHealthReport['health']): ZoneHealthReport => ({
  zone,
  health,
  detail: health,
});
const run = (status: ScanRun['status'], zoneHealth: ZoneHealthReport[]): ScanRun => ({
  ...startedRun('r', '2026-12-01T00:00:00.000Z'),
  status,
  zoneHealth,
});

/**
 * Resolves once every promise continuation queued so far has run: nothing here waits on I/O or timers, so one
 * turn of the event loop (an immediate runs after the microtask queue is empty) is enough, and no fixed time is.
 */
function allPromisesSettled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function service(runs: ScanRun[], probe: () => Promise<ZoneHealthReport[]>, now = () => 0) {
  return createZoneService({ zones, repo: { listRuns: async () => runs }, probe, now });
}

describe('createZoneService', () => {
  it('takes each zone from the newest completed run that probed it, in catalog order', async () => {
    const probe = async (): Promise<ZoneHealthReport[]> => {
      throw new Error('must not probe');
    };
    const zonesService = service(
      [
        run('running', [report('a.test', 'unreachable')]),
        run('completed', [report('b.test', 'wildcard')]),
        run('failed', [report('a.test', 'refused')]),
        run('completed', [report('a.test', 'ok'), report('b.test', 'ok'), report('gone.test', 'ok')]),
      ],
      probe,
    );
    expect(zonesService.list()).toBe(zones);
    expect(await zonesService.health()).toEqual([report('a.test', 'ok'), report('b.test', 'wildcard')]);
  });

  it('probes zones no completed run covers, and reuses the probe for its TTL', async () => {
    let probes = 0;
    let clock = 0;
    const zonesService = service(
      [run('completed', [report('a.test', 'ok')])],
      async () => {
        probes++;
        return [report('a.test', 'refused'), report('b.test', 'no-test-point')];
      },
      () => clock,
    );
    expect(await zonesService.health()).toEqual([report('a.test', 'ok'), report('b.test', 'no-test-point')]);
    clock = 60_000;
    await zonesService.health();
    expect(probes).toBe(1);
    clock = 6 * 60_000;
    await zonesService.health();
    expect(probes).toBe(2);
  });

  it('shares one live probe between concurrent callers', async () => {
    let probes = 0;
    const pending: ((reports: ZoneHealthReport[]) => void)[] = [];
    const zonesService = service([], () => {
      probes++;
      return new Promise<ZoneHealthReport[]>((resolve) => pending.push(resolve));
    });
    const calls = [zonesService.health(), zonesService.health(), zonesService.health()];
    // Every caller gets past its store read and asks for the probe.
    await allPromisesSettled();
    for (const finish of pending) finish([report('a.test', 'ok'), report('b.test', 'ok')]);
    const answers = await Promise.all(calls);
    expect(probes).toBe(1);
    for (const answer of answers) expect(answer).toEqual([report('a.test', 'ok'), report('b.test', 'ok')]);
    await zonesService.health();
    expect(probes).toBe(1);
  });

  it('does not cache a failed probe: every waiting caller sees the failure, the next call probes again', async () => {
    let probes = 0;
    let failing = true;
    const pending: ((error: Error) => void)[] = [];
    const zonesService = service([], () => {
      probes++;
      if (failing) return new Promise<ZoneHealthReport[]>((_resolve, reject) => pending.push(reject));
      return Promise.resolve([report('a.test', 'ok'), report('b.test', 'refused')]);
    });
    const first = zonesService.health();
    const second = zonesService.health();
    await allPromisesSettled();
    failing = false;
    for (const fail of pending) fail(new Error('resolver down'));
    await expect(first).rejects.toThrow('resolver down');
    await expect(second).rejects.toThrow('resolver down');
    expect(probes).toBe(1);
    expect(await zonesService.health()).toEqual([report('a.test', 'ok'), report('b.test', 'refused')]);
    expect(probes).toBe(2);
  });
});
