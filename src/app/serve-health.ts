import type { ScanRun } from '../domain/scan-run.ts';
import type { HealthReport } from '../http/http-server.ts';

/**
 * What `serve` knows about its own health, for `/healthz`: the last scan's outcome, scans that did not run, and
 * standing alarms (a store that lost its identity). Kept in memory and read per request, so a probe costs no I/O.
 *
 * Unhealthy (503) while any of these holds, with the reason in the body:
 * - the last scan failed or could not be recorded (resolver down or unusable, store unreachable, ...);
 * - scheduled ticks were skipped since the last finished scan (a scan stuck on a frozen store is overdue);
 * - an alarm stands (`store-reset`), until the process is restarted.
 */
export interface ServeHealth {
  scanStarted(at: Date): void;
  /** A scan ran to its end and was recorded (completed, failed with a reason, or interrupted). */
  scanFinished(run: ScanRun): void;
  /** A scan could not even be recorded (it threw). */
  scanErrored(error: unknown): void;
  /** A scheduled tick did not start a scan (`busy`: one was still running). */
  tickSkipped(reason: string): void;
  /** A scan that was started gave way before it began (another process was scanning the store). */
  scanYielded(): void;
  /** Raises or (with `undefined`) clears a standing alarm. */
  setAlarm(name: string, detail: string | undefined): void;
  hasAlarm(name: string): boolean;
  report(): HealthReport;
}

export function createServeHealth(clock: () => Date = () => new Date()): ServeHealth {
  let lastRun: ScanRun | undefined;
  let lastError: string | undefined;
  let runningSince: Date | undefined;
  let skipped = 0;
  const alarms = new Map<string, string>();

  return {
    scanStarted(at) {
      runningSince = at;
    },
    scanFinished(run) {
      runningSince = undefined;
      lastRun = run;
      lastError = run.status === 'failed' ? (run.error ?? 'the scan failed') : undefined;
      skipped = 0;
    },
    scanErrored(error) {
      runningSince = undefined;
      lastError = error instanceof Error ? error.message : String(error);
      skipped = 0;
    },
    tickSkipped() {
      skipped++;
    },
    scanYielded() {
      // Another process is scanning the store: the store is being watched, so this is no sign of trouble here.
      runningSince = undefined;
    },
    setAlarm(name, detail) {
      if (detail === undefined) alarms.delete(name);
      else alarms.set(name, detail);
    },
    hasAlarm(name) {
      return alarms.has(name);
    },
    report() {
      const problems: string[] = [...alarms.values()];
      if (lastError !== undefined) problems.push(`last scan failed: ${lastError}`);
      if (skipped > 0) {
        const since = runningSince ? ` (a scan has been running since ${runningSince.toISOString()})` : '';
        problems.push(`${skipped} scheduled scan${skipped === 1 ? '' : 's'} skipped${since}`);
      }
      return {
        ok: problems.length === 0,
        detail: {
          lastRun: lastRun?.id ?? null,
          lastStatus: lastRun?.status ?? null,
          error: problems.length > 0 ? problems.join('; ') : null,
          problems,
          alarms: [...alarms.keys()],
          scanning: runningSince
            ? { since: runningSince.toISOString(), forMs: clock().getTime() - runningSince.getTime() }
            : null,
          skippedTicks: skipped,
        },
      };
    },
  };
}
