import type { ZoneHealthReport } from './check-result.ts';

export type ScanRunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

/**
 * The process running a scan, recorded while the run is `running`, so that another process can tell a live scan
 * from one whose process died: the owner is gone when it ran on the same host and its pid no longer exists, or
 * when its lease was not renewed in time.
 */
export interface RunOwner {
  /** `os.hostname()` of the process. */
  readonly host: string;
  readonly pid: number;
  /** Linux pid namespace (`pid:[4026531836]`): containers sharing a host name do not share pids. */
  readonly pidNamespace?: string;
  /** ISO 8601 time until which the owner vouches for the run; renewed while the scan goes on. */
  readonly leaseUntil: string;
}

/** One scan: when, what it looked at, what it found. */
export interface ScanRun {
  /** Sortable and unique: `<ISO start time>-<random>`, e.g. `2026-11-28T17:17:00.000Z-a1b2c3`. */
  readonly id: string;
  readonly status: ScanRunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly targets: number;
  readonly lookups: number;
  readonly listed: number;
  readonly clean: number;
  readonly unknown: number;
  readonly unknownByReason: Readonly<Record<string, number>>;
  readonly zoneHealth: readonly ZoneHealthReport[];
  /** Events decided by the run. */
  readonly events: number;
  /** Why the run failed or was interrupted. */
  readonly error?: string;
  /** Who runs it; set by the store on `running` runs (and kept on runs it marks interrupted). */
  readonly owner?: RunOwner;
}

/** A run as recorded when it starts: status `running`, every count zero. */
export function startedRun(id: string, startedAt: string): ScanRun {
  return {
    id,
    status: 'running',
    startedAt,
    targets: 0,
    lookups: 0,
    listed: 0,
    clean: 0,
    unknown: 0,
    unknownByReason: {},
    zoneHealth: [],
    events: 0,
  };
}

/** What asking for a scan now did: started one (resolved once it finished), found one running, or was stopped. */
export type RunNowOutcome = 'started' | 'busy' | 'stopped';

/** Starts a scan on request (a chat command, the CLI): the part of the scheduler commands may use. */
export interface ScanStarter {
  runNow(requestedBy?: string): Promise<RunNowOutcome>;
}
