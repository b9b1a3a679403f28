/**
 * The {@link ListingRepository} over any keyv backend. This file is the only place that knows key names.
 *
 * Key layout (each under the backend's namespace prefix; every value is JSON in keyv's envelope):
 *
 * | key                | value                                                    | written by                     |
 * | ------------------ | -------------------------------------------------------- | ------------------------------ |
 * | `identity`         | `StoreIdentity`: the store's marker                      | the first open                 |
 * | `inventory`        | `InventoryEntry[]`                                       | inventory changes, first scans |
 * | `states`           | `[listingKey, ListingState][]`, every stored state       | commits that change a state    |
 * | `meta`             | degraded zones, open runs, days with runs, alarms        | start, commit, end, recover    |
 * | `runs:<YYYY-MM-DD>`| `{ id, startedAt }[]`: the runs started that UTC day     | start (once per run), prune    |
 * | `run:<id>`         | `ScanRun`                                                | start, lease, commit, end      |
 * | `event-index`      | `{ runId, count, first, last }[]`: runs with events      | commits with events, prune     |
 * | `events:<runId>`   | `ListingEvent[]`, the events of one run                  | commits with events            |
 * | `commit:<runId>`   | `ScanCommit` left by the previous version (write-ahead)  | never now; applied, deleted    |
 *
 * Atomicity: every operation that writes runs as one transaction of the backend (see {@link TransactionalStore}):
 * it reads what it changes and writes the result inside that transaction, so writers in any number of processes
 * never lose each other's updates, and an operation that fails part-way (a crash, an outage) changes nothing. A
 * scan commit (events, states, inventory, run, metadata) is one such transaction, which is why the write-ahead
 * `commit:<runId>` record of the previous version is gone; records it left behind are still applied.
 *
 * Writes are proportional to changes, never to lookups: a commit with no events and no state changes writes
 * `run:<id>` and `meta`, whatever the size of the scan. States are one value because only listings and pairs on
 * their way to a change are stored, so the map stays small.
 */
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Keyv } from 'keyv';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingState } from '../domain/listing.ts';
import type { RunOwner, ScanRun } from '../domain/scan-run.ts';
import { AppError, ErrorCode, UserError } from '../errors.ts';
import type { AlertStore } from './alert-store.ts';
import { KeyvAlertStore } from './keyv-alert-store.ts';
import type {
  EventQuery,
  InventoryChange,
  InventoryChangeResult,
  ListingRepository,
  ResolverAlarm,
  ScanCommit,
  StoreIdentity,
} from './listing-repository.ts';
import {
  commitProblem,
  corruptValue,
  type EventRunRef,
  emptyMeta,
  type RunRef,
  readCommit,
  readEventRunRefs,
  readEvents,
  readIdentity,
  readInventory,
  readMeta,
  readRun,
  readRunRefs,
  readStates,
  runProblem,
  type StoreMeta,
} from './stored-values.ts';
import { isTransactionalStore, type TransactionalStore } from './transactional-store.ts';

/** The keys this repository uses, exported so tests can corrupt or inspect exactly these. */
export const storeKeys = {
  identity: 'identity',
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
/**
 * How long a run's owner vouches for it, in ms. Renewed every third of it, so two renewals may fail (a short store
 * outage) before another host may call the run abandoned.
 */
const DEFAULT_LEASE_MS = 60_000;

const INTERRUPTED = 'interrupted: the process stopped mid-scan';

/** Options for {@link KeyvListingRepository}. */
export interface KeyvListingRepositoryOptions {
  /**
   * An open keyv instance whose store implements {@link TransactionalStore} (every adapter in `backends/` does);
   * the repository owns it from now on and disconnects it on `close()`.
   */
  readonly keyv: Keyv;
  /** Backend name reported as {@link ListingRepository.backend}. */
  readonly backend: string;
  /**
   * The process recorded as the owner of the runs it starts (default: this host name and pid, in this process's
   * pid namespace).
   */
  readonly owner?: ProcessIdentity;
  /** How long a started run's lease lasts, in ms (default 60 000); renewed every third of that while it runs. */
  readonly leaseMs?: number;
  /** Wall clock for leases and the identity marker (default: the system clock). */
  readonly clock?: () => Date;
  /** Whether a process of this host with this pid exists (default: `process.kill(pid, 0)`). */
  readonly isAlive?: (pid: number) => boolean;
  /**
   * Longest any one operation may take before it fails with `STORE_TIMEOUT` (default 20 000 ms): a frozen server
   * must fail a scan visibly, not hang it. Longer than the lock wait, so a locked store reports `STORE_LOCKED`.
   */
  readonly operationTimeoutMs?: number;
}

/** A process as a run's owner names it (see {@link RunOwner}). */
export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** Defaults to this process's pid namespace. */
  readonly pidNamespace?: string;
}

