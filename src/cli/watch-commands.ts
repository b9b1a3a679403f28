import {
  describeListedShare,
  isCovered,
  listTargetEvents,
  sortListings,
  statusOfTarget,
  type TargetStatus,
} from '../command-api/target-status.ts';
import { formatCodes } from '../domain/check-result.ts';
import type { InventoryEntry, Labels } from '../domain/inventory.ts';
import type { ListingState } from '../domain/listing.ts';
import type { Zone } from '../domain/zone.ts';
import { ErrorCode, UserError } from '../errors.ts';
import {
  canonicalTarget,
  checkOverlap,
  countTargets,
  coverTarget,
  makeEntry,
  watchedFilter,
} from '../inventory/inventory.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import { describeEvent } from '../watch/log-publisher.ts';
import { renderDelist } from '../zones/catalog.ts';
import { type CliIo, ExitCode } from './io.ts';
import { printable } from './render-check.ts';

export interface LabelFlags {
  readonly owner?: string;
  readonly team?: string;
  readonly customer?: string;
  readonly tag?: readonly string[];
}

function labelsOf(flags: LabelFlags): Labels {
  return {
    ...(flags.owner ? { owner: flags.owner } : {}),
    ...(flags.team ? { team: flags.team } : {}),
    ...(flags.customer ? { customer: flags.customer } : {}),
    ...(flags.tag?.length ? { tags: [...flags.tag] } : {}),
  };
}

/**
 * `watch add TARGET...`: every target is validated, and checked for duplicates and overlaps, before anything is
 * written; one bad target changes nothing. The checks and the write are one atomic inventory change, so a target
 * added meanwhile by another process (serve's chat, a second CLI) is seen as a duplicate, not added twice.
 */
export async function watchAdd(
  repo: ListingRepository,
  targets: readonly string[],
  flags: LabelFlags,
  io: CliIo,
  now: Date,
): Promise<number> {
  const labels = labelsOf(flags);
  // Set by the plan; it may run more than once, and its last run is the one applied.
  let entries: InventoryEntry[] = [];
  let problems: string[] = [];
  let warnings: string[] = [];
  await repo.changeInventory((existing) => {
    entries = [];
    problems = [];
    warnings = [];
    for (const text of targets) {
      try {
        const entry = makeEntry(text, labels, {
          source: 'store',
          addedAt: now.toISOString(),
          addedBy: 'cli',
        });
        const { duplicate, overlaps } = checkOverlap([...existing, ...entries], entry.target);
        if (duplicate) {
          problems.push(
            `${entry.target} is already watched (${duplicate.source === 'config' ? 'config file' : 'store'})`,
          );
          continue;
        }
        for (const overlap of overlaps) {
          warnings.push(
            `warning: ${entry.target} overlaps ${overlap.target}; addresses in both are scanned once`,
          );
        }
        entries.push(entry);
      } catch (error) {
        if (error instanceof UserError) problems.push(error.message);
        else throw error;
      }
    }
    return problems.length > 0 ? {} : { put: entries };
  });
  for (const warning of warnings) io.stderr.write(`${warning}\n`);
  if (problems.length > 0) {
    for (const problem of problems) io.stderr.write(`rblwatch: ${problem}\n`);
    io.stderr.write('rblwatch: nothing was added\n');
    return ExitCode.usage;
  }
  io.stdout.write(`added ${entries.map((entry) => entry.target).join(', ')}\n`);
  return ExitCode.ok;
}

/** Canonical form of a target as typed (for remove, status and history lookups). */
function canonical(text: string): string {
  return canonicalTarget(text).target;
}

/** `watch remove TARGET...`: all of them or none, checked and removed in one atomic inventory change. */
export async function watchRemove(
  repo: ListingRepository,
  targets: readonly string[],
  io: CliIo,
): Promise<number> {
  const wanted = targets.map(canonical);
  let missing: string[] = [];
  let fromConfig: string[] = [];
  await repo.changeInventory((current) => {
    const inventory = new Map(current.map((entry) => [entry.target, entry]));
    missing = wanted.filter((target) => !inventory.has(target));
    fromConfig = wanted.filter((target) => inventory.get(target)?.source === 'config');
    return missing.length > 0 || fromConfig.length > 0 ? {} : { remove: wanted };
  });
  if (missing.length > 0 || fromConfig.length > 0) {
    for (const target of missing) io.stderr.write(`rblwatch: ${target} is not watched\n`);
    for (const target of fromConfig) {
      io.stderr.write(`rblwatch: ${target} comes from the config file; remove it there\n`);
    }
    io.stderr.write('rblwatch: nothing was removed\n');
    return ExitCode.usage;
  }
  io.stdout.write(`removed ${wanted.join(', ')} (history kept)\n`);
  return ExitCode.ok;
}

