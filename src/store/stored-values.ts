/**
 * Checks for values read back from a store, as zod schemas. They are deliberately shallow: enough that a truncated,
 * hand-edited or foreign value fails loudly with the key it came from, instead of crashing deep in a caller or being
 * mistaken for "nothing stored" and overwritten. A value that passes is handed back as stored (the schemas only
 * check; they do not copy or strip), so fields they do not look at survive a read and the next write.
 *
 * Each schema names its problem in rblwatch's words (`no target`, `unknown kind`), and {@link describeIssue} puts
 * the place in front (`inventory entry #3: no target`): the first problem found is the one reported.
 */
import { type ZodType, z } from 'zod';
import type { InventoryEntry } from '../domain/inventory.ts';
import {
  type ListingEvent,
  type ListingEventKind,
  type ListingState,
  listingKey,
} from '../domain/listing.ts';
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
  /** Per zone, when it last answered (was queried) in a completed run: the end of that run, ISO 8601. */
  readonly zonesAnswered?: Readonly<Record<string, string>>;
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

/** The coded error for a stored value that is not what rblwatch wrote. */
export function corruptValue(key: string, problem: string, cause?: unknown): AppError {
  return new AppError(
    ErrorCode.STORE_CORRUPT,
    `stored value at key ${key} is corrupt: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}

/** zod's params for a check that reports `problem` when it fails. */
const says = (problem: string) => ({ error: problem });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTime(value: string): boolean {
  return !Number.isNaN(Date.parse(value));
}

const text = (problem: string) => z.string(says(problem));
const nonEmpty = (problem: string) => z.string(says(problem)).min(1, says(problem));
const time = (problem: string) => z.string(says(problem)).refine(isTime, says(problem));
const strings = (problem: string) => z.array(z.string(says(problem)), says(problem));
/** Any plain object (not an array, not null), whatever it holds. */
const record = (problem: string) => z.custom<Record<string, unknown>>(isRecord, says(problem));

/** How {@link describeIssue} words a problem. */
export interface IssuePlace {
  /** Names the elements of a top-level list: `inventory entry` gives `inventory entry #3: ...`. */
  readonly root?: string;
  /** Fields holding lists, by the name of one element: `{ events: 'event' }` gives `event #2: ...`. */
  readonly lists?: Readonly<Record<string, string>>;
  /** Fields holding objects: `{ run: 'run' }` gives `run: ...`. */
  readonly fields?: Readonly<Record<string, string>>;
  /** One problem for every way the value can be wrong, instead of the schema's own words. */
  readonly problem?: string;
}

/**
 * Where a value's first problem is, in rblwatch's words, followed by the problem: path segments named in `lists`
 * become `event #2`, those in `fields` become `run`; other segments (field names, tuple positions) are left to the
 * problem text, which already names them. `root` names the elements of a top-level list.
 */
function describeIssue(error: z.ZodError, where: IssuePlace): string {
  const issue = error.issues[0];
  if (where.problem !== undefined || !issue) return where.problem ?? 'not a valid value';
  const parts: string[] = [];
  const path = issue.path;
  if (where.root !== undefined && typeof path[0] === 'number') parts.push(`${where.root} #${path[0]}`);
  for (const [index, segment] of path.entries()) {
    if (typeof segment !== 'string') continue;
    const next = path[index + 1];
    const list = where.lists?.[segment];
    if (list !== undefined && typeof next === 'number') parts.push(`${list} #${next}`);
    const field = where.fields?.[segment];
    if (field !== undefined) parts.push(field);
  }
  return [...parts, issue.message].join(': ');
}

/**
 * `value` as stored when `schema` accepts it; else STORE_CORRUPT naming `key` and the first problem (placed as
 * `where` says; see {@link describeIssue}).
 */
export function readChecked<T>(schema: ZodType, value: unknown, key: string, where: IssuePlace = {}): T {
  const result = schema.safeParse(value);
  if (!result.success) throw corruptValue(key, describeIssue(result.error, where));
  return value as T;
}

/** A top-level list whose elements `item` checks: `expected an array of <what>`, `<what> #3: <problem>`. */
function listOf(item: ZodType, what: string) {
  return z.array(item, says(`expected an array of ${what}`));
}

const targetKinds = ['ip4', 'ip6', 'cidr', 'domain'] as const;
const runStatuses = ['running', 'completed', 'interrupted', 'failed'] as const;
/** Every event kind, checked by the compiler against {@link ListingEventKind}: a new kind cannot be forgotten. */
const eventKindSet: Record<ListingEventKind, true> = {
  listed: true,
  delisted: true,
  'zone-degraded': true,
  'zone-recovered': true,
  'resolver-down': true,
  'resolver-recovered': true,
};
const eventKinds = Object.keys(eventKindSet) as ListingEventKind[];
/** Events about the resolver itself: no target, and `zone: ''`. */
const resolverEventKinds: ReadonlySet<string> = new Set(['resolver-down', 'resolver-recovered']);

const inventoryEntrySchema = z.object(
  {
    target: nonEmpty('no target'),
    kind: z.enum(targetKinds, says('unknown kind')),
    labels: record('no labels'),
    addedAt: text('no addedAt'),
  },
  says('not an object'),
);

const noStreaks = 'no streaks';
const noEvidence = 'codes, meanings or txt missing';
/** A listing state; `null` (a deletion, only valid in a commit) is reported as such. */
const stateSchema = z.object(
  {
    target: text('no target or zone'),
    zone: text('no target or zone'),
    status: z.enum(['listed', 'clean'], says('status is neither listed nor clean')),
    listedStreak: z.number(says(noStreaks)),
    cleanStreak: z.number(says(noStreaks)),
    codes: strings(noEvidence),
    meanings: strings(noEvidence),
    txt: strings(noEvidence),
  },
  { error: (issue) => (issue.input === null ? 'a deleted state' : 'not an object') },
);

/** `[listingKey(target, zone), state]`, the key matching the state; `state` is the schema for the second place. */
function statePairSchema(state: ZodType) {
  const notAPair = says('not a [key, state] pair');
  return z.tuple([z.string(notAPair), state], notAPair).check((context) => {
    const [key, value] = context.value as [string, ListingState | null];
    if (value !== null && key !== listingKey(value.target, value.zone)) {
      context.issues.push({
        code: 'custom',
        message: `key ${key} does not match its state`,
        input: context.value,
      });
    }
  });
}

const badOwner = 'owner is not { host, pid, pidNamespace?, leaseUntil }';
const runSchema = z.object(
  {
    id: nonEmpty('no id'),
    status: z.enum(runStatuses, says('unknown status')),
    startedAt: time('startedAt is not a time'),
    endedAt: time('endedAt is not a time').optional(),
    zoneHealth: z.array(z.unknown(), says('no zoneHealth')),
    owner: z
      .object(
        {
          host: text(badOwner),
          pid: z.number(says(badOwner)).int(says(badOwner)),
          pidNamespace: text(badOwner).optional(),
          leaseUntil: time(badOwner),
        },
        says(badOwner),
      )
      .optional(),
  },
  says('not an object'),
);

const eventSchema = z
  .object(
    {
      id: nonEmpty('no id'),
      kind: z.enum(eventKinds, says('unknown kind')),
      at: time('at is not a time'),
      runId: text('no runId or zone'),
      zone: text('no runId or zone'),
      target: text('target is not a string').optional(),
    },
    says('not an object'),
  )
  .check((context) => {
    const { kind, zone, target } = context.value;
    if (resolverEventKinds.has(kind) && (zone !== '' || target !== undefined)) {
      context.issues.push({
        code: 'custom',
        message: `a ${kind} event has no target and zone ''`,
        input: context.value,
      });
    }
  });

const resolverAlarmSchema = z.object(
  { downSince: time('downSince is not a time'), detail: text('detail is not a string') },
  says('not an object'),
);

const notMeta = 'not version 1 store metadata';
const notLists = 'degradedZones, open or runDays is not a list of strings';
const notZonesAnswered = 'zonesAnswered is not a mapping of zone to time';
const metaSchema = z.object(
  {
    v: z.literal(1, says(notMeta)),
    degradedZones: strings(notLists),
    open: strings(notLists),
    runDays: strings(notLists),
    resolver: resolverAlarmSchema.optional(),
    identity: text('identity is not a string').optional(),
    zonesAnswered: z.record(z.string(), time(notZonesAnswered), says(notZonesAnswered)).optional(),
  },
  says(notMeta),
);

const notIdentity = 'not a store identity { id, createdAt }';
const identitySchema = z.object(
  { id: nonEmpty(notIdentity), createdAt: time(notIdentity) },
  says(notIdentity),
);

const notRunRef = 'not { id, startedAt }';
const runRefSchema = z.object({ id: text(notRunRef), startedAt: time(notRunRef) }, says(notRunRef));

const notEventRunRef = 'not { runId, count, first, last }';
const eventRunRefSchema = z.object(
  {
    runId: text(notEventRunRef),
    count: z.number(says(notEventRunRef)),
    first: time(notEventRunRef),
    last: time(notEventRunRef),
  },
  says(notEventRunRef),
);

const commitSchema = z.object(
  {
    run: runSchema,
    events: z.array(eventSchema, says('events is not an array')),
    states: z.array(statePairSchema(stateSchema.nullable()), says('states is not an array')),
    degradedZones: strings('degradedZones is not a list of strings'),
    firstScanned: strings('firstScanned is not a list of strings'),
    resolver: resolverAlarmSchema.nullable().optional(),
  },
  says('not an object'),
);
const commitWhere = {
  lists: { events: 'event', states: 'state' },
  fields: { run: 'run', resolver: 'resolver' },
};

/** Checks a value against `schema`: its first problem, or undefined. */
function problemWith(schema: ZodType, value: unknown, where: IssuePlace = {}) {
  const result = schema.safeParse(value);
  return result.success ? undefined : describeIssue(result.error, where);
}

/** A scan run, or why it is not one. */
export function runProblem(item: unknown): string | undefined {
  return problemWith(runSchema, item);
}

export function readInventory(value: unknown, key: string): InventoryEntry[] {
  return readChecked(listOf(inventoryEntrySchema, 'inventory entry'), value, key, {
    root: 'inventory entry',
  });
}

export function readStates(value: unknown, key: string): Map<string, ListingState> {
  const pairs = readChecked<[string, ListingState][]>(
    listOf(statePairSchema(stateSchema), 'state'),
    value,
    key,
    {
      root: 'state',
    },
  );
  return new Map(pairs);
}

export function readRun(value: unknown, key: string): ScanRun {
  return readChecked(runSchema, value, key);
}

export function readEvents(value: unknown, key: string): ListingEvent[] {
  return readChecked(listOf(eventSchema, 'event'), value, key, { root: 'event' });
}

export function readMeta(value: unknown, key: string): StoreMeta {
  return readChecked(metaSchema, value, key, { fields: { resolver: 'resolver alarm' } });
}

export function readIdentity(value: unknown, key: string): StoreIdentity {
  const identity = readChecked<StoreIdentity>(identitySchema, value, key);
  return { id: identity.id, createdAt: identity.createdAt };
}

export function readRunRefs(value: unknown, key: string): RunRef[] {
  return readChecked(listOf(runRefSchema, 'run reference'), value, key, { root: 'run reference' });
}

export function readEventRunRefs(value: unknown, key: string): EventRunRef[] {
  return readChecked(listOf(eventRunRefSchema, 'event run reference'), value, key, {
    root: 'event run reference',
  });
}

/**
 * A scan commit, or why it is not one: checks input, and the write-ahead `commit:<runId>` records the previous
 * version stored (still applied by `recover()`).
 */
export function commitProblem(value: unknown): string | undefined {
  return problemWith(commitSchema, value, commitWhere);
}

export function readCommit(value: unknown, key: string): ScanCommit {
  return readChecked(commitSchema, value, key, commitWhere);
}
