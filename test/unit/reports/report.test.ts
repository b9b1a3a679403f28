import { describe, expect, it } from 'vitest';
import type { Mute } from '../../../src/domain/mute.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import { renderReportMessage } from '../../../src/reports/render-message.ts';
import { buildReport } from '../../../src/reports/report.ts';
import { listedState, testZones } from '../../helpers/command-harness.ts';

const meta = { source: 'config' as const, addedAt: '2026-11-01T00:00:00.000Z' };
const now = new Date('2026-12-01T12:00:00.000Z');

const mute: Mute = {
  scope: 'zone',
  value: 'minor.test',
  until: '2026-12-02T00:00:00.000Z',
  createdAt: '2026-12-01T00:00:00.000Z',
  by: 'cli',
  reason: 'known',
};

describe('buildReport', () => {
  it('turns a store snapshot into data: listings oldest first with their entry, labels, zone and delist page', () => {
    const run = {
      ...startedRun('2026-12-01T11:00:00.000Z-abc', '2026-12-01T11:00:00.000Z'),
      status: 'completed' as const,
      endedAt: '2026-12-01T11:01:00.000Z',
      targets: 17,
      lookups: 51,
      listed: 2,
    };
    const report = buildReport({
      inventory: [
        makeEntry('1.2.3.0/28', { owner: 'bob', team: 'mail' }, meta),
        makeEntry('8.8.4.4', {}, meta),
      ],
      states: [
        listedState('8.8.4.4', 'retired.test', '2026-11-30T12:00:00.000Z'),
        listedState('1.2.3.5', 'bl.test', '2026-11-20T12:00:00.000Z'),
        { ...listedState('8.8.8.8', 'bl.test', '2026-11-01T00:00:00.000Z'), status: 'clean' },
      ],
      degradedZones: new Set(['minor.test', 'bl.test']),
      lastRun: run,
      zones: testZones,
      mutes: [mute],
      now,
    });
    expect(report).toEqual({
      id: 'report:2026-12-01T12:00:00.000Z',
      at: '2026-12-01T12:00:00.000Z',
      watched: { entries: 2, targets: 17 },
      listings: [
        {
          target: '1.2.3.5',
          zone: 'bl.test',
          zoneName: 'Test BL',
          severity: 'critical',
          since: '2026-11-20T12:00:00.000Z',
          codes: ['127.0.0.2'],
          meanings: ['spam source'],
          delist: 'https://bl.test/?ip=1.2.3.5',
          entry: '1.2.3.0/28',
          labels: { owner: 'bob', team: 'mail' },
        },
        {
          target: '8.8.4.4',
          zone: 'retired.test',
          since: '2026-11-30T12:00:00.000Z',
          codes: ['127.0.0.2'],
          meanings: ['spam source'],
          entry: '8.8.4.4',
          labels: {},
        },
      ],
      degradedZones: ['bl.test', 'minor.test'],
      // Who muted is not report data: it would travel to every webhook.
      mutes: [{ scope: 'zone', value: 'minor.test', until: '2026-12-02T00:00:00.000Z' }],
      lastRun: {
        id: run.id,
        status: 'completed',
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        targets: 17,
        lookups: 51,
        listed: 2,
        unknown: 0,
        events: 0,
      },
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('renders a message from the data alone', () => {
    const report = buildReport({ inventory: [], states: [], degradedZones: [], zones: testZones, now });
    expect(renderReportMessage(report)).toEqual({
      title: 'Blacklist report: all clear',
      lines: [
        'Nothing is watched yet.',
        'No watched target is listed on any list in use.',
        'No scan has run yet.',
      ],
      tone: 'warning',
      footer: 'As of 2026-12-01 12:00 UTC',
      ephemeral: false,
    });
  });
});
