import { setTimeout as delay } from 'node:timers/promises';
import nodeCron from 'node-cron';
import type { RunNowOutcome } from '../domain/scan-run.ts';
import { ErrorCode, UserError } from '../errors.ts';

/** Why a scan runs: the cron schedule, or someone asking (chat command, CLI, test). */
export interface ScanTrigger {
  readonly kind: 'schedule' | 'manual';
  /** Who asked, for manual scans ("slack:U123", "cli"). */
  readonly requestedBy?: string;
}

/** What `runNow` did. */

export interface ScanScheduler {
  /** Starts the cron task. Calling it while started does nothing; calling it after `stop()` starts again. */
  start(): void;
  /**
   * Stops the cron task, cancels a scheduled scan still in its jitter wait, and resolves once the scan in flight
   * (if any) has finished. With `abort: true` that scan's signal is aborted first, so it can wind down early.
   * From the call on, `runNow` answers `'stopped'` until `start()` is called again. Never rejects.
   */
  stop(options?: { abort?: boolean }): Promise<void>;
  /**
   * Runs a scan now, without jitter, unless one is already in flight.
   *
   * Resolves when the decision and the work are both done:
   * - `'busy'` at once when a scan (scheduled or manual, including one waiting out its jitter) is in flight;
   * - `'stopped'` at once after `stop()`;
   * - `'started'` after the scan this call started has finished. It never rejects: a failed scan goes to
   *   `onError`, like a scheduled one, and the outcome of the scan itself is read from where `run` records it.
   *
   * A chat command should ack first, then await this, so it can say "already running" or "done".
   */
  runNow(requestedBy?: string): Promise<RunNowOutcome>;
  /** True from the moment a scan is claimed (a scheduled one includes its jitter wait) until it settles. */
  readonly running: boolean;
  /** When the schedule fires next (before jitter), or `undefined` while not started. */
  nextRun(): Date | undefined;
}

/** node-cron's logger shape, so its own warnings can be routed instead of printed. */
export interface CronLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error, err?: Error): void;
  debug(message: string | Error, err?: Error): void;
}

/** The subset of node-cron task options the scheduler sets. */
export interface CronTaskOptions {
  readonly name?: string;
  readonly timezone?: string;
  readonly noOverlap?: boolean;
  readonly logger?: CronLogger;
}

/** The subset of a node-cron 4 `ScheduledTask` the scheduler uses. */
export interface CronTaskLike {
  start(): void | Promise<void>;
  destroy(): void | Promise<void>;
  getNextRun(): Date | null;
  on(event: 'execution:overlap' | 'execution:missed', listener: (context: { date: Date }) => void): void;
}

/**
 * The subset of node-cron 4 the scheduler uses. The real module satisfies it; tests pass a fake whose tasks fire
 * when told, so no test waits for a real minute.
 */
export interface CronLike {
  validate(expression: string): boolean;
  createTask(
    expression: string,
    func: (context: { date: Date }) => Promise<void>,
    options?: CronTaskOptions,
  ): CronTaskLike;
}

export interface ScanSchedulerOptions {
  /** A node-cron expression: 5 fields, or 6 with seconds first. */
  readonly schedule: string;
  /** IANA time zone for the schedule; the process zone when absent. */
  readonly timezone?: string;
  /**
   * Upper bound (ms, exclusive) of the random delay before a scheduled scan. Many monitors on `0 * * * *` would
   * otherwise hit the same DNSBLs in the same second; 0 turns it off.
   */
  readonly jitterMs: number;
  /** One scan. `signal` aborts only on `stop({ abort: true })`. */
  readonly run: (trigger: ScanTrigger, signal: AbortSignal) => Promise<void>;
  /** A scheduled tick that did not run, and why. */
  readonly onSkip?: (trigger: ScanTrigger, reason: string) => void;
  /** A scan, or the timer machinery, failed. Defaults to a process warning, so a failure is never silent. */
  readonly onError?: (error: unknown) => void;
  /** In [0, 1); defaults to `Math.random`. */
  readonly random?: () => number;
  /** Waits `ms`, rejecting or resolving early once `signal` aborts; defaults to `timers/promises` setTimeout. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Defaults to node-cron. */
  readonly cron?: CronLike;
}

/** The reason given when a tick arrives while a scan is in flight. */
export const SKIP_BUSY = 'a scan is still running';
/** The reason given when the process was too busy (or asleep) to fire a tick on time. */
export const SKIP_MISSED = 'the tick was missed (the process was blocked or suspended)';
/** The reason given when `stop()` ends a scheduled scan's jitter wait. */
export const SKIP_STOPPED = 'the scheduler stopped before the scan began';

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal });
}

function defaultOnError(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : String(error), { code: 'RBLWATCH_SCAN_FAILED' });
}

function assertTimezone(timezone: string): void {
  try {
    // node-cron accepts a bad zone at createTask and only throws on the first tick; Intl throws up front.
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (cause) {
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `Invalid time zone "${timezone}" for the scan schedule: use an IANA name such as "Europe/Berlin" or "UTC".`,
      { cause },
    );
  }
}

