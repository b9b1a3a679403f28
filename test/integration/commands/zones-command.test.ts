import { afterEach, describe, expect, it } from 'vitest';
import { zonesCommand } from '../../../commands/zones.ts';
import type { ZoneHealthReport } from '../../../src/domain/check-result.ts';
import {
  type CommandHarness,
  createCommandHarness,
  expectSafeReply,
  recordScan,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness;

afterEach(() => harness.close());

describe('/rbl zones', () => {
  it('lists each zone with kind, severity and health from the last scan, deferring first', async () => {
    let probes = 0;
    harness = await createCommandHarness({
      probe: async () => {
        probes++;
        return [];
      },
    });
    await recordScan(harness.store, {
      at: '2026-12-01T11:00:00.000Z',
      zoneHealth: [
        { zone: 'bl.test', health: 'ok', detail: 'test points answer' },
        { zone: 'minor.test', health: 'wildcard', detail: 'lists 127.0.0.1 <!channel>\u0007' },
        { zone: 'dbl.test', health: 'untested', detail: 'no test points' },
      ],
      degradedZones: ['minor.test'],
    });
    await harness.mutes.putMute({
      scope: 'zone',
      value: 'minor.test',
      until: '2026-12-02T12:00:00.000Z',
      createdAt: '2026-12-01T12:00:00.000Z',
    });
    const { reply, steps } = await harness.run(zonesCommand);
    expect(steps).toEqual(['defer', 'reply']);
    expect(probes).toBe(0);
    expect(reply.title).toBe('3 lists in use, 1 not healthy');
    expect(reply.tone).toBe('warning');
    expect(reply.lines).toEqual([
      'bl.test (Test BL): ip4, critical, ok',
      'minor.test: ip4, minor, wildcard; lists 127.0.0.1 <!channel>; degraded: answers not used; muted until 2026-12-02 12:00 UTC',
      'dbl.test: domain, major, untested; no test points',
    ]);
    expect(reply.ephemeral).toBe(true);
    expectSafeReply(reply);
  });

  it('probes when no scan has covered the zones', async () => {
    const healthy = (zone: string): ZoneHealthReport => ({ zone, health: 'ok', detail: 'ok' });
    harness = await createCommandHarness({
      probe: async () => [healthy('bl.test'), healthy('minor.test'), healthy('dbl.test')],
    });
    const { reply } = await harness.run(zonesCommand, { public: true });
    expect(reply).toMatchObject({ title: '3 lists in use', tone: 'good', ephemeral: false });
    expect(reply.lines[1]).toBe('minor.test: ip4, minor, ok');
  });
});