export async function watchList(repo: ListingRepository, json: boolean, io: CliIo): Promise<number> {
  const entries = await repo.listInventory();
  if (json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    io.stdout.write(
      'nothing is watched yet: add targets to the config file or run `rblwatch watch add TARGET`\n',
    );
    return ExitCode.ok;
  }
  const width = Math.max(...entries.map((entry) => entry.target.length));
  for (const entry of entries) {
    const labels = Object.entries(entry.labels)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
      .join(' ');
    io.stdout.write(`${entry.target.padEnd(width)}  ${entry.source.padEnd(6)}  ${labels}\n`);
  }
  return ExitCode.ok;
}

/** One listing as `status --json` prints it. */
function listingJson(state: ListingState, zones: ReadonlyMap<string, Zone>): Record<string, unknown> {
  const zone = zones.get(state.zone);
  return {
    target: state.target,
    zone: state.zone,
    status: state.status,
    at: state.listedSince ?? state.updatedAt,
    since: state.listedSince ?? state.updatedAt,
    codes: state.codes,
    meanings: state.meanings,
    txt: state.txt,
    severity: zone?.severity ?? null,
    delist: (zone && renderDelist(zone, state.target)) ?? null,
  };
}

/**
 * `status [TARGET]`: what is listed now, since when, where and why, with the delist link. A range covers its
 * addresses; a target nothing watches is said to be so (exit 64), rather than reported clean.
 */
