/**
 * Checks for values read back from a store. They are deliberately shallow: enough that a truncated, hand-edited or
 * foreign value fails loudly with the key it came from, instead of crashing deep in a caller or being mistaken
 * for "nothing stored" and overwritten.
 */
import type { InventoryEntry } from '../domain/inventory.ts';
import { type ListingEvent, type ListingState, listingEventKinds, listingKey } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { ResolverAlarm, ScanCommit, StoreIdentity } from './listing-repository.ts';

/** Store-wide bookkeeping, kept small because it is rewritten by every run. */
export interface StoreMeta {
  readonly v: 1;
  /** Zones degraded after the last completed run. */
  readonly degradedZones: readonly string[];
  /** Runs started and not yet committed or ended: where `recover()` looks for leftovers. */
  readonly open: readonly string[];
  /** UTC days (`YYYY-MM-DD`) that have a run bucket, ascending. */
  readonly runDays: readonly string[];
  /** The resolver alarm raised by the last run that reported the resolver down; absent when none is raised. */
  readonly resolver?: ResolverAlarm;
  /**
   * The id of the store's identity marker when this metadata was written: metadata that names an identity while
   * the marker is gone means the marker was lost, and opening must not mint a new one over this data.
   */
  readonly identity?: string;
}

/** One run in a day's run bucket. */
export interface RunRef {
  readonly id: string;
  readonly startedAt: string;
}

/** One run that recorded events: how many, and the time span of their `at`, so queries can skip it unread. */
export interface EventRunRef {
  readonly runId: string;
  readonly count: number;
  /** Earliest and latest event `at` (ISO 8601). */
  readonly first: string;
  readonly last: string;
}

export const emptyMeta: StoreMeta = { v: 1, degradedZones: [], open: [], runDays: [] };

const runStatuses: ReadonlySet<string> = new Set(['running', 'completed', 'interrupted', 'failed']);
const eventKinds: ReadonlySet<string> = new Set(listingEventKinds);
/** Events about the resolver itself: no target, and `zone: ''`. */
const resolverEventKinds: ReadonlySet<string> = new Set(['resolver-down', 'resolver-recovered']);
const targetKinds: ReadonlySet<string> = new Set(['ip4', 'ip6', 'cidr', 'domain']);

/** The coded error for a stored value that is not what rblwatch wrote. */
export function corruptValue(key: string, problem: string, cause?: unknown): AppError {
  return new AppError(
    ErrorCode.STORE_CORRUPT,
    `stored value at key ${key} is corrupt: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

/** Checks every element with `check`, which returns a problem or undefined. */
function checkArray<T>(
  value: unknown,
  key: string,
  what: string,
  check: (item: unknown) => string | undefined,
): T[] {
  if (!Array.isArray(value)) throw corruptValue(key, `expected an array of ${what}`);
  for (const [index, item] of value.entries()) {
    const problem = check(item);
    if (problem !== undefined) throw corruptValue(key, `${what} #${index}: ${problem}`);
  }
  return value as T[];
}

function inventoryProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'not an object';
  if (!isString(item.target) || item.target === '') return 'no target';
  if (!isString(item.kind) || !targetKinds.has(item.kind)) return 'unknown kind';
  if (!isRecord(item.labels)) return 'no labels';
  if (!isString(item.addedAt)) return 'no addedAt';
  return undefined;
}

/** A listing state, or why it is not one. */
export function stateProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'not an object';
  if (!isString(item.target) || !isString(item.zone)) return 'no target or zone';
  if (item.status !== 'listed' && item.status !== 'clean') return 'status is neither listed nor clean';
  if (typeof item.listedStreak !== 'number' || typeof item.cleanStreak !== 'number') return 'no streaks';
  if (!isStringArray(item.codes) || !isStringArray(item.meanings) || !isStringArray(item.txt)) {
    return 'codes, meanings or txt missing';
  }
  return undefined;
}

/** A scan run, or why it is not one. */
export function runProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'not an object';
  if (!isString(item.id) || item.id === '') return 'no id';
  if (!isString(item.status) || !runStatuses.has(item.status)) return 'unknown status';
  if (!isTime(item.startedAt)) return 'startedAt is not a time';
  if (item.endedAt !== undefined && !isTime(item.endedAt)) return 'endedAt is not a time';
  if (!Array.isArray(item.zoneHealth)) return 'no zoneHealth';
  if (item.owner !== undefined) {
    const owner = item.owner;
    if (
      !isRecord(owner) ||
      !isString(owner.host) ||
      typeof owner.pid !== 'number' ||
      !Number.isInteger(owner.pid) ||
      (owner.pidNamespace !== undefined && !isString(owner.pidNamespace)) ||
      !isTime(owner.leaseUntil)
    ) {
      return 'owner is not { host, pid, pidNamespace?, leaseUntil }';
    }
  }
  return undefined;
}

