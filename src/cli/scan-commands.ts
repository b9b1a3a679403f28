import { openAlerting, openRuntime } from '../app/runtime.ts';
import { serve } from '../app/serve.ts';
import { loadConfig } from '../config/app-config.ts';
import { UserError } from '../errors.ts';
import { canonicalTarget } from '../inventory/inventory.ts';
import { createLogger } from '../log.ts';
import { describeEvent } from '../watch/log-publisher.ts';
import { type CliIo, ExitCode } from './io.ts';
import { createProgress } from './progress.ts';
import { printable } from './render-check.ts';
import {
  type LabelFlags,
  showHistory,
  showStatus,
  watchAdd,
  watchList,
  watchRemove,
} from './watch-commands.ts';

export interface ConfigFlags {
  readonly config?: string;
}

/**
 * Check targets typed on the command line before the store is opened, so bad input changes nothing at all (not
 * even creating an empty store). Prints every problem; false when there was one.
 */
function targetsValid(targets: readonly string[], io: CliIo, unchanged = 'nothing was changed'): boolean {
  let ok = true;
  for (const text of targets) {
    try {
      canonicalTarget(text);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      io.stderr.write(`rblwatch: ${error.message}\n`);
      ok = false;
    }
  }
  if (!ok) io.stderr.write(`rblwatch: ${unchanged}\n`);
  return ok;
}

export async function withRuntime<T>(
  flags: ConfigFlags,
  io: CliIo,
  use: (runtime: Awaited<ReturnType<typeof openRuntime>>) => Promise<T>,
): Promise<T> {
  const config = await loadConfig({ env: io.env, ...(flags.config ? { file: flags.config } : {}) });
  for (const warning of config.warnings) io.stderr.write(`warning: ${warning}\n`);
  // Commands other than serve log only problems, to stderr, so stdout stays for results.
  const log = createLogger({ level: 'warn', destination: io.stderr });
  const runtime = await openRuntime(config, log);
  try {
    return await use(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * `rblwatch scan`: one scan now, with a progress bar on a terminal, then what changed. Alerts are routed into the
 * outbox and sent once (webhooks and pagers; chat posts wait for `serve`, which holds the chat connections); what
 * could not be sent stays queued for the next `scan` or `serve`.
 */
export async function runScanCommand(flags: ConfigFlags & { json?: boolean }, io: CliIo): Promise<number> {
  return withRuntime(flags, io, async (runtime) => {
    const log = createLogger({ level: 'warn', destination: io.stderr });
    const { alerting, close } = await openAlerting(runtime, log);
    try {
      return await scanOnce(runtime, alerting, flags, io);
    } finally {
      await close();
    }
  });
}

async function scanOnce(
  runtime: Awaited<ReturnType<typeof openRuntime>>,
  alerting: Awaited<ReturnType<typeof openAlerting>>['alerting'],
  flags: { json?: boolean },
  io: CliIo,
): Promise<number> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let progress = createProgress(io, 0, '');
  let total = -1;
  let reported = 0;
  try {
    const outcome = await runtime.scan({
      signal: abort.signal,
      publisher: alerting,
      onProgress: (done, expected) => {
        if (expected !== total) {
          total = expected;
          progress = createProgress(io, expected, 'lookups');
        }
        progress.tick(done - reported);
        reported = done;
      },
    });
    progress.done();
    const { run, events, skippedZones } = outcome;
    const sent = await alerting.outbox.deliverDue({ flush: true });
    const queued = alerting.outbox.items().filter((item) => item.status === 'pending').length;
    const alerts = { ...sent, pending: queued };
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ run, events, skippedZones, alerts }, null, 2)}\n`);
    } else {
      if (events.length === 0) io.stdout.write('no changes\n');
      for (const event of events)
        io.stdout.write(`${event.kind.padEnd(15)} ${printable(describeEvent(event))}\n`);
      if (skippedZones.length > 0)
        io.stdout.write(`not due yet (zone intervals): ${skippedZones.join(', ')}\n`);
      io.stdout.write(
        `scan ${run.status}: ${run.targets} targets, ${run.lookups} lookups, ${run.listed} listed, ${run.unknown} unknown, ${run.events} events\n`,
      );
      if (sent.delivered + sent.retried + sent.failed + queued > 0) {
        io.stdout.write(
          `alerts: ${sent.delivered} sent, ${sent.failed} given up, ${queued} queued ` +
            '(`rblwatch alerts pending` lists them)\n',
        );
      }
    }
    if (run.status === 'interrupted') return ExitCode.interrupted;
    if (run.status === 'failed') {
      // Nothing was decided (the resolver answered nothing usable): a cron job must see it, not a clean run.
      io.stderr.write(`rblwatch: scan failed: ${printable(run.error ?? 'unknown reason')}\n`);
      return ExitCode.unavailable;
    }
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function runStatusCommand(
  target: string | undefined,
  flags: ConfigFlags & { json?: boolean },
  io: CliIo,
): Promise<number> {
  if (target !== undefined && !targetsValid([target], io)) return Promise.resolve(ExitCode.usage);
  return withRuntime(flags, io, (runtime) =>
    showStatus(runtime.repo, runtime.catalog.zones, target, flags.json === true, io),
  );
}

export function runHistoryCommand(
  target: string,
  flags: ConfigFlags & { json?: boolean; since?: string; until?: string; zone?: string },
  io: CliIo,
): Promise<number> {
  const filters = {
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.until ? { until: flags.until } : {}),
    ...(flags.zone ? { zone: flags.zone } : {}),
  };
  if (!targetsValid([target], io)) return Promise.resolve(ExitCode.usage);
  return withRuntime(flags, io, (runtime) =>
    showHistory(runtime.repo, target, filters, flags.json === true, io),
  );
}

export function runWatchCommand(
  action: 'add' | 'remove' | 'list',
  targets: readonly string[],
  flags: ConfigFlags & LabelFlags & { json?: boolean },
  io: CliIo,
): Promise<number> {
  const unchanged = action === 'add' ? 'nothing was added' : 'nothing was removed';
  if (!targetsValid(targets, io, unchanged)) return Promise.resolve(ExitCode.usage);
  return withRuntime(flags, io, (runtime) => {
    if (action === 'add') return watchAdd(runtime.repo, targets, flags, io, new Date());
    if (action === 'remove') return watchRemove(runtime.repo, targets, io);
    return watchList(runtime.repo, flags.json === true, io);
  });
}

/** `rblwatch serve`: runs until SIGTERM/SIGINT. */
export async function runServeCommand(flags: ConfigFlags, io: CliIo): Promise<number> {
  const config = await loadConfig({ env: io.env, ...(flags.config ? { file: flags.config } : {}) });
  const log = createLogger({ pretty: io.stdout.isTTY === true, destination: io.stdout });
  await serve(config, log);
  return ExitCode.ok;
}
