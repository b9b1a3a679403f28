/**
 * The blacklist report as data: what is watched, what is listed where, since when and for whom, zones not trusted,
 * mutes in force and the last scan. Built from a snapshot of the store ({@link buildReport}, pure); the renderers
 * turn it into a chat message (`render-message.ts`) or, later, the formats in `formats.ts`. Scheduled reports travel
 * through the outbox as this structure, so a webhook receives the data, not chat lines.
 */
import type { InventoryEntry, Labels } from '../domain/inventory.ts';
import type { ListingState } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { Severity, Zone } from '../domain/zone.ts';
import { countTargets, entryHolding } from '../inventory/inventory.ts';
import { renderDelist } from '../zones/catalog.ts';

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

/** Everything a report is built from: a snapshot of the store, the catalog and the mutes. */
export interface ReportInput {
  readonly inventory: readonly InventoryEntry[];
  /** Stored listing states; only `listed` ones are reported. */
  readonly states: Iterable<ListingState>;
  readonly degradedZones: Iterable<string>;
  /** The newest scan run, if any. */
  readonly lastRun?: ScanRun;
  readonly zones: readonly Zone[];
  /** Mutes in force (extra fields, such as who set them, are left out of the report). */
  readonly mutes?: readonly ReportMute[];
  readonly now: Date;
}

/** The report for a snapshot. Pure: the same snapshot always gives the same report. */
export function buildReport(input: ReportInput): Report {
  const zones = new Map(input.zones.map((zone) => [zone.zone, zone]));
  const listings = [...input.states]
    .filter((state) => state.status === 'listed')
    .map((state): ReportListing => {
      const zone = zones.get(state.zone);
      const entry = entryHolding(state.target, input.inventory);
      const delist = zone ? renderDelist(zone, state.target) : undefined;
      return {
        target: state.target,
        zone: state.zone,
        ...(zone ? { zoneName: zone.name, severity: zone.severity } : {}),
        since: state.listedSince ?? state.updatedAt,
        codes: state.codes,
        meanings: state.meanings,
        ...(delist ? { delist } : {}),
        ...(entry ? { entry: entry.target, labels: entry.labels } : {}),
      };
    })
    .sort((a, b) => a.since.localeCompare(b.since) || a.target.localeCompare(b.target));
  const at = input.now.toISOString();
  const run = input.lastRun;
  return {
    id: `report:${at}`,
    at,
    watched: { entries: input.inventory.length, targets: countTargets(input.inventory) },
    listings,
    degradedZones: [...input.degradedZones].sort(),
    mutes: (input.mutes ?? []).map(({ scope, value, until }) => ({ scope, value, until })),
    ...(run
      ? {
          lastRun: {
            id: run.id,
            status: run.status,
            startedAt: run.startedAt,
            ...(run.endedAt ? { endedAt: run.endedAt } : {}),
            targets: run.targets,
            lookups: run.lookups,
            listed: run.listed,
            unknown: run.unknown,
            events: run.events,
            ...(run.error ? { error: run.error } : {}),
          },
        }
      : {}),
  };
}
