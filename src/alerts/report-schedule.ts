import nodeCron from 'node-cron';
import { newOutboxItem, type OutboxItem } from '../domain/outbox-item.ts';
import type { Report } from '../domain/report.ts';
import type { Logger } from '../log.ts';
import type { CronLike, CronTaskLike } from '../scheduler/scan-scheduler.ts';
import type { Outbox } from './outbox.ts';

export interface ReportScheduleOptions {
  readonly reports: readonly { readonly schedule: string; readonly to: readonly string[] }[];
  readonly timezone?: string;
  /** Builds the report now (the same one `/rbl report` shows). */
  readonly build: () => Promise<Report>;
  readonly outbox: Pick<Outbox, 'add'>;
  readonly log: Logger;
  readonly clock?: () => Date;
  /** Defaults to node-cron; tests pass a fake whose tasks fire when told. */
  readonly cron?: CronLike;
}

export interface ReportScheduler {
  start(): void;
  stop(): Promise<void>;
  /** Builds the report and queues it for every destination of schedule `index` (what a tick does). */
  send(index: number): Promise<OutboxItem[]>;
}

/**
 * Posts the blacklist report on its schedules. Each report is queued in the outbox as a report payload (the data,
 * not its rendering: a channel gets the message, a webhook the report), so a channel that is down at 08:00 gets it
 * when it comes back (the newest report wins if several piled up).
 */
export function createReportScheduler(options: ReportScheduleOptions): ReportScheduler {
  const cron = options.cron ?? (nodeCron as unknown as CronLike);
  const clock = options.clock ?? (() => new Date());
  const tasks: CronTaskLike[] = [];

  async function send(index: number): Promise<OutboxItem[]> {
    const report = options.reports[index];
    if (!report) return [];
    const built = await options.build();
    const now = clock().toISOString();
    // The schedule's index in the id: two schedules firing together are two reports, not a duplicate.
    const payload = { type: 'report', report: { ...built, id: `report:${index}:${now}` } } as const;
    return options.outbox.add(
      report.to.map((destination) =>
        newOutboxItem(payload, destination, { action: 'notify', key: 'report' }, now),
      ),
    );
  }

  return {
    start() {
      if (tasks.length > 0) return;
      for (const [index, report] of options.reports.entries()) {
        const task = cron.createTask(
          report.schedule,
          async () => {
            try {
              const items = await send(index);
              options.log.info({ to: report.to, items: items.length }, 'scheduled report queued');
            } catch (error) {
              options.log.error(
                { err: error, to: report.to },
                'could not build or queue the scheduled report',
              );
            }
          },
          {
            name: `report-${index}`,
            noOverlap: true,
            ...(options.timezone ? { timezone: options.timezone } : {}),
          },
        );
        tasks.push(task);
        void task.start();
      }
    },
    async stop() {
      for (const task of tasks.splice(0)) await task.destroy();
    },
    send,
  };
}
