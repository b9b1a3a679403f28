/**
 * The {@link ListingRepository} over any keyv backend. This file is the only place that knows key names.
 *
 * Key layout (each under the backend's namespace prefix; every value is JSON):
 *
 * | key                | value                                                    | written by                     |
 * | ------------------ | -------------------------------------------------------- | ------------------------------ |
 * | `inventory`        | `InventoryEntry[]`                                       | put/remove, first scans        |
 * | `states`           | `[listingKey, ListingState][]`, every stored state       | commits that change a state    |
 * | `meta`             | degraded zones, open runs, days with runs                | start, commit, end, recover    |
 * | `runs:<YYYY-MM-DD>`| `{ id, startedAt }[]`: the runs started that UTC day     | start (once per run)           |
 * | `run:<id>`         | `ScanRun`                                                | start, commit, end, recover    |
 * | `event-index`      | `{ runId, count, first, last }[]`: runs with events      | commits with events            |
 * | `events:<runId>`   | `ListingEvent[]`, the events of one run                  | commits with events            |
 * | `commit:<runId>`   | `ScanCommit`, the write-ahead record                     | commit (then deleted)          |
 *
 * Writes are proportional to changes, never to lookups: a commit with no events and no state changes writes
 * `commit:<id>`, `run:<id>` and `meta` and deletes `commit:<id>` (four store calls), whatever the size of the scan.
 * States are one value because only listings and pairs on their way to a change are stored, so the map stays small.
 *
 * Crash safety follows {@link ScanCommit}: the commit is first stored whole under `commit:<runId>` (one atomic
 * write on every backend), then applied in an order where every step is an overwrite, then deleted. `meta.open`
 * lists runs between start and end, which is where {@link KeyvListingRepository.recover} finds what a killed
 * process left behind.
 */
import type { Keyv } from 'keyv';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingState } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import { AppError, ErrorCode, UserError } from '../errors.ts';
import type { AlertStore } from './alert-store.ts';
import { KeyvAlertStore } from './keyv-alert-store.ts';
import type { EventQuery, ListingRepository, ScanCommit } from './listing-repository.ts';
import {
  commitProblem,
  corruptValue,
  type EventRunRef,
  emptyMeta,
  type RunRef,
  readCommit,
  readEventRunRefs,
  readEvents,
  readInventory,
  readMeta,
  readRun,
  readRunRefs,
  readStates,
  runProblem,
  type StoreMeta,
} from './stored-values.ts';

/** The keys this repository uses, exported so tests can corrupt or inspect exactly these. */
export const storeKeys = {
  inventory: 'inventory',
  states: 'states',
  meta: 'meta',
  eventIndex: 'event-index',
  runDay: (day: string): string => `runs:${day}`,
  run: (id: string): string => `run:${id}`,
  events: (runId: string): string => `events:${runId}`,
  commit: (runId: string): string => `commit:${runId}`,
} as const;

/** `listEvents` page size when none is asked for, and the most a page may hold. */
const DEFAULT_EVENT_PAGE = 100;
const MAX_PAGE = 1000;
/** `listRuns` page size when none is asked for. */
const DEFAULT_RUN_PAGE = 50;
/** Event runs read in parallel while paging through history. */
const EVENT_READ_BATCH = 16;
/** Run ids become keys; Postgres keys are at most 255 characters including the namespace. */
const MAX_ID_LENGTH = 160;

const INTERRUPTED = 'interrupted: the process stopped mid-scan';

/** Options for {@link KeyvListingRepository}. */
export interface KeyvListingRepositoryOptions {
  /** An open keyv instance; the repository owns it from now on and disconnects it on `close()`. */
  readonly keyv: Keyv;
  /** Backend name reported as {@link ListingRepository.backend}. */
  readonly backend: string;
}

interface CursorPosition {
  readonly at: number;
  readonly id: string;
}

