/**
 * The blacklist report as data: what is watched, what is listed where, since when and for whom, zones not trusted,
 * mutes in force and the last scan. Built from a snapshot of the store ({@link buildReport}, pure); the renderers
 * turn it into a chat message (`render-message.ts`) or, later, the formats in `formats.ts`. Scheduled reports travel
 * through the outbox as this structure, so a webhook receives the data, not chat lines.
 */
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingState } from '../domain/listing.ts';
import type { Report, ReportListing, ReportMute } from '../domain/report.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { Zone } from '../domain/zone.ts';
import { countTargets, entryHolding } from '../inventory/inventory.ts';
import { renderDelist } from '../zones/catalog.ts';

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
