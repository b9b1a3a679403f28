import nodeCron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import {
  type CronLike,
  type CronTaskLike,
  type CronTaskOptions,
  createScanScheduler,
  type ScanSchedulerOptions,
  type ScanTrigger,
  SKIP_BUSY,
  SKIP_MISSED,
  SKIP_STOPPED,
} from '../../../src/scheduler/scan-scheduler.ts';

type CronEvent = 'execution:overlap' | 'execution:missed';

/** A node-cron task that fires only when the test says so. */
class FakeTask implements CronTaskLike {
  started = false;
  destroyed = false;
  readonly #listeners = new Map<CronEvent, ((context: { date: Date }) => void)[]>();

  readonly expression: string;
  readonly func: (context: { date: Date }) => Promise<void>;
  readonly options: CronTaskOptions | undefined;

  constructor(
    expression: string,
    func: (context: { date: Date }) => Promise<void>,
    options: CronTaskOptions | undefined,
  ) {
    this.expression = expression;
    this.func = func;
    this.options = options;
  }

  start(): void {
    this.started = true;
  }

  destroy(): void {
    this.started = false;
    this.destroyed = true;
  }

  getNextRun(): Date | null {
    return this.started ? new Date('2030-01-01T00:00:00.000Z') : null;
  }

  on(event: CronEvent, listener: (context: { date: Date }) => void): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  /** What node-cron does at a matching second: call the task function, which returns the scan's promise. */
  tick(): Promise<void> {
    if (!this.started) throw new Error('tick on a task that is not started');
    return this.func({ date: new Date() });
  }

  emit(event: CronEvent): void {
    for (const listener of this.#listeners.get(event) ?? []) listener({ date: new Date() });
  }
}

class FakeCron implements CronLike {
  readonly tasks: FakeTask[] = [];

  validate(expression: string): boolean {
    return nodeCron.validate(expression);
  }

  createTask(
    expression: string,
    func: (context: { date: Date }) => Promise<void>,
    options?: CronTaskOptions,
  ): FakeTask {
    const task = new FakeTask(expression, func, options);
    this.tasks.push(task);
    return task;
  }