interface CursorPosition {
  readonly at: number;
  readonly id: string;
}

/** What `recover()` does with one open run. */
type RecoveryStep =
  | { readonly id: string; readonly kind: 'replay'; readonly commit: ScanCommit }
  | { readonly id: string; readonly kind: 'interrupt'; readonly run: ScanRun }
  | { readonly id: string; readonly kind: 'drop' };

/** What pruning one day's bucket removes. */
interface PrunePlan {
  readonly refs: RunRef[];
  /** Runs that ended before the cutoff (and refs whose run record is already gone). */
  readonly gone: Set<string>;
  /** How many of `gone` still have a run record. */
  readonly runs: number;
}

/**
 * This process's pid namespace on Linux (`pid:[4026531836]`), else undefined. Containers that share a host name
 * (host networking) do not share pids: a pid is only checked in the namespace it belongs to.
 */
function currentPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * {@link ListingRepository} over keyv.
 *
 * Errors: keyv reports backend failures as `'error'` events as well as (with `throwOnErrors`) by throwing. Both
 * surface as `STORE_BACKEND_ERROR`: a thrown one from the operation it broke, an event that arrived between
 * operations (a dropped connection) from the next operation, before it touches anything. A value that does not
 * parse or has the wrong shape is `STORE_CORRUPT`, naming the key; it is never read as "absent". A write that
 * waited past the backend's lock timeout is `STORE_LOCKED`.
 *
 * Concurrency: each writing operation is one backend transaction (see the file comment). Within this instance,
 * writing operations also queue in call order, so `close()` can let the queued ones finish.
 */
export class KeyvListingRepository implements ListingRepository {
  readonly backend: string;
  readonly alerts: AlertStore;
  readonly #keyv: Keyv;
  readonly #store: TransactionalStore;
  readonly #operationTimeoutMs: number;
  readonly #owner: ProcessIdentity;
  readonly #leaseMs: number;
  readonly #clock: () => Date;
  readonly #isAlive: (pid: number) => boolean;
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
  #identity: StoreIdentity | undefined;
  /** Runs this instance started and has not ended: their leases are renewed. */
  readonly #live = new Set<string>();
  #renewal: ReturnType<typeof setInterval> | undefined;

  /**
   * Opens a repository over `options.keyv` and establishes the store's identity (see
   * {@link ListingRepository.identity}): read, or created when the store has none and no data that names one.
   */
  static async open(options: KeyvListingRepositoryOptions): Promise<KeyvListingRepository> {
    const repo = new KeyvListingRepository(options);
    try {
      repo.#identity = await repo.#establishIdentity();
    } catch (error) {
      await repo.close().catch(() => undefined);
      throw error;
    }
    return repo;
  }