/**
 * {@link ListingRepository} over keyv.
 *
 * Errors: keyv reports backend failures as `'error'` events as well as (with `throwOnErrors`) by throwing. Both
 * surface as `STORE_BACKEND_ERROR`: a thrown one from the operation it broke, an event that arrived between
 * operations (a dropped connection) from the next operation, before it touches anything. A value that does not
 * parse or has the wrong shape is `STORE_CORRUPT`, naming the key; it is never read as "absent".
 *
 * Concurrency: operations that write are serialized within this instance, so a chat command adding a target
 * cannot lose an update against a commit in progress. Across processes the port's single-writer rule holds.
 */
export class KeyvListingRepository implements ListingRepository {
  readonly backend: string;
  readonly alerts: AlertStore;
  readonly #keyv: Keyv;
  readonly #onError = (error: unknown): void => {
    this.#pendingError ??= error;
  };
  #pendingError: unknown;
  /** The last queued write operation; the next one starts after it settles. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Set by close(): no new operation may start. */
  #closing: Promise<void> | undefined;
  /** Set once writes queued before close() have drained and the backend is being disconnected. */
  #closed = false;

  constructor(options: KeyvListingRepositoryOptions) {
    this.backend = options.backend;
    this.#keyv = options.keyv;
    // Without throwOnErrors keyv answers a failed read with `undefined`: an outage would look like an empty store,
    // and the next write would overwrite real data with that emptiness.
    this.#keyv.throwOnErrors = true;
    this.#keyv.on('error', this.#onError);
    this.alerts = new KeyvAlertStore({
      read: (key, check) => this.#read(key, check),
      write: (key, value) => this.#set(key, value),
      remove: (key) => this.#delete(key),
      query: (name, fn) => this.#query(name, fn),
      exclusive: (name, fn) => this.#exclusive(name, fn),
    });
  }

  async listInventory(): Promise<InventoryEntry[]> {
    return this.#query('listInventory', () => this.#readInventory());
  }

  async putInventory(entry: InventoryEntry): Promise<void> {
    if (typeof entry.target !== 'string' || entry.target === '') {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, 'an inventory entry needs a target');
    }
    await this.#exclusive('putInventory', async () => {
      const entries = await this.#readInventory();
      const index = entries.findIndex((existing) => existing.target === entry.target);
      if (index === -1) entries.push(entry);
      else entries[index] = entry;
      await this.#set(storeKeys.inventory, entries);
    });
  }

  async removeInventory(target: string): Promise<boolean> {
    return this.#exclusive('removeInventory', async () => {
      const entries = await this.#readInventory();
      const kept = entries.filter((entry) => entry.target !== target);
      if (kept.length === entries.length) return false;
      // Only the entry goes: its events and runs stay, so history still explains past alerts.
      await this.#set(storeKeys.inventory, kept);
      return true;
    });
  }

  async getStates(): Promise<Map<string, ListingState>> {
    return this.#query('getStates', () => this.#readStates());
  }

  async getDegradedZones(): Promise<Set<string>> {
    return this.#query('getDegradedZones', async () => new Set((await this.#readMeta()).degradedZones));
  }

  async startRun(run: ScanRun): Promise<void> {
    checkRun(run, ['running']);
    await this.#exclusive('startRun', async () => {
      // Indexed (and listed as open) before the run record exists: a crash in between leaves an id that
      // recover() drops, never a `running` run that nothing would ever mark as interrupted.
      await this.#index(run, await this.#readMeta(), true);
      await this.#set(storeKeys.run(run.id), run);
    });
  }

  async commitRun(commit: ScanCommit): Promise<void> {
    const problem = commitProblem(commit);
    if (problem !== undefined) {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, `commit rejected: ${problem}`);
    }
    const { run } = commit;
    checkRun(run, ['completed']);
    if (run.endedAt === undefined) {
      throw new AppError(
        ErrorCode.STORE_INVALID_INPUT,
        `commit of run ${run.id} rejected: endedAt is missing`,
      );
    }
    for (const event of commit.events) {
      if (event.runId !== run.id) {
        throw new AppError(
          ErrorCode.STORE_INVALID_INPUT,
          `commit of run ${run.id} rejected: event ${event.id} belongs to run ${event.runId}`,
        );
      }
    }
    if (new Set(commit.events.map((event) => event.id)).size !== commit.events.length) {
      throw new AppError(
        ErrorCode.STORE_INVALID_INPUT,
        `commit of run ${run.id} rejected: duplicate event ids`,
      );
    }
    await this.#exclusive('commitRun', async () => {
      let meta = await this.#readMeta();
      // Replaying an older leftover commit after this one would roll states back: make the caller recover first.
      for (const other of meta.open) {
        if (other !== run.id && (await this.#readCommit(other)) !== undefined) {
          throw new AppError(
            ErrorCode.STORE_INVALID_INPUT,
            `run ${other} has a commit that was never applied; call recover() before committing run ${run.id}`,
          );
        }
      }
      meta = await this.#index(run, meta, true);
      await this.#set(storeKeys.commit(run.id), toPlain(commit));
      await this.#apply(commit, meta);
      await this.#delete(storeKeys.commit(run.id));
    });
  }

  /**
   * Records a run that ended without a commit. If the run did write its commit record before failing (the
   * backend went away while applying it), the commit stands: it is applied now instead, because its events and
   * states are already durable and a `failed` run would contradict them. If applying fails again, `recover()`
   * finishes the job at the next start.
   */
  async endRun(run: ScanRun): Promise<void> {
    checkRun(run, ['failed', 'interrupted']);
    await this.#exclusive('endRun', async () => {
      let meta = await this.#readMeta();
      const pending = await this.#readCommit(run.id);
      if (pending !== undefined) {
        await this.#apply(pending, meta);
        await this.#delete(storeKeys.commit(run.id));
        return;
      }
      meta = await this.#index(run, meta, false);
      await this.#set(storeKeys.run(run.id), run);
      await this.#setMeta(meta, { ...meta, open: meta.open.filter((id) => id !== run.id) });
    });
  }

  async recover(now: string): Promise<{ replayed: string[]; interrupted: string[] }> {
    if (Number.isNaN(Date.parse(now))) {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, `recover: ${now} is not an ISO 8601 time`);
    }
    return this.#exclusive('recover', async () => {
      let meta = await this.#readMeta();
      const replayed: string[] = [];
      const interrupted: string[] = [];
      // Oldest first (run ids sort by start time), so a later commit's states win over an earlier one's.
      for (const id of [...meta.open].sort()) {
        const commit = await this.#readCommit(id);
        if (commit !== undefined) {
          meta = await this.#apply(commit, meta);
          await this.#delete(storeKeys.commit(id));
          replayed.push(id);
          continue;
        }
        const run = await this.#read(storeKeys.run(id), readRun);
        if (run?.status === 'running') {
          await this.#set(storeKeys.run(id), {
            ...run,
            status: 'interrupted',
            endedAt: now,
            error: INTERRUPTED,
          });
          interrupted.push(id);
        }
        meta = await this.#setMeta(meta, { ...meta, open: meta.open.filter((open) => open !== id) });
      }
      return { replayed, interrupted };
    });
  }

  async getRun(id: string): Promise<ScanRun | undefined> {
    return this.#query('getRun', () => this.#read(storeKeys.run(id), readRun));
  }

  async listRuns(options: { limit?: number } = {}): Promise<ScanRun[]> {
    const limit = pageSize(options.limit, DEFAULT_RUN_PAGE);
    return this.#query('listRuns', async () => {
      const meta = await this.#readMeta();
      const ids: string[] = [];
      for (const day of [...meta.runDays].reverse()) {
        const refs = (await this.#read(storeKeys.runDay(day), readRunRefs)) ?? [];
        refs.sort(newestRunFirst);
        for (const ref of refs) {
          if (ids.length === limit) break;
          ids.push(ref.id);
        }
        if (ids.length === limit) break;
      }
      const runs = await Promise.all(ids.map((id) => this.#read(storeKeys.run(id), readRun)));
      // An id without a record is a start that crashed between indexing and writing; recover() drops it.
      return runs.filter((run): run is ScanRun => run !== undefined);
    });
  }

  async listEvents(query: EventQuery = {}): Promise<{ events: ListingEvent[]; next?: string }> {
    const limit = pageSize(query.limit, DEFAULT_EVENT_PAGE);
    const since = query.since === undefined ? -Infinity : parseQueryTime(query.since, 'since');
    const until = query.until === undefined ? Infinity : parseQueryTime(query.until, 'until');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    return this.#query('listEvents', async () => {
      const index = (await this.#read(storeKeys.eventIndex, readEventRunRefs)) ?? [];
      const candidates = index
        .map((ref) => ({ ref, first: Date.parse(ref.first), last: Date.parse(ref.last) }))
        .filter(
          ({ first, last }) => last >= since && first < until && (after === undefined || first <= after.at),
        )
        .sort((a, b) => b.last - a.last);

      const matches = (event: ListingEvent, at: number): boolean =>
        at >= since &&
        at < until &&
        (query.target === undefined || event.target === query.target) &&
        (query.zone === undefined || event.zone === query.zone) &&
        (after === undefined || compareEvents({ at, id: event.id }, after) < 0);

      // Runs come newest-last-event first; once `limit + 1` events are in hand, a run whose newest event is older
      // than all of them cannot change the page, so reading stops there.
      const found: { event: ListingEvent; at: number }[] = [];
      for (let start = 0; start < candidates.length; start += EVENT_READ_BATCH) {
        const batch = candidates.slice(start, start + EVENT_READ_BATCH);
        const threshold = found.length > limit ? found[limit]?.at : undefined;
        if (threshold !== undefined && (batch[0]?.last ?? -Infinity) < threshold) break;
        const lists = await Promise.all(
          batch.map(({ ref }) => this.#read(storeKeys.events(ref.runId), readEvents)),
        );
        for (const list of lists) {
          for (const event of list ?? []) {
            const at = Date.parse(event.at);
            if (matches(event, at)) found.push({ event, at });
          }
        }
        found.sort((a, b) => compareEvents({ at: b.at, id: b.event.id }, { at: a.at, id: a.event.id }));
      }
      const page = found.slice(0, limit);
      const last = page.at(-1);
      if (found.length > limit && last !== undefined) {
        return {
          events: page.map((item) => item.event),
          next: encodeCursor({ at: last.at, id: last.event.id }),
        };
      }
      return { events: page.map((item) => item.event) };
    });
  }

  /** Waits for queued writes, then disconnects the backend. Later calls fail with `STORE_CLOSED`. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#tail;
      this.#closed = true;
      this.#keyv.off('error', this.#onError);
      await this.#keyv.disconnect();
    })();
    await this.#closing;
  }

  // --- applying a commit ---------------------------------------------------------------------------------

  /**
   * Applies a commit (fresh or replayed). Every step overwrites with a value computed from the commit, so running
   * it twice, or after a partial run, ends in the same state. Returns the metadata as written.
   */
  async #apply(commit: ScanCommit, meta: StoreMeta): Promise<StoreMeta> {
    const { run } = commit;
    if (commit.events.length > 0) {
      await this.#set(storeKeys.events(run.id), commit.events);
      let first = Infinity;
      let last = -Infinity;
      for (const event of commit.events) {
        const at = Date.parse(event.at);
        first = Math.min(first, at);
        last = Math.max(last, at);
      }
      const ref: EventRunRef = {
        runId: run.id,
        count: commit.events.length,
        first: new Date(first).toISOString(),
        last: new Date(last).toISOString(),
      };
      const index = (await this.#read(storeKeys.eventIndex, readEventRunRefs)) ?? [];
      const existing = index.find((other) => other.runId === run.id);
      if (existing === undefined || JSON.stringify(existing) !== JSON.stringify(ref)) {
        await this.#set(storeKeys.eventIndex, [...index.filter((other) => other.runId !== run.id), ref]);
      }
    }

    if (commit.states.length > 0) {
      const states = await this.#readStates();
      let changed = false;
      for (const [key, state] of commit.states) {
        if (state === null) {
          changed = states.delete(key) || changed;
        } else if (JSON.stringify(states.get(key)) !== JSON.stringify(state)) {
          states.set(key, state);
          changed = true;
        }
      }
      if (changed) await this.#set(storeKeys.states, [...states]);
    }

    if (commit.firstScanned.length > 0) {
      const covered = new Set(commit.firstScanned);
      const endedAt = run.endedAt ?? run.startedAt;
      let changed = false;
      const entries = (await this.#readInventory()).map((entry) => {
        if (!covered.has(entry.target) || entry.firstScannedAt !== undefined) return entry;
        changed = true;
        return { ...entry, firstScannedAt: endedAt };
      });
      if (changed) await this.#set(storeKeys.inventory, entries);
    }

    await this.#set(storeKeys.run(run.id), run);
    return this.#setMeta(meta, {
      ...meta,
      degradedZones: [...new Set(commit.degradedZones)].sort(),
      open: meta.open.filter((id) => id !== run.id),
    });
  }

  /**
   * Makes sure the run is in its day bucket and, when `open`, in `meta.open`. Costs nothing for a run that
   * `startRun` already indexed. Returns the metadata as written.
   */
  async #index(run: ScanRun, meta: StoreMeta, open: boolean): Promise<StoreMeta> {
    if (meta.open.includes(run.id)) return meta;
    const day = new Date(Date.parse(run.startedAt)).toISOString().slice(0, 10);
    const bucketKey = storeKeys.runDay(day);
    const refs = (await this.#read(bucketKey, readRunRefs)) ?? [];
    if (!refs.some((ref) => ref.id === run.id)) {
      await this.#set(bucketKey, [...refs, { id: run.id, startedAt: run.startedAt }]);
    }
    return this.#setMeta(meta, {
      ...meta,
      open: open ? [...meta.open, run.id] : meta.open,
      runDays: meta.runDays.includes(day) ? meta.runDays : [...meta.runDays, day].sort(),
    });
  }

  // --- reading and writing values ------------------------------------------------------------------------

  async #readInventory(): Promise<InventoryEntry[]> {
    return (await this.#read(storeKeys.inventory, readInventory)) ?? [];
  }

  async #readStates(): Promise<Map<string, ListingState>> {
    return (await this.#read(storeKeys.states, readStates)) ?? new Map();
  }

  async #readMeta(): Promise<StoreMeta> {
    return (await this.#read(storeKeys.meta, readMeta)) ?? emptyMeta;
  }

  async #readCommit(runId: string): Promise<ScanCommit | undefined> {
    return this.#read(storeKeys.commit(runId), readCommit);
  }

  /** Reads one key: `undefined` when absent, `STORE_CORRUPT` when present but not a value `check` accepts. */
  async #read<T>(key: string, check: (value: unknown, key: string) => T): Promise<T | undefined> {
    let raw: unknown;
    try {
      // getRaw, unlike get, never maps a backend failure to "absent", and shows a non-envelope value as such.
      raw = await this.#keyv.getRaw<unknown>(key);
    } catch (error) {
      if (error instanceof SyntaxError) throw corruptValue(key, 'not valid JSON', error);
      throw this.#backendError(`reading ${key}`, error);
    }
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || !('value' in raw)) throw corruptValue(key, 'not a keyv record');
    return check(raw.value, key);
  }

  async #set(key: string, value: unknown): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.#keyv.set(key, value);
    } catch (error) {
      throw this.#backendError(`writing ${key}`, error);
    }
    if (!ok) throw this.#backendError(`writing ${key}`, new Error('the backend did not store the value'));
  }

  async #delete(key: string): Promise<void> {
    try {
      await this.#keyv.delete(key);
    } catch (error) {
      throw this.#backendError(`deleting ${key}`, error);
    }
  }

  /** Writes `next` unless it equals `previous`; returns what is now stored. */
  async #setMeta(previous: StoreMeta, next: StoreMeta): Promise<StoreMeta> {
    if (JSON.stringify(previous) !== JSON.stringify(next)) {
      await this.#set(storeKeys.meta, next);
    }
    return next;
  }

  // --- error handling and serialization ------------------------------------------------------------------

  /** Runs a read: fails first with any error keyv reported since the last operation. */
  async #query<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) throw this.#closedError(name);
    return this.#op(name, fn);
  }

  async #op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    // Writes queued before close() still run; nothing runs once the backend is being disconnected.
    if (this.#closed) throw this.#closedError(name);
    this.#throwPendingError(name);
    try {
      const result = await fn();
      // An error emitted without being thrown (an adapter that only reports) still fails the operation.
      this.#throwPendingError(name);
      return result;
    } catch (error) {
      // The error this operation reports is the one keyv also emitted: report it once, here.
      this.#pendingError = undefined;
      if (error instanceof AppError) throw error;
      throw this.#backendError(name, error);
    }
  }

  /** Runs a write after every write queued before it has settled. */
  #exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError(name));
    const result = this.#tail.then(() => this.#op(name, fn));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #closedError(name: string): AppError {
    return new AppError(ErrorCode.STORE_CLOSED, `${this.backend} store: ${name} after close()`);
  }

  #throwPendingError(name: string): void {
    const pending = this.#pendingError;
    if (pending === undefined) return;
    this.#pendingError = undefined;
    throw this.#backendError(`${name} (error reported earlier)`, pending);
  }

  #backendError(doing: string, error: unknown): AppError {
    if (error instanceof AppError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new AppError(ErrorCode.STORE_BACKEND_ERROR, `${this.backend} store: ${doing} failed: ${detail}`, {
      cause: error,
    });
  }
}