  get task(): FakeTask {
    const task = this.tasks.at(-1);
    if (!task) throw new Error('no task created yet');
    return task;
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function defer(): Deferred {
  let resolve: () => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A sleep the test ends by hand; like timers/promises, it rejects on abort. */
function manualSleep() {
  const waits: { ms: number; signal: AbortSignal; end: () => void }[] = [];
  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      waits.push({
        ms,
        signal,
        end: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      });
    });
  return { sleep, waits };
}

/** A scheduler on a fake cron, recording every call it makes out. */
function setup(overrides: Partial<ScanSchedulerOptions> = {}) {
  const cron = new FakeCron();
  const { sleep, waits } = manualSleep();
  const runs: { trigger: ScanTrigger; signal: AbortSignal; done: Deferred }[] = [];
  const skips: { trigger: ScanTrigger; reason: string }[] = [];
  const errors: unknown[] = [];
  const scheduler = createScanScheduler({
    schedule: '*/15 * * * *',
    jitterMs: 1000,
    random: () => 0.25,
    sleep,
    cron,
    run: (trigger, signal) => {
      const done = defer();
      runs.push({ trigger, signal, done });
      return done.promise;
    },
    onSkip: (trigger, reason) => skips.push({ trigger, reason }),
    onError: (error) => errors.push(error),
    ...overrides,
  });
  const run = (index: number) => {
    const entry = runs[index];
    if (!entry) throw new Error(`run ${index} has not started (${runs.length} so far)`);
    return entry;
  };
  const wait = (index: number) => {
    const entry = waits[index];
    if (!entry) throw new Error(`sleep ${index} was not called (${waits.length} so far)`);
    return entry;
  };
  return { scheduler, cron, waits, runs, skips, errors, run, wait };
}

describe('createScanScheduler with a fake cron', () => {
  it('creates a noOverlap task for the expression and time zone, and runs a tick after its jitter', async () => {
    const t = setup({ timezone: 'Europe/Berlin' });
    t.scheduler.start();
    expect(t.cron.task.expression).toBe('*/15 * * * *');
    expect(t.cron.task.options).toMatchObject({ noOverlap: true, timezone: 'Europe/Berlin' });
    expect(t.cron.task.started).toBe(true);

    const tick = t.cron.task.tick();
    await settle();
    // random 0.25 of jitterMs 1000.
    expect(t.waits.map((w) => w.ms)).toEqual([250]);
    expect(t.runs).toHaveLength(0);
    expect(t.scheduler.running).toBe(true);

    t.wait(0).end();
    await settle();
    expect(t.runs.map((r) => r.trigger)).toEqual([{ kind: 'schedule' }]);
    expect(t.run(0).signal.aborted).toBe(false);

    t.run(0).done.resolve();
    await tick;
    expect(t.scheduler.running).toBe(false);
    expect(t.skips).toEqual([]);
    expect(t.errors).toEqual([]);
    await t.scheduler.stop();
  });

  it('does not sleep when the jitter rounds to zero or is turned off', async () => {
    const t = setup({ jitterMs: 0 });
    t.scheduler.start();
    void t.cron.task.tick();
    await settle();
    expect(t.waits).toHaveLength(0);
    expect(t.runs).toHaveLength(1);
    t.run(0).done.resolve();
    await t.scheduler.stop();
  });

  it('skips and reports a tick that arrives while a scan runs, or while one waits out its jitter', async () => {
    const t = setup();
    t.scheduler.start();
    void t.cron.task.tick();
    await settle();

    // During the jitter wait the slot is already taken.
    await t.cron.task.tick();
    expect(t.skips).toEqual([{ trigger: { kind: 'schedule' }, reason: SKIP_BUSY }]);

    t.wait(0).end();
    await settle();
    expect(t.runs).toHaveLength(1);

    await t.cron.task.tick();
    expect(t.skips).toHaveLength(2);
    expect(t.runs).toHaveLength(1);
    expect(t.waits).toHaveLength(1);

    t.run(0).done.resolve();
    await settle();
    void t.cron.task.tick();
    await settle();
    t.wait(1).end();
    await settle();
    expect(t.runs).toHaveLength(2);
    t.run(1).done.resolve();
    await t.scheduler.stop();
  });

  it("reports node-cron's own overlap and missed-tick events as skips", async () => {
    const t = setup();
    t.scheduler.start();
    t.cron.task.emit('execution:overlap');
    t.cron.task.emit('execution:missed');
    expect(t.skips).toEqual([
      { trigger: { kind: 'schedule' }, reason: SKIP_BUSY },
      { trigger: { kind: 'schedule' }, reason: SKIP_MISSED },
    ]);
    await t.scheduler.stop();
  });

  it('runNow runs without jitter, resolves "started" once the scan ends, and answers "busy" meanwhile', async () => {
    const t = setup();
    let outcome: string | undefined;
    // runNow works before start(): the CLI's one-shot scan needs no cron task.
    const first = t.scheduler.runNow('slack:U123').then((value) => {
      outcome = value;
    });
    expect(t.scheduler.running).toBe(true);
    await settle();
    expect(t.waits).toHaveLength(0);
    expect(t.runs.map((r) => r.trigger)).toEqual([{ kind: 'manual', requestedBy: 'slack:U123' }]);

    await expect(t.scheduler.runNow('cli')).resolves.toBe('busy');
    expect(outcome).toBeUndefined();

    t.run(0).done.resolve();
    await first;
    expect(outcome).toBe('started');
    expect(t.scheduler.running).toBe(false);

    const second = t.scheduler.runNow();
    await settle();
    expect(t.run(1).trigger).toEqual({ kind: 'manual' });
    t.run(1).done.resolve();
    await expect(second).resolves.toBe('started');
    await t.scheduler.stop();
  });

  it('answers "busy" to runNow while a scheduled scan waits out its jitter, and skips ticks during a manual scan', async () => {
    const t = setup();
    t.scheduler.start();
    void t.cron.task.tick();
    await settle();
    await expect(t.scheduler.runNow('cli')).resolves.toBe('busy');
    t.wait(0).end();
    await settle();
    t.run(0).done.resolve();
    await settle();

    const manual = t.scheduler.runNow('cli');
    await settle();
    await t.cron.task.tick();
    expect(t.skips).toEqual([{ trigger: { kind: 'schedule' }, reason: SKIP_BUSY }]);
    t.run(1).done.resolve();
    await expect(manual).resolves.toBe('started');
    await t.scheduler.stop();
  });

  it('stop() ends a jitter wait without scanning, and reports the skipped tick', async () => {
    const t = setup();
    t.scheduler.start();
    const tick = t.cron.task.tick();
    await settle();
    expect(t.waits).toHaveLength(1);

    await t.scheduler.stop();
    await tick;
    expect(t.wait(0).signal.aborted).toBe(true);
    expect(t.runs).toHaveLength(0);
    expect(t.skips).toEqual([{ trigger: { kind: 'schedule' }, reason: SKIP_STOPPED }]);
    expect(t.errors).toEqual([]);
    expect(t.cron.task.destroyed).toBe(true);
    expect(t.scheduler.running).toBe(false);
  });

  it('stop() waits for the scan in flight without aborting it', async () => {
    const t = setup({ jitterMs: 0 });
    t.scheduler.start();
    void t.cron.task.tick();
    await settle();

    let stopped = false;
    const stopping = t.scheduler.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    expect(t.run(0).signal.aborted).toBe(false);
    expect(t.cron.task.destroyed).toBe(true);
    await expect(t.scheduler.runNow('cli')).resolves.toBe('stopped');

    t.run(0).done.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(t.scheduler.running).toBe(false);
  });

  it('stop({ abort: true }) aborts the scan signal and still waits for the scan to return', async () => {
    const t = setup({ jitterMs: 0 });
    const manual = t.scheduler.runNow('cli');
    await settle();
    const { signal, done } = t.run(0);
    signal.addEventListener('abort', () => done.reject(signal.reason));

    await t.scheduler.stop({ abort: true });
    expect(signal.aborted).toBe(true);
    await expect(manual).resolves.toBe('started');
    // The abort rejection is reported like any scan failure, so a half-done scan is never silent.
    expect(t.errors).toHaveLength(1);
  });

  it('reports a failed scan through onError and still runs the next tick', async () => {
    const t = setup({ jitterMs: 0 });
    t.scheduler.start();
    const first = t.cron.task.tick();
    await settle();
    const failure = new Error('store unavailable');
    t.run(0).done.reject(failure);
    await first;
    expect(t.errors).toEqual([failure]);
    expect(t.scheduler.running).toBe(false);

    void t.cron.task.tick();
    await settle();
    expect(t.runs).toHaveLength(2);
    t.run(1).done.resolve();
    await t.scheduler.stop();
    expect(t.errors).toHaveLength(1);
  });

  it('survives a run that throws synchronously and an onSkip that throws', async () => {
    const errors: unknown[] = [];
    const cron = new FakeCron();
    let calls = 0;
    const scheduler = createScanScheduler({
      schedule: '* * * * *',
      jitterMs: 0,
      cron,
      run: () => {
        calls += 1;
        throw new Error('sync failure');
      },
      onSkip: () => {
        throw new Error('skip sink broke');
      },
      onError: (error) => errors.push(error),
    });
    scheduler.start();
    await cron.task.tick();
    await expect(scheduler.runNow('cli')).resolves.toBe('started');
    cron.task.emit('execution:overlap');
    expect(calls).toBe(2);
    expect(errors.map((e) => (e instanceof Error ? e.message : e))).toEqual([
      'sync failure',
      'sync failure',
      'skip sink broke',
    ]);
    await scheduler.stop();
  });

  it('reports nextRun only while started, and can start again after stop', async () => {
    const t = setup();
    expect(t.scheduler.nextRun()).toBeUndefined();
    t.scheduler.start();
    t.scheduler.start();
    expect(t.cron.tasks).toHaveLength(1);
    expect(t.scheduler.nextRun()).toEqual(new Date('2030-01-01T00:00:00.000Z'));
    await t.scheduler.stop();
    expect(t.scheduler.nextRun()).toBeUndefined();

    t.scheduler.start();
    expect(t.cron.tasks).toHaveLength(2);
    void t.cron.task.tick();
    await settle();
    // The jitter wait gets a fresh stop signal, not the one the first stop() aborted.
    expect(t.wait(0).signal.aborted).toBe(false);
    await expect(t.scheduler.runNow()).resolves.toBe('busy');
    await t.scheduler.stop();
  });

  it.each([['61 * * * *'], ['not a cron'], [''], ['* * * * * * *']])(
    'refuses the expression %j with CONFIG_INVALID naming it',
    (schedule) => {
      const create = () => createScanScheduler({ schedule, jitterMs: 0, run: async () => {} });
      expect(create).toThrow(UserError);
      expect(create).toThrow(`"${schedule}"`);
      try {
        create();
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.CONFIG_INVALID });
      }
    },
  );