  /** A repository without an established identity (`identity` stays undefined); {@link open} is the usual way. */
  constructor(options: KeyvListingRepositoryOptions) {
    this.backend = options.backend;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 20_000;
    this.#keyv = options.keyv;
    if (!isTransactionalStore(this.#keyv.store)) {
      throw new AppError(
        ErrorCode.STORE_INVALID_INPUT,
        `${options.backend} store: the keyv adapter has no transactions; open it through open-store.ts`,
      );
    }
    this.#store = this.#keyv.store;
    const pidNamespace = currentPidNamespace();
    this.#owner = {
      ...(pidNamespace === undefined ? {} : { pidNamespace }),
      ...(options.owner ?? { host: hostname(), pid: process.pid }),
    };
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#clock = options.clock ?? (() => new Date());
    this.#isAlive = options.isAlive ?? processIsAlive;
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

  get identity(): StoreIdentity | undefined {
    return this.#identity;
  }

  async getIdentity(): Promise<StoreIdentity | undefined> {
    return this.#query('getIdentity', () => this.#read(storeKeys.identity, readIdentity));
  }

  // --- inventory -----------------------------------------------------------------------------------------

  async listInventory(): Promise<InventoryEntry[]> {
    return this.#query('listInventory', () => this.#readInventory());
  }

  async putInventory(entry: InventoryEntry): Promise<void> {
    await this.#changeInventory('putInventory', () => ({ put: [entry] }));
  }

  async removeInventory(target: string): Promise<boolean> {
    // Only the entry goes: its events and runs stay, so history still explains past alerts.
    const { removed } = await this.#changeInventory('removeInventory', () => ({ remove: [target] }));
    return removed.length > 0;
  }

  async changeInventory(
    plan: (current: readonly InventoryEntry[]) => InventoryChange,
  ): Promise<InventoryChangeResult> {
    return this.#changeInventory('changeInventory', plan);
  }

  #changeInventory(
    name: string,
    plan: (current: readonly InventoryEntry[]) => InventoryChange,
  ): Promise<InventoryChangeResult> {
    return this.#exclusive(name, async () => {
      const current = await this.#readInventory();
      const { entries, result } = applyInventoryChange(current, plan(current));
      if (result.added.length + result.replaced.length + result.removed.length > 0) {
        await this.#set(storeKeys.inventory, entries);
      }
      return result;
    });
  }

  // --- state ---------------------------------------------------------------------------------------------

  async getStates(): Promise<Map<string, ListingState>> {
    return this.#query('getStates', () => this.#readStates());
  }

  async getDegradedZones(): Promise<Set<string>> {
    return this.#query('getDegradedZones', async () => new Set((await this.#readMeta()).degradedZones));
  }

  async getResolverAlarm(): Promise<ResolverAlarm | undefined> {
    return this.#query('getResolverAlarm', async () => (await this.#readMeta()).resolver);
  }

  async getZonesAnswered(): Promise<Readonly<Record<string, string>>> {
    return this.#query('getZonesAnswered', async () => (await this.#readMeta()).zonesAnswered ?? {});
  }

  // --- runs ----------------------------------------------------------------------------------------------

  async startRun(run: ScanRun): Promise<void> {
    checkRun(run, ['running']);
    const owned: ScanRun = { ...run, owner: this.#lease() };
    await this.#exclusive('startRun', async () => {
      const meta = await this.#readMeta();
      // One scan at a time decides listings: two would read the same states and both announce the same change.
      // Checked in the same transaction that opens the run, so two starts cannot both pass.
      const now = this.#clock().getTime();
      for (const id of meta.open) {
        if (id === run.id) continue;
        const other = await this.#read(storeKeys.run(id), readRun);
        if (other?.status !== 'running' || this.#ownerGone(other, now) || this.#ownedHere(other)) continue;
        const by = other.owner ? ` by ${other.owner.host} pid ${other.owner.pid}` : '';
        throw new AppError(
          ErrorCode.SCAN_BUSY,
          `another scan is running on this store (${id}, started ${other.startedAt}${by}); try again when it ends`,
        );
      }
      await this.#index(run, meta, true);
      await this.#set(storeKeys.run(run.id), owned);
    });
    this.#track(run.id);
  }

  async commitRun(commit: ScanCommit): Promise<void> {
    checkCommit(commit);
    const { run } = commit;
    await this.#exclusive('commitRun', async () => {
      let meta = await this.#readMeta();
      // Leftovers of the previous version's write-ahead commits go first (oldest first, as recover() would): a
      // commit never waits for a restart because some other run was left half-applied.
      for (const other of [...meta.open].sort()) {
        if (other === run.id) continue;
        const leftover = await this.#readCommit(other);
        if (leftover === undefined) continue;
        meta = await this.#apply(leftover, meta);
        await this.#delete(storeKeys.commit(other));
      }
      const recorded = await this.#read(storeKeys.run(run.id), readRun);
      if (run.status === 'failed' && recorded?.status === 'completed') {
        await this.#setMeta(meta, withoutOpen(meta, run.id));
        return;
      }
      if (recorded !== undefined && recorded.status !== 'running' && recorded.status !== run.status) {
        // Another process judged this run's owner gone (its lease ran out during a long store outage) and may have
        // scanned since: results decided from states read before then must not overwrite newer ones.
        throw new AppError(
          ErrorCode.SCAN_SUPERSEDED,
          `run ${run.id} was marked ${recorded.status} while it ran; its results were not recorded`,
        );
      }
      await this.#apply(commit, meta);
    });
    this.#untrack(run.id);
  }

  /**
   * Records a run that ended without a commit. A completed run stays completed (a late `endRun` after its commit
   * must not contradict the events it stored). A write-ahead commit record the previous version left for this
   * run stands: it is applied instead.
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
      if ((await this.#read(storeKeys.run(run.id), readRun))?.status !== 'completed') {
        meta = await this.#index(run, meta, false);
        await this.#set(storeKeys.run(run.id), run);
      }
      await this.#setMeta(meta, withoutOpen(meta, run.id));
    });
    this.#untrack(run.id);
  }

  async recover(now: string): Promise<{ replayed: string[]; interrupted: string[] }> {
    const at = Date.parse(now);
    if (Number.isNaN(at)) {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, `recover: ${now} is not an ISO 8601 time`);
    }
    // Reads only, without a transaction, unless something is to be done: cheap enough for every scan.
    const due = await this.#query('recover', async () => this.#planRecovery(await this.#readMeta(), at));
    if (due.length === 0) return { replayed: [], interrupted: [] };
    return this.#exclusive('recover', async () => {
      let meta = await this.#readMeta();
      const replayed: string[] = [];
      const interrupted: string[] = [];
      // Decided again inside the transaction: an owner may have committed since the first look.
      for (const step of await this.#planRecovery(meta, at)) {
        if (step.kind === 'replay') {
          meta = await this.#apply(step.commit, meta);
          await this.#delete(storeKeys.commit(step.id));
          replayed.push(step.id);
          continue;
        }
        if (step.kind === 'interrupt') {
          await this.#set(storeKeys.run(step.id), {
            ...step.run,
            status: 'interrupted',
            endedAt: new Date(at).toISOString(),
            error: INTERRUPTED,
          });
          interrupted.push(step.id);
        }
        meta = await this.#setMeta(meta, withoutOpen(meta, step.id));
      }
      return { replayed, interrupted };
    });
  }

  async getRun(id: string): Promise<ScanRun | undefined> {
    return this.#query('getRun', () => this.#read(storeKeys.run(id), readRun));
  }

  async prune(before: string): Promise<{ runs: number; events: number }> {
    const cutoff = Date.parse(before);
    if (Number.isNaN(cutoff)) {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, `prune: ${before} is not an ISO 8601 time`);
    }
    const lastDay = utcDay(cutoff);
    const days = await this.#query('prune', async () =>
      (await this.#readMeta()).runDays.filter((day) => day <= lastDay),
    );
    const total = { runs: 0, events: 0 };
    // One transaction per day bucket: each stays small however much history is due, and a failure part-way leaves
    // every day either pruned or untouched.
    for (const day of days) {
      const due = await this.#query('prune', () => this.#planPrune(day, cutoff));
      if (due === undefined) continue;
      const pruned = await this.#exclusive('prune', async () => {
        const plan = await this.#planPrune(day, cutoff);
        return plan === undefined ? { runs: 0, events: 0 } : this.#pruneDay(day, plan);
      });
      total.runs += pruned.runs;
      total.events += pruned.events;
    }
    return total;
  }

  /** The runs of `day` that ended before `cutoff`; undefined when there are none. */
  async #planPrune(day: string, cutoff: number): Promise<PrunePlan | undefined> {
    const refs = (await this.#read(storeKeys.runDay(day), readRunRefs)) ?? [];
    // A run ends after it starts: only runs started before the cutoff can have ended before it.
    const older = refs.filter((ref) => Date.parse(ref.startedAt) < cutoff);
    const runs = await this.#readMany(
      older.map((ref) => storeKeys.run(ref.id)),
      readRun,
    );
    const gone = new Set<string>();
    let count = 0;
    for (const [index, ref] of older.entries()) {
      const run = runs[index];
      if (run === undefined) {
        gone.add(ref.id);
      } else if (run.status !== 'running' && run.endedAt !== undefined && Date.parse(run.endedAt) < cutoff) {
        gone.add(ref.id);
        count++;
      }
    }
    if (gone.size === 0 && refs.length > 0) return undefined;
    return { refs, gone, runs: count };
  }

  async #pruneDay(day: string, plan: PrunePlan): Promise<{ runs: number; events: number }> {
    const index = (await this.#read(storeKeys.eventIndex, readEventRunRefs)) ?? [];
    const pruned = index.filter((ref) => plan.gone.has(ref.runId));
    await this.#deleteMany([
      ...[...plan.gone].map((id) => storeKeys.run(id)),
      ...pruned.map((ref) => storeKeys.events(ref.runId)),
    ]);
    if (pruned.length > 0) {
      await this.#set(
        storeKeys.eventIndex,
        index.filter((ref) => !plan.gone.has(ref.runId)),
      );
    }
    const kept = plan.refs.filter((ref) => !plan.gone.has(ref.id));
    const meta = await this.#readMeta();
    if (kept.length > 0) {
      await this.#set(storeKeys.runDay(day), kept);
    } else {
      await this.#delete(storeKeys.runDay(day));
      await this.#setMeta(meta, { ...meta, runDays: meta.runDays.filter((other) => other !== day) });
    }
    return { runs: plan.runs, events: pruned.reduce((sum, ref) => sum + ref.count, 0) };
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

  /**
   * Waits for queued writes, then disconnects the backend. Later calls fail with `STORE_CLOSED`. Runs still open
   * keep their lease until it expires; a process on this host finds them sooner, by their dead pid.
   */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopRenewal();
      // A write stuck on a frozen server must not hold a shutdown forever: wait a grace period for queued writes
      // and for the orderly disconnect, then drop the connection.
      const drained = await settlesWithin(this.#tail, CLOSE_GRACE_MS);
      this.#closed = true;
      this.#keyv.off('error', this.#onError);
      if (drained && (await settlesWithin(this.#keyv.disconnect(), CLOSE_GRACE_MS))) return;
      const store = this.#keyv.store as { disconnect?: (force?: boolean) => Promise<void> };
      await settlesWithin(store.disconnect?.(true) ?? Promise.resolve(), CLOSE_GRACE_MS);
    })();
    await this.#closing;
  }

  // --- identity ------------------------------------------------------------------------------------------

  /**
   * Reads the marker, creating it on a store that has none: a fresh store, or one of the previous version (whose
   * metadata names no identity). A store whose metadata names an identity but whose marker is gone lost it, and
   * gets none: minting one would hide the loss from the runtime's check.
   */
  async #establishIdentity(): Promise<StoreIdentity | undefined> {
    const decide = async (): Promise<{ marker?: StoreIdentity; meta?: StoreMeta; write: boolean }> => {
      // Meta first: marker and meta are created together, so a meta naming an identity read before the marker
      // means the marker was there (unless really lost). The other order can read "no marker", then "meta with an
      // identity" that another process created in between.
      const meta = await this.#read(storeKeys.meta, readMeta);
      const marker = await this.#read(storeKeys.identity, readIdentity);
      if (marker !== undefined)
        return { marker, ...(meta ? { meta } : {}), write: meta?.identity === undefined };
      return { ...(meta ? { meta } : {}), write: meta?.identity === undefined };
    };
    const first = await this.#query('open', decide);
    // A plain read is no transaction: only a marker it saw is trusted; "lost" is decided inside one.
    if (!first.write && first.marker !== undefined) return first.marker;
    return this.#exclusive('open', async () => {
      const { marker, meta, write } = await decide();
      if (!write) return marker;
      const identity = marker ?? { id: randomUUID(), createdAt: this.#clock().toISOString() };
      if (marker === undefined) await this.#set(storeKeys.identity, identity);
      await this.#set(storeKeys.meta, { ...(meta ?? emptyMeta), identity: identity.id });
      return identity;
    });
  }

  // --- leases --------------------------------------------------------------------------------------------

  #lease(): RunOwner {
    return { ...this.#owner, leaseUntil: new Date(this.#clock().getTime() + this.#leaseMs).toISOString() };
  }

  /**
   * Whether a `running` run's owner is gone: its lease expired, or it ran on this host (and in this pid namespace)
   * and its pid is dead.
   */
  #ownerGone(run: ScanRun, now: number): boolean {
    const { owner } = run;
    // A run started by the previous version has no owner and no lease: gone once a lease would have expired.
    if (owner === undefined) return Date.parse(run.startedAt) + this.#leaseMs <= now;
    if (Date.parse(owner.leaseUntil) <= now) return true;
    const here = owner.host === this.#owner.host && owner.pidNamespace === this.#owner.pidNamespace;
    return here && !this.#isAlive(owner.pid);
  }

  /** Whether this process started the run (its own runs are ordered by its scheduler, not refused here). */
  #ownedHere(run: ScanRun): boolean {
    const { owner } = run;
    return (
      owner !== undefined &&
      owner.host === this.#owner.host &&
      owner.pid === this.#owner.pid &&
      owner.pidNamespace === this.#owner.pidNamespace
    );
  }

  #track(runId: string): void {
    this.#live.add(runId);
    if (this.#renewal !== undefined || this.#closing !== undefined) return;
    this.#renewal = setInterval(() => void this.#renewLeases(), Math.max(1, this.#leaseMs / 3));
    // A lease must never keep a process alive that has nothing else to do.
    this.#renewal.unref();
  }

  #untrack(runId: string): void {
    this.#live.delete(runId);
    if (this.#live.size === 0) this.#stopRenewal();
  }

  #stopRenewal(): void {
    if (this.#renewal !== undefined) clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  /** Extends the lease of every run this instance still has running; a run ended meanwhile is left alone. */
  async #renewLeases(): Promise<void> {
    const ids = [...this.#live];
    const owner = this.#lease();
    await this.#exclusive('renewLease', async () => {
      for (const id of ids) {
        const run = await this.#read(storeKeys.run(id), readRun);
        if (run?.status !== 'running' || run.owner?.host !== owner.host || run.owner.pid !== owner.pid)
          continue;
        await this.#set(storeKeys.run(id), { ...run, owner });
      }
    }).catch(() => {
      // The next renewal tries again; a scan that cannot reach its store fails on its own.
    });
  }

  // --- recovery ------------------------------------------------------------------------------------------

  /** What to do with each open run, oldest first (run ids sort by start time, so later commits win). */
  async #planRecovery(meta: StoreMeta, now: number): Promise<RecoveryStep[]> {
    const steps: RecoveryStep[] = [];
    for (const id of [...meta.open].sort()) {
      const commit = await this.#readCommit(id);
      if (commit !== undefined) {
        steps.push({ id, kind: 'replay', commit });
        continue;
      }
      const run = await this.#read(storeKeys.run(id), readRun);
      if (run === undefined || run.status !== 'running') steps.push({ id, kind: 'drop' });
      else if (this.#ownerGone(run, now)) steps.push({ id, kind: 'interrupt', run });
    }
    return steps;
  }

  // --- applying a commit ---------------------------------------------------------------------------------

  /**
   * Applies a commit (fresh, or a leftover record) inside the caller's transaction. Every step overwrites with a
   * value computed from the commit and what is stored, so applying it twice ends in the same state. Returns the
   * metadata as written.
   */
  async #apply(commit: ScanCommit, stored: StoreMeta): Promise<StoreMeta> {
    const { run } = commit;
    const meta = await this.#index(run, stored, false);
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
      // Read inside the transaction: an entry removed meanwhile stays removed.
      const entries = (await this.#readInventory()).map((entry) => {
        if (!covered.has(entry.target) || entry.firstScannedAt !== undefined) return entry;
        changed = true;
        return { ...entry, firstScannedAt: endedAt };
      });
      if (changed) await this.#set(storeKeys.inventory, entries);
    }

    await this.#set(storeKeys.run(run.id), run);
    const next: StoreMeta = {
      ...withoutOpen(meta, run.id),
      // A failed run judged no zone: the degraded set stays as the last completed run left it.
      ...(run.status === 'completed' ? { degradedZones: [...new Set(commit.degradedZones)].sort() } : {}),
      ...(run.status === 'completed' && commit.zonesAnswered && commit.zonesAnswered.length > 0
        ? {
            zonesAnswered: {
              ...meta.zonesAnswered,
              ...Object.fromEntries(commit.zonesAnswered.map((zone) => [zone, run.endedAt ?? run.startedAt])),
            },
          }
        : {}),
    };
    return this.#setMeta(meta, withResolver(next, commit.resolver));
  }

  /**
   * Makes sure the run is in its day bucket and, when `open`, in `meta.open`. Costs nothing for a run that
   * `startRun` already indexed. Returns the metadata as written.
   */
  async #index(run: ScanRun, meta: StoreMeta, open: boolean): Promise<StoreMeta> {
    if (meta.open.includes(run.id)) return meta;
    const day = utcDay(Date.parse(run.startedAt));
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

  /** The metadata, or an empty one that names this store's identity (so the first write stamps it). */
  async #readMeta(): Promise<StoreMeta> {
    const meta = await this.#read(storeKeys.meta, readMeta);
    if (meta !== undefined) return meta;
    return this.#identity === undefined ? emptyMeta : { ...emptyMeta, identity: this.#identity.id };
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
    return checkRecord(raw, key, check);
  }

  /** Reads several keys in one round trip where the backend can, each checked like {@link #read}. */
  async #readMany<T>(
    keys: readonly string[],
    check: (value: unknown, key: string) => T,
  ): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    let raws: unknown[];
    try {
      raws = await this.#keyv.getManyRaw<unknown>([...keys]);
    } catch (error) {
      if (error instanceof SyntaxError) throw corruptValue(keys.join(', '), 'not valid JSON', error);
      throw this.#backendError(`reading ${keys.length} keys`, error);
    }
    return keys.map((key, index) => checkRecord(raws[index], key, check));
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

  async #deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.#keyv.deleteMany([...keys]);
    } catch (error) {
      throw this.#backendError(`deleting ${keys.length} keys`, error);
    }
  }

  /** Writes `next` unless it equals `previous`; returns what is now stored. */
  async #setMeta(previous: StoreMeta, next: StoreMeta): Promise<StoreMeta> {
    if (JSON.stringify(previous) !== JSON.stringify(next)) {
      await this.#set(storeKeys.meta, next);
    }
    return next;
  }

  // --- error handling and transactions -------------------------------------------------------------------

  /** Runs a read: fails first with any error keyv reported since the last operation. */
  async #query<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) throw this.#closedError(name);
    return this.#op(name, fn);
  }

  async #op<T>(name: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // Writes queued before close() still run; nothing runs once the backend is being disconnected.
    if (this.#closed) throw this.#closedError(name);
    this.#throwPendingError(name);
    const ms = this.#operationTimeoutMs;
    const deadline = new AbortController();
    const timedOut = new AppError(
      ErrorCode.STORE_TIMEOUT,
      `${this.backend} store: ${name} got no answer within ${ms / 1000} s (is the server stopped or overloaded?)`,
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(deadline.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // A write still waiting must not commit after its caller was told it failed.
            deadline.abort(timedOut);
            reject(timedOut);
          }, ms);
        }),
      ]);
      // An error emitted without being thrown (an adapter that only reports) still fails the operation.
      this.#throwPendingError(name);
      return result;
    } catch (error) {
      // The error this operation reports is the one keyv also emitted: report it once, here.
      this.#pendingError = undefined;
      if (error instanceof AppError) throw error;
      throw this.#backendError(name, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a write as one backend transaction, after every write queued before it in this instance has settled. */
  #exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError(name));
    const result = this.#tail.then(() => this.#op(name, (signal) => this.#store.transaction(fn, { signal })));
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

/** How long `close()` waits for queued writes, then for an orderly disconnect, before dropping the connection. */
const CLOSE_GRACE_MS = 5_000;

/** Whether `promise` settled (either way) within `ms`; the timer is cleared either way. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A raw keyv record checked by `check`: `undefined` when absent, `STORE_CORRUPT` when not an envelope. */
function checkRecord<T>(raw: unknown, key: string, check: (value: unknown, key: string) => T): T | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || !('value' in raw)) throw corruptValue(key, 'not a keyv record');
  return check(raw.value, key);
}

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

