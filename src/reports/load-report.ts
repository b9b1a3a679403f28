import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingState } from '../domain/listing.ts';
import type { Report, ReportMute } from '../domain/report.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { Zone } from '../domain/zone.ts';
import { buildReport, type ReportInput } from './report.ts';

/** The read ports a report is built from (a subset of what commands get). */
export interface ReportSources {
  /** The listing store (the `ListingRepository`'s reads). */
  readonly store: {
    listInventory(): Promise<readonly InventoryEntry[]>;
    getStates(): Promise<ReadonlyMap<string, ListingState>>;
    getDegradedZones(): Promise<Iterable<string>>;
    /** Newest first. */
    listRuns(options: { limit: number }): Promise<readonly ScanRun[]>;
  };
  /** The catalog in use. */
  readonly zones: { list(): readonly Zone[] };
  /** Mutes in force at `now` (the mute store). */
  readonly mutes: { listMutes(now: Date): Promise<readonly ReportMute[]> };
  readonly clock: () => Date;
}

/** Reads what {@link buildReport} needs, in parallel. */
export async function loadReportInput(sources: ReportSources): Promise<ReportInput> {
  const now = sources.clock();
  const [inventory, states, degradedZones, runs, mutes] = await Promise.all([
    sources.store.listInventory(),
    sources.store.getStates(),
    sources.store.getDegradedZones(),
    sources.store.listRuns({ limit: 1 }),
    sources.mutes.listMutes(now),
  ]);
  return {
    inventory,
    states: [...states.values()],
    degradedZones,
    ...(runs[0] ? { lastRun: runs[0] } : {}),
    zones: sources.zones.list(),
    mutes,
    now,
  };
}

/** The report as the store has it now. */
export async function loadReport(sources: ReportSources): Promise<Report> {
  return buildReport(await loadReportInput(sources));
}