export async function showStatus(
  repo: ListingRepository,
  zones: readonly Zone[],
  target: string | undefined,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const [inventory, states, degradedSet, runs, resolverAlarm] = await Promise.all([
    repo.listInventory(),
    repo.getStates(),
    repo.getDegradedZones(),
    repo.listRuns({ limit: 1 }),
    repo.getResolverAlarm(),
  ]);
  // "Not listed" is only an answer once the target was scanned, and while the resolver answers: otherwise it means
  // "not known to be listed", exit 2 (unknown), as `check` does.
  let scanned = true;
  const blind = (listed: boolean): number =>
    listed ? ExitCode.listed : resolverAlarm || !scanned ? ExitCode.unknown : ExitCode.ok;
  const degraded = [...degradedSet].sort();
  const byZone = new Map(zones.map((zone) => [zone.zone, zone]));
  const lastRun = runs[0];
  let status: TargetStatus | undefined;
  let listings: readonly ListingState[];
  if (target === undefined) {
    // States of targets no longer watched are history now, not "listed".
    const watched = watchedFilter(inventory);
    listings = sortListings([...states.values()].filter((state) => watched(state.target)));
  } else {
    const resolved = statusOfTarget(target, inventory, states.values());
    if (!resolved.ok) throw new UserError(ErrorCode.TARGET_INVALID, resolved.error);
    status = resolved.value;
    listings = status.listings;
    scanned = status.coverage.scanned;
    if (!isCovered(status) && listings.length === 0) {
      if (json) {
        io.stdout.write(
          `${JSON.stringify({ target: status.target, watched: false, listings: [] }, null, 2)}\n`,
        );
      }
      io.stderr.write(
        `rblwatch: ${status.target} is not watched (use \`rblwatch check ${status.target}\` for a live lookup, ` +
          `or \`rblwatch watch add ${status.target}\` to watch it)\n`,
      );
      return ExitCode.usage;
    }
  }
  const listedTargets = new Set(listings.map((state) => state.target)).size;
  const lists = new Set(listings.map((state) => state.zone)).size;
  if (json) {
    const document = {
      target: status?.target ?? null,
      watched: status ? isCovered(status) : inventory.length > 0,
      scanned: status
        ? status.coverage.scanned
        : inventory.every((entry) => entry.firstScannedAt !== undefined),
      addresses: status ? status.coverage.watched : countTargets(inventory),
      listedTargets,
      lists,
      listings: listings.map((state) => listingJson(state, byZone)),
      degradedZones: degraded,
      resolver: resolverAlarm ?? null,
      lastScan: lastRun
        ? {
            id: lastRun.id,
            status: lastRun.status,
            startedAt: lastRun.startedAt,
            endedAt: lastRun.endedAt ?? null,
          }
        : null,
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return blind(listings.length > 0);
  }
  const asOf = lastRun
    ? `as of the last scan (${lastRun.status}, ${lastRun.endedAt ?? lastRun.startedAt})`
    : 'no scan has run yet';
  if (status) {
    const note = !isCovered(status)
      ? ' (no longer watched: the listings of the last scan that covered it)'
      : status.coverage.scanned
        ? ''
        : ' (not every address has been scanned yet)';
    io.stdout.write(`${describeListedShare(status)}, ${asOf}${note}\n`);
  } else if (inventory.length === 0) {
    io.stdout.write(
      'nothing is watched yet: add targets to the config file or run `rblwatch watch add TARGET`\n',
    );
  } else {
    io.stdout.write(
      `${listedTargets.toLocaleString('en-US')} of ${countTargets(inventory).toLocaleString('en-US')} watched targets listed` +
        `${lists > 0 ? ` on ${lists} list${lists === 1 ? '' : 's'}` : ''}, ${asOf}\n`,
    );
  }
  if (resolverAlarm) {
    io.stdout.write(
      `the resolver is down or unusable since ${resolverAlarm.downSince}: ${printable(resolverAlarm.detail)}; ` +
        'these are the listings of the last scan that got answers\n',
    );
  }
  if (degraded.length > 0) io.stdout.write(`degraded zones (answers not used): ${degraded.join(', ')}\n`);
  const width = Math.max(0, ...listings.map((state) => state.target.length));
  const zoneWidth = Math.max(0, ...listings.map((state) => state.zone.length));
  for (const state of listings) {
    const codes = formatCodes(state.codes, state.meanings);
    io.stdout.write(
      `${state.target.padEnd(width)}  ${state.zone.padEnd(zoneWidth)}  since ${state.listedSince ?? state.updatedAt}  ${printable(codes)}\n`,
    );
    for (const txt of state.txt) io.stdout.write(`    "${printable(txt)}"\n`);
    const zone = byZone.get(state.zone);
    const delist = zone && renderDelist(zone, state.target);
    if (delist) io.stdout.write(`    delist: ${delist}\n`);
  }
  return blind(listings.length > 0);
}

/** `history TARGET [--since DATE]`: the target's events, newest first. */
/** Filters of `history`: a zone and a time range, on top of the target. */
export interface HistoryFilters {
  readonly since?: string;
  readonly until?: string;
  readonly zone?: string;
}

function isoDate(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new UserError(
      ErrorCode.USAGE,
      `${flag} ${JSON.stringify(text)} is not a date (use 2026-01-31 or ISO 8601)`,
    );
  }
  return new Date(parsed).toISOString();
}

/**
 * `history TARGET [--zone Z] [--since DATE] [--until DATE]`: the target's events, newest first; a range's are the
 * events of every address in it.
 */
export async function showHistory(
  repo: ListingRepository,
  target: string,
  filters: HistoryFilters,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const key = canonical(target);
  const sinceIso = isoDate('--since', filters.since);
  const untilIso = isoDate('--until', filters.until);
  const zone = filters.zone?.trim().toLowerCase().replace(/\.$/, '');
  const events = await listTargetEvents(repo, key, {
    ...(sinceIso ? { since: sinceIso } : {}),
    ...(untilIso ? { until: untilIso } : {}),
    ...(zone ? { zone } : {}),
  });
  if (events.length === 0 && coverTarget(await repo.listInventory(), key).entries.length === 0) {
    if (json) io.stdout.write('[]\n');
    io.stderr.write(
      `rblwatch: ${key} is not watched and has no recorded history (use \`rblwatch check ${key}\` for a live lookup)\n`,
    );
    return ExitCode.usage;
  }
  if (json) {
    io.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (events.length === 0) {
    io.stdout.write(`no recorded changes for ${key}${sinceIso ? ` since ${sinceIso}` : ''}\n`);
    return ExitCode.ok;
  }
  for (const event of events) io.stdout.write(`${event.at}  ${printable(describeEvent(event))}\n`);
  return ExitCode.ok;
}
