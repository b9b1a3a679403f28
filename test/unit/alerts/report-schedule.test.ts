import { describe, expect, it } from 'vitest';
import { createReportScheduler } from '../../../src/alerts/report-schedule.ts';
import type { OutboxItem } from '../../../src/domain/outbox-item.ts';
import { scheduledReport } from '../../fixtures/alerts.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

describe('createReportScheduler', () => {
  it('queues the structured report for every destination of the schedule, one id per schedule and time', async () => {
    const queued: OutboxItem[] = [];
    const scheduler = createReportScheduler({
      reports: [
        { schedule: '0 8 * * 1', to: ['mail-ops', 'ops-hook'] },
        { schedule: '0 8 * * *', to: ['ops-hook'] },
      ],
      build: async () => scheduledReport,
      outbox: {
        add: async (items) => {
          queued.push(...items);
          return [...items];
        },
      },
      log: createMemoryLog().log,
      clock: () => new Date('2026-11-30T08:00:00.000Z'),
    });
    await scheduler.send(0);
    await scheduler.send(1);
    const report = { ...scheduledReport, id: 'report:0:2026-11-30T08:00:00.000Z' };
    expect(queued.map((item) => [item.id, item.action, item.key])).toEqual([
      ['report:0:2026-11-30T08:00:00.000Z>mail-ops', 'notify', 'report'],
      ['report:0:2026-11-30T08:00:00.000Z>ops-hook', 'notify', 'report'],
      ['report:1:2026-11-30T08:00:00.000Z>ops-hook', 'notify', 'report'],
    ]);
    expect(queued[0]?.payload).toEqual({ type: 'report', report });
    expect(await scheduler.send(2)).toEqual([]);
  });
});