// --- helpers -----------------------------------------------------------------------------------------------

function checkRun(run: ScanRun, statuses: readonly ScanRun['status'][]): void {
  const problem = runProblem(run);
  if (problem !== undefined) throw new AppError(ErrorCode.STORE_INVALID_INPUT, `run rejected: ${problem}`);
  if (run.id.length > MAX_ID_LENGTH) {
    throw new AppError(ErrorCode.STORE_INVALID_INPUT, `run id is longer than ${MAX_ID_LENGTH} characters`);
  }
  if (!statuses.includes(run.status)) {
    throw new AppError(
      ErrorCode.STORE_INVALID_INPUT,
      `run ${run.id} has status ${run.status}; expected ${statuses.join(' or ')}`,
    );
  }
}

/** A plain-JSON copy, so a caller mutating its objects later cannot change what was committed. */
function toPlain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function pageSize(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(MAX_PAGE, Math.max(1, Math.floor(limit)));
}

function parseQueryTime(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UserError(ErrorCode.STORE_INVALID_INPUT, `${name} must be an ISO 8601 time`);
  return ms;
}

function newestRunFirst(a: RunRef, b: RunRef): number {
  return Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Orders events oldest first: by time, then by id (`<runId>:<n>` compared by run, then numerically by n). */
function compareEvents(a: CursorPosition, b: CursorPosition): number {
  return a.at - b.at || compareEventIds(a.id, b.id);
}

function compareEventIds(a: string, b: string): number {
  const split = (id: string): { run: string; n: number } | undefined => {
    const match = /^(.*):(\d+)$/.exec(id);
    return match?.[1] === undefined || match[2] === undefined
      ? undefined
      : { run: match[1], n: Number(match[2]) };
  };
  const left = split(a);
  const right = split(b);
  if (left !== undefined && right !== undefined && left.run === right.run) return left.n - right.n;
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): CursorPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== 'number' ||
    !Number.isFinite(decoded[0]) ||
    typeof decoded[1] !== 'string'
  ) {
    throw new UserError(ErrorCode.STORE_CURSOR_INVALID, 'the paging cursor is not one this store handed out');
  }
  return { at: decoded[0], id: decoded[1] };
}