/**
 * A node-cron wrapper that runs at most one scan at a time, spreads scheduled scans with jitter, and lets a chat
 * command or test start one now.
 *
 * Overlap is guarded twice: node-cron's `noOverlap` holds back ticks while a scheduled scan runs, and our own slot
 * also covers manual scans, which node-cron does not see. A tick that meets a scan in flight is reported through
 * `onSkip` and dropped, never queued: a queued sweep would start late and then run back to back with the next one.
 *
 * Jitter is ours, not node-cron's `maxRandomDelay`: that one reads `Math.random`, and its timer is cleared on stop
 * without settling the execution, so it can be neither injected nor awaited. Ours waits inside the claimed slot
 * (a tick during the wait is an overlap) and ends early on `stop()`.
 *
 * Manual scans call `run` directly rather than `task.execute()`, which would lose the trigger (who asked) and is
 * invisible to node-cron's overlap guard anyway.
 *
 * @throws {UserError} `CONFIG_INVALID` for a bad expression, time zone or jitter.
 */
export function createScanScheduler(options: ScanSchedulerOptions): ScanScheduler {
  const cron = options.cron ?? nodeCron;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const onError = options.onError ?? defaultOnError;
  const { schedule, timezone, jitterMs, run } = options;

  if (!cron.validate(schedule)) {
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `Invalid cron expression "${schedule}" for the scan schedule: use 5 fields (minute hour day month weekday), ` +
        'or 6 with seconds first, e.g. "*/30 * * * *".',
    );
  }
  if (timezone !== undefined) assertTimezone(timezone);
  if (!Number.isFinite(jitterMs) || jitterMs < 0) {
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `Invalid scan jitter ${jitterMs}: use a number of milliseconds, 0 or more.`,
    );
  }

  let task: CronTaskLike | undefined;
  let stopped = false;
  /** Aborted by `stop()`: ends jitter waits. */
  let stopController = new AbortController();
  /** The scan slot: set while a scan is claimed, cleared when it settles. */
  let inFlight: Promise<void> | undefined;
  /** Aborted by `stop({ abort: true })`: the signal `run` sees. */
  let scanController: AbortController | undefined;

  function reportError(error: unknown): void {
    try {
      onError(error);
    } catch {
      // The error sink itself failed; there is nowhere left to report to, and the scheduler must keep running.
    }
  }

  function reportSkip(trigger: ScanTrigger, reason: string): void {
    try {
      options.onSkip?.(trigger, reason);
    } catch (error) {
      reportError(error);
    }
  }

  async function execute(trigger: ScanTrigger, jitter: boolean, scan: AbortController): Promise<void> {
    try {
      const stopSignal = stopController.signal;
      const waitMs = jitter ? Math.floor(random() * jitterMs) : 0;
      if (waitMs > 0) {
        try {
          await sleep(waitMs, stopSignal);
        } catch (error) {
          // An abort is the expected way out; anything else is a timer fault, and the scan still matters more.
          if (!stopSignal.aborted) reportError(error);
        }
        if (stopSignal.aborted) {
          reportSkip(trigger, SKIP_STOPPED);
          return;
        }
      }
      await run(trigger, scan.signal);
    } catch (error) {
      reportError(error);
    }
  }

  /** Claims the slot synchronously, so a second caller in the same tick already sees it taken. */
  function claim(trigger: ScanTrigger, jitter: boolean): Promise<void> {
    const scan = new AbortController();
    const promise = execute(trigger, jitter, scan).finally(() => {
      if (inFlight === promise) {
        inFlight = undefined;
        scanController = undefined;
      }
    });
    inFlight = promise;
    scanController = scan;
    return promise;
  }

  function onTick(): Promise<void> {
    const trigger: ScanTrigger = { kind: 'schedule' };
    if (stopped) return Promise.resolve();
    if (inFlight) {
      reportSkip(trigger, SKIP_BUSY);
      return Promise.resolve();
    }
    // Returned so node-cron's noOverlap sees the scheduled scan as busy until it settles.
    return claim(trigger, true);
  }

  const cronLogger: CronLogger = {
    info: () => {},
    // Its warnings are overlap and missed ticks, which arrive as events below and go to onSkip instead.
    warn: () => {},
    error: (message, err) => reportError(err ?? message),
    debug: () => {},
  };

  return {
    start(): void {
      if (task) return;
      stopped = false;
      if (stopController.signal.aborted) stopController = new AbortController();
      const created = cron.createTask(schedule, onTick, {
        name: 'rblwatch-scan',
        noOverlap: true,
        logger: cronLogger,
        ...(timezone === undefined ? {} : { timezone }),
      });
      created.on('execution:overlap', () => reportSkip({ kind: 'schedule' }, SKIP_BUSY));
      created.on('execution:missed', () => reportSkip({ kind: 'schedule' }, SKIP_MISSED));
      Promise.resolve(created.start()).catch(reportError);
      task = created;
    },

    async stop(stopOptions?: { abort?: boolean }): Promise<void> {
      stopped = true;
      const current = task;
      task = undefined;
      stopController.abort();
      if (stopOptions?.abort) scanController?.abort();
      if (current) {
        try {
          // destroy() also stops it, and takes it out of node-cron's module-level task registry.
          await current.destroy();
        } catch (error) {
          reportError(error);
        }
      }
      await inFlight;
    },

    async runNow(requestedBy?: string): Promise<RunNowOutcome> {
      if (stopped) return 'stopped';
      if (inFlight) return 'busy';
      await claim(requestedBy === undefined ? { kind: 'manual' } : { kind: 'manual', requestedBy }, false);
      return 'started';
    },

    get running(): boolean {
      return inFlight !== undefined;
    },

    nextRun(): Date | undefined {
      return task?.getNextRun() ?? undefined;
    },
  };
}