/** Checks a commit against {@link ScanCommit}'s rules. */
function checkCommit(commit: ScanCommit): void {
  const reject = (why: string): never => {
    throw new AppError(ErrorCode.STORE_INVALID_INPUT, `commit of run ${commit.run?.id} rejected: ${why}`);
  };
  const problem = commitProblem(commit);
  if (problem !== undefined) reject(problem);
  const { run } = commit;
  checkRun(run, ['completed', 'failed']);
  if (run.endedAt === undefined) reject('endedAt is missing');
  if (
    run.status === 'failed' &&
    (commit.states.length > 0 || commit.firstScanned.length > 0 || commit.degradedZones.length > 0)
  ) {
    reject('a failed run changes no state, first scan or degraded zone');
  }
  for (const event of commit.events) {
    if (event.runId !== run.id) reject(`event ${event.id} belongs to run ${event.runId}`);
  }
  if (new Set(commit.events.map((event) => event.id)).size !== commit.events.length) {
    reject('duplicate event ids');
  }
}

/** The inventory after `change`, and what it did; linear in the inventory and the change. */
function applyInventoryChange(
  current: readonly InventoryEntry[],
  change: InventoryChange,
): { entries: InventoryEntry[]; result: InventoryChangeResult } {
  const puts = change.put ?? [];
  const removals = new Set(change.remove ?? []);
  for (const entry of puts) {
    if (typeof entry?.target !== 'string' || entry.target === '') {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, 'an inventory entry needs a target');
    }
    if (removals.has(entry.target)) {
      throw new AppError(ErrorCode.STORE_INVALID_INPUT, `${entry.target} is both put and removed`);
    }
  }
  const position = new Map(current.map((entry, index) => [entry.target, index]));
  const next: (InventoryEntry | undefined)[] = [...current];
  const removed: string[] = [];
  for (const target of removals) {
    const index = position.get(target);
    if (index === undefined) continue;
    next[index] = undefined;
    removed.push(target);
  }
  const added = new Set<string>();
  const replaced = new Set<string>();
  for (const entry of puts) {
    const index = position.get(entry.target);
    if (index === undefined) {
      position.set(entry.target, next.length);
      next.push(entry);
      added.add(entry.target);
    } else {
      next[index] = entry;
      if (!added.has(entry.target)) replaced.add(entry.target);
    }
  }
  return {
    entries: next.filter((entry): entry is InventoryEntry => entry !== undefined),
    result: { added: [...added], replaced: [...replaced], removed },
  };
}

function withoutOpen(meta: StoreMeta, runId: string): StoreMeta {
  return meta.open.includes(runId) ? { ...meta, open: meta.open.filter((id) => id !== runId) } : meta;
}

/** `meta` with the resolver alarm as a commit leaves it: unchanged (`undefined`), cleared (`null`) or set. */
function withResolver(meta: StoreMeta, resolver: ResolverAlarm | null | undefined): StoreMeta {
  if (resolver === undefined) return meta;
  const { resolver: _previous, ...rest } = meta;
  return resolver === null
    ? rest
    : { ...rest, resolver: { downSince: resolver.downSince, detail: resolver.detail } };
}

/** `YYYY-MM-DD` of an epoch-ms time, in UTC. */
function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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