/** A listing event, or why it is not one. */
export function eventProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'not an object';
  if (!isString(item.id) || item.id === '') return 'no id';
  if (!isString(item.kind) || !eventKinds.has(item.kind)) return 'unknown kind';
  if (!isTime(item.at)) return 'at is not a time';
  if (!isString(item.runId) || !isString(item.zone)) return 'no runId or zone';
  if (item.target !== undefined && !isString(item.target)) return 'target is not a string';
  if (resolverEventKinds.has(item.kind) && (item.zone !== '' || item.target !== undefined)) {
    return `a ${item.kind} event has no target and zone ''`;
  }
  return undefined;
}

/** A resolver alarm, or why it is not one. */
export function resolverAlarmProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return 'not an object';
  if (!isTime(item.downSince)) return 'downSince is not a time';
  if (!isString(item.detail)) return 'detail is not a string';
  return undefined;
}

function statePairProblem(item: unknown): string | undefined {
  if (!Array.isArray(item) || item.length !== 2 || !isString(item[0])) return 'not a [key, state] pair';
  if (item[1] === null) return undefined;
  const problem = stateProblem(item[1]);
  if (problem !== undefined) return problem;
  const state = item[1] as ListingState;
  return item[0] === listingKey(state.target, state.zone)
    ? undefined
    : `key ${item[0]} does not match its state`;
}

export function readInventory(value: unknown, key: string): InventoryEntry[] {
  return checkArray<InventoryEntry>(value, key, 'inventory entry', inventoryProblem);
}

export function readStates(value: unknown, key: string): Map<string, ListingState> {
  const pairs = checkArray<[string, ListingState | null]>(value, key, 'state', (item) =>
    Array.isArray(item) && item[1] === null ? 'a deleted state' : statePairProblem(item),
  );
  return new Map(pairs as [string, ListingState][]);
}

export function readRun(value: unknown, key: string): ScanRun {
  const problem = runProblem(value);
  if (problem !== undefined) throw corruptValue(key, problem);
  return value as ScanRun;
}

export function readEvents(value: unknown, key: string): ListingEvent[] {
  return checkArray<ListingEvent>(value, key, 'event', eventProblem);
}

export function readMeta(value: unknown, key: string): StoreMeta {
  if (!isRecord(value) || value.v !== 1) throw corruptValue(key, 'not version 1 store metadata');
  if (!isStringArray(value.degradedZones) || !isStringArray(value.open) || !isStringArray(value.runDays)) {
    throw corruptValue(key, 'degradedZones, open or runDays is not a list of strings');
  }
  if (value.resolver !== undefined) {
    const problem = resolverAlarmProblem(value.resolver);
    if (problem !== undefined) throw corruptValue(key, `resolver alarm: ${problem}`);
  }
  if (value.identity !== undefined && !isString(value.identity)) {
    throw corruptValue(key, 'identity is not a string');
  }
  return value as unknown as StoreMeta;
}

export function readIdentity(value: unknown, key: string): StoreIdentity {
  if (!isRecord(value) || !isString(value.id) || value.id === '' || !isTime(value.createdAt)) {
    throw corruptValue(key, 'not a store identity { id, createdAt }');
  }
  return { id: value.id, createdAt: value.createdAt };
}

export function readRunRefs(value: unknown, key: string): RunRef[] {
  return checkArray<RunRef>(value, key, 'run reference', (item) =>
    isRecord(item) && isString(item.id) && isTime(item.startedAt) ? undefined : 'not { id, startedAt }',
  );
}

export function readEventRunRefs(value: unknown, key: string): EventRunRef[] {
  return checkArray<EventRunRef>(value, key, 'event run reference', (item) =>
    isRecord(item) &&
    isString(item.runId) &&
    typeof item.count === 'number' &&
    isTime(item.first) &&
    isTime(item.last)
      ? undefined
      : 'not { runId, count, first, last }',
  );
}

/**
 * A scan commit, or why it is not one: checks input, and the write-ahead `commit:<runId>` records the previous
 * version stored (still applied by `recover()`).
 */
export function commitProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const run = runProblem(value.run);
  if (run !== undefined) return `run: ${run}`;
  if (!Array.isArray(value.events)) return 'events is not an array';
  for (const [index, event] of value.events.entries()) {
    const problem = eventProblem(event);
    if (problem !== undefined) return `event #${index}: ${problem}`;
  }
  if (!Array.isArray(value.states)) return 'states is not an array';
  for (const [index, pair] of value.states.entries()) {
    const problem = statePairProblem(pair);
    if (problem !== undefined) return `state #${index}: ${problem}`;
  }
  if (!isStringArray(value.degradedZones)) return 'degradedZones is not a list of strings';
  if (!isStringArray(value.firstScanned)) return 'firstScanned is not a list of strings';
  if (value.resolver !== undefined && value.resolver !== null) {
    const problem = resolverAlarmProblem(value.resolver);
    if (problem !== undefined) return `resolver: ${problem}`;
  }
  return undefined;
}

export function readCommit(value: unknown, key: string): ScanCommit {
  const problem = commitProblem(value);
  if (problem !== undefined) throw corruptValue(key, problem);
  return value as ScanCommit;
}
