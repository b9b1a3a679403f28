import { setTimeout as delay } from 'node:timers/promises';
import { type CommandContext, type CommandDefinition, defineCommand } from '../src/command-api/command.ts';
import { describeCaller, describeRun, formatDuration } from '../src/command-api/format-reply.ts';

export interface ScanCommandOptions {
  /**
   * How long to wait for the scan before answering that it is still running, in ms (default 10 minutes). A
   * deferred answer must arrive within Discord's 15-minute interaction window (Slack's response_url lasts 30).
   */
  readonly maxWaitMs?: number;
}

/**
 * `/rbl scan`: scan every watched target now, unless a scan is already running. The scheduler answers `busy` or
 * `stopped` at once, and `started` only once the scan has finished, so the answer can say what the scan found.
 */
export function createScanCommand(options: ScanCommandOptions = {}): CommandDefinition {
  const maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  return defineCommand({
    name: 'scan',
    description: 'Scan every watched target now',
    access: 'change',
    rateLimited: true,
    options: [],
    async run(context: CommandContext) {
      const { scans, store, clock } = context.services;
      if (!scans) {
        await context.reply({
          title: 'No scan was started',
          lines: ['Scans run only inside rblwatch serve; from a shell, run rblwatch scan.'],
          tone: 'warning',
          ephemeral: true,
        });
        return;
      }
      await context.defer();
      const by = describeCaller(context.user);
      const started = clock();
      const timer = new AbortController();
      const outcome = await Promise.race([
        scans.runNow(by),
        delay(maxWaitMs, 'waiting' as const, { signal: timer.signal }),
      ]).finally(() => timer.abort());
      context.log.info({ by, action: 'scan', outcome }, 'scan requested');
      if (outcome === 'busy') {
        await context.reply({
          title: 'A scan is already running',
          lines: [`No second scan was started; ${context.syntax('status')} shows the results once it ends.`],
          tone: 'neutral',
          ephemeral: true,
        });
        return;
      }
      if (outcome === 'stopped') {
        await context.reply({
          title: 'No scan was started',
          lines: ['rblwatch is shutting down, so it takes no new scans.'],
          tone: 'warning',
          ephemeral: true,
        });
        return;
      }
      if (outcome === 'waiting') {
        await context.reply({
          title: 'Scan started, still running',
          lines: [
            `It has run for ${formatDuration(maxWaitMs)}; ${context.syntax('status')} shows the results once it ends.`,
          ],
          tone: 'neutral',
          footer: `Started by ${by}`,
          ephemeral: true,
        });
        return;
      }
      const [run] = await store.listRuns({ limit: 1 });
      const failed = run !== undefined && run.status !== 'completed';
      await context.reply({
        title: failed ? 'The scan did not complete' : 'Scan finished',
        lines: [describeRun(run, clock()), `Took ${formatDuration(clock().getTime() - started.getTime())}.`],
        tone: failed ? 'warning' : run !== undefined && run.listed > 0 ? 'danger' : 'good',
        footer: `Started by ${by}`,
        // The answer follows a defer, whose visibility Discord fixes at defer time: private, like the defer.
        ephemeral: true,
      });
    },
  });
}

export const scanCommand = createScanCommand();
