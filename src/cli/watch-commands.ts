import { formatCodes } from '../domain/check-result.ts';
import type { InventoryEntry, Labels } from '../domain/inventory.ts';
import type { ListingEvent } from '../domain/listing.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { canonicalTarget, checkOverlap, makeEntry } from '../inventory/inventory.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import { describeEvent } from '../watch/log-publisher.ts';
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

/** `status [TARGET]`: what is listed now, since when, where and why. */
export async function showStatus(
  repo: ListingRepository,
  target: string | undefined,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const wanted = target === undefined ? undefined : canonical(target);
  const states = [...(await repo.getStates()).values()].filter(
    (state) => state.status === 'listed' && (wanted === undefined || state.target === wanted),
  );
  states.sort((a, b) => a.target.localeCompare(b.target) || a.zone.localeCompare(b.zone));
  const degraded = [...(await repo.getDegradedZones())];
  if (json) {
    const rows = states.map((state) => ({
      target: state.target,
      zone: state.zone,
      status: state.status,
      at: state.listedSince ?? state.updatedAt,
      codes: state.codes,
      meanings: state.meanings,
      txt: state.txt,
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return states.length > 0 ? ExitCode.listed : ExitCode.ok;
  }
  if (degraded.length > 0) io.stdout.write(`degraded zones (answers not used): ${degraded.join(', ')}\n`);
  if (states.length === 0) {
    io.stdout.write(`${wanted ?? 'nothing watched'} is not listed anywhere, as of the last scan\n`);
    return ExitCode.ok;
  }
  for (const state of states) {
    const codes = formatCodes(state.codes, state.meanings);
    io.stdout.write(
      `${state.target}  ${state.zone}  since ${state.listedSince ?? state.updatedAt}  ${printable(codes)}\n`,
    );
    for (const txt of state.txt) io.stdout.write(`    "${printable(txt)}"\n`);
  }
  return ExitCode.listed;
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

/** `history TARGET [--zone Z] [--since DATE] [--until DATE]`: the target's events, newest first. */
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
  const events: ListingEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.listEvents({
      target: key,
      ...(sinceIso ? { since: sinceIso } : {}),
      ...(untilIso ? { until: untilIso } : {}),
      ...(zone ? { zone } : {}),
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    events.push(...page.events);
    cursor = page.next;
  } while (cursor);
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