  it('refuses an unknown time zone and a negative or non-finite jitter', () => {
    const base = { schedule: '* * * * *', run: async () => {} };
    expect(() => createScanScheduler({ ...base, jitterMs: 0, timezone: 'Mars/Olympus_Mons' })).toThrow(
      /time zone "Mars\/Olympus_Mons"/,
    );
    expect(() => createScanScheduler({ ...base, jitterMs: -1 })).toThrow(UserError);
    expect(() => createScanScheduler({ ...base, jitterMs: Number.NaN })).toThrow(UserError);
  });
});

describe('createScanScheduler with the real node-cron', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires every second, skips a tick while a scan runs, and stops for good', async () => {
    // node-cron schedules with setTimeout against Date: on fake time the seconds pass when the test says so.
    vi.useFakeTimers({ now: new Date('2026-11-28T17:17:00.250Z') });
    const tasksBefore = nodeCron.getTasks().size;
    const started: number[] = [];
    const skips: string[] = [];
    const errors: unknown[] = [];
    const scheduler = createScanScheduler({
      schedule: '* * * * * *',
      jitterMs: 0,
      // Each scan outlasts the next tick, so a tick must meet a scan in flight.
      run: async (_trigger, signal) => {
        started.push(Date.now());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1500);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      },
      onSkip: (_trigger, reason) => skips.push(reason),
      onError: (error) => errors.push(error),
    });
    scheduler.start();
    expect(nodeCron.getTasks().size).toBe(tasksBefore + 1);
    expect(scheduler.nextRun()).toEqual(new Date('2026-11-28T17:17:01.000Z'));

    await vi.advanceTimersByTimeAsync(4_000);
    // Ticks at :01, :02, :03, :04; the scan started at :01 runs to :02.5, so :02 is skipped and :03 starts the next.
    expect(started.map((at) => new Date(at).toISOString())).toEqual([
      '2026-11-28T17:17:01.000Z',
      '2026-11-28T17:17:03.000Z',
    ]);
    expect(skips).toEqual([SKIP_BUSY, SKIP_BUSY]);

    await scheduler.stop({ abort: true });
    expect(scheduler.running).toBe(false);
    expect(scheduler.nextRun()).toBeUndefined();
    expect(nodeCron.getTasks().size).toBe(tasksBefore);

    // Well past many more ticks: nothing fires once stopped.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toHaveLength(2);
    expect(skips).toHaveLength(2);
    expect(errors).toEqual([]);
  });
});
