/**
 * The blacklist report as data (see `src/reports/report.ts`, which builds it): what is watched, what is listed
 * where, since when and for whom, zones not trusted, mutes in force and the last scan. Scheduled reports travel
 * through the outbox as this structure, so a webhook receives the data, not chat lines.
 */
import type { Labels } from './inventory.ts';
import type { ScanRun } from './scan-run.ts';
import type { Severity } from './zone.ts';

/** One (target, zone) listed now. */
export interface ReportListing {
  readonly target: string;
  readonly zone: string;
  /** The zone's name and severity in the catalog in use; absent for a zone no longer in it. */
  readonly zoneName?: string;
  readonly severity?: Severity;
  /** ISO 8601: when the listing was decided (the last change, for states stored before that was recorded). */
  readonly since: string;
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  /** The zone's delisting or lookup page for the target, from the catalog (never from DNS). */
  readonly delist?: string;
  /** The watched entry the target belongs to (itself, or the range holding it), with its labels. */
  readonly entry?: string;
  readonly labels?: Labels;
}

/** A mute in force, as a report shows it (who set it and why stay out: the report travels to every webhook). */
export interface ReportMute {
  readonly scope: 'target' | 'zone';
  readonly value: string;
  /** ISO 8601 expiry. */
  readonly until: string;
}

/** The last scan, as far as a report tells it. */
export type ReportRun = Pick<
  ScanRun,
  | 'id'
  | 'status'
  | 'startedAt'
  | 'endedAt'
  | 'targets'
  | 'lookups'
  | 'listed'
  | 'unknown'
  | 'events'
  | 'error'
>;

export interface Report {
  /** `report:<time>`; scheduled reports add which schedule sent them (`report:<index>:<time>`). */
  readonly id: string;
  /** ISO 8601: the moment the report describes. */
  readonly at: string;
  /** Watched entries, and the single targets they expand to (a /28 is 16). */
  readonly watched: { readonly entries: number; readonly targets: number };
  /** Every listing now, oldest first (then by target). */
  readonly listings: readonly ReportListing[];
  /** Zones whose answers the last scan did not use, sorted. */
  readonly degradedZones: readonly string[];
  readonly mutes: readonly ReportMute[];
  /** Absent before the first scan. */
  readonly lastRun?: ReportRun;
}
