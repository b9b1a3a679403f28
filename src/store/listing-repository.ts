import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingState } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { AlertStore } from './alert-store.ts';

/**
 * Everything one scan changes, written as one atomic unit: a process killed mid-commit leaves the store as it was
 * before the commit, never half of it. Committing the same commit again changes nothing (events have
 * deterministic ids, the rest are overwrites).
 *
 * A `completed` run carries the scan's decisions. A `failed` run (the scan could decide nothing, e.g. its DNS
 * resolver was down) carries only events about that (`resolver-down`, `resolver-recovered`) and the resolver
 * alarm: its `states`, `firstScanned` and `degradedZones` must be empty, and the stored degraded set is kept.
 */
export interface ScanCommit {
  /** The run as ended: `status` `completed` or `failed`, `endedAt` set. */
  readonly run: ScanRun;
  readonly events: readonly ListingEvent[];
  /** State changes keyed by `listingKey(target, zone)`; `null` deletes the pair's state. */
  readonly states: readonly (readonly [string, ListingState | null])[];
  /** Zones degraded after the run (replaces the stored set). */
  readonly degradedZones: readonly string[];
  /** Inventory entries (by `target`) covered for the first time by this run: `firstScannedAt` is set to run end. */
  readonly firstScanned: readonly string[];
  /** The resolver alarm after the run: `undefined` leaves the stored one as it is, `null` clears it. */
  readonly resolver?: ResolverAlarm | null;
  /**
   * Zones that were queried in this completed run (not skipped as not due, not refused or unreachable): their
   * last-answered time becomes the run's end. A failed run must leave it out.
   */
  readonly zonesAnswered?: readonly string[];
}

/** Raised while scans find the DNS resolver down. */
export interface ResolverAlarm {
  /** ISO 8601 time of the first failed scan of this outage. */
  readonly downSince: string;
  /** What failed, for operators (`resolver 127.0.0.1:53 timed out on every test point`). */
  readonly detail: string;
}

/**
 * The marker a store gets when it is first opened. A running process that finds it gone, or changed, is looking at
 * a store that was reset (a flushed Redis, a replaced file) and must not carry on as if its history were there.
 */
export interface StoreIdentity {
  /** Random, unique per store. */
  readonly id: string;
  /** ISO 8601 time the marker was created. */
  readonly createdAt: string;
}

/** A change to the inventory, as computed by the plan of {@link ListingRepository.changeInventory}. */
export interface InventoryChange {
  /** Entries to insert, or to put in place of the stored entry with the same `target` (a later duplicate wins). */
  readonly put?: readonly InventoryEntry[];
  /** Targets to remove; ones not stored are ignored. A target may not be both put and removed. */
  readonly remove?: readonly string[];
}

/** What a change did, by target. */
export interface InventoryChangeResult {
  readonly added: string[];
  readonly replaced: string[];
  readonly removed: string[];
}

export interface EventQuery {
  /** Only events of this target (exact canonical target). */
  readonly target?: string;
  readonly zone?: string;
  /** ISO 8601, inclusive. */
  readonly since?: string;
  /** ISO 8601, exclusive. */
  readonly until?: string;
  /** Page size (default 100, at most 1000). */
  readonly limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  readonly cursor?: string;
}

/**
 * The store port: inventory, current listing state, listing history and scan runs.
 *
 * Any number of writers, in any number of processes (`serve` with its scans and outbox, CLI and chat commands):
 * every method that writes is one atomic read-modify-write, serialisable against every other writer of the same
 * store, so no update is lost and a failed write changes nothing. A write that waits for another writer never
 * blocks the event loop, and fails with `STORE_LOCKED` past the backend's lock timeout. Reads take no lock: one may
 * see the store before or after a concurrent write, never half of one.
 */
export interface ListingRepository {
  /** Backend name for logs and metrics: `sqlite`, `redis`, `postgres`, `memory`. */
  readonly backend: string;
  /** Outbox, mutes and routing progress, in the same backend. */
  readonly alerts: AlertStore;
  /**
   * The store's identity as read when it was opened (created then if the store had none). `undefined` when the
   * marker is gone although the data says there was one: the store lost it, and opening did not mint a new one.
   */
  readonly identity: StoreIdentity | undefined;

  listInventory(): Promise<InventoryEntry[]>;
  /** Insert or replace the entry with the same `target`. */
  putInventory(entry: InventoryEntry): Promise<void>;
  /** Remove an entry; its history stays. Returns whether it existed. */
  removeInventory(target: string): Promise<boolean>;
  /**
   * Applies a whole inventory change as one atomic operation, in time linear in the inventory and the change.
   * `plan` receives the inventory as stored inside the operation and returns the change, so a decision made on it
   * (a duplicate check, a sync with the config file) cannot race another writer. `plan` may be called more than
   * once (a backend that saw a conflicting writer runs the operation again) and must have no other effect; the
   * result of its last call is the one applied. An error thrown by `plan` changes nothing and reaches the caller.
   */
  changeInventory(
    plan: (current: readonly InventoryEntry[]) => InventoryChange,
  ): Promise<InventoryChangeResult>;

  /** Every stored state (listings and pairs on their way to a change), keyed by `listingKey`. */
  getStates(): Promise<Map<string, ListingState>>;
  getDegradedZones(): Promise<Set<string>>;
  /** The resolver alarm the last commits left raised, if any. */
  getResolverAlarm(): Promise<ResolverAlarm | undefined>;
  /** Per zone, when it last answered in a completed run (ISO 8601); zones never queried are absent. */
  getZonesAnswered(): Promise<Readonly<Record<string, string>>>;

  /**
   * Record a run as started (`status: 'running'`). The store records this process as its `owner` and renews the
   * owner's lease while the run is open, so that {@link recover} in another process leaves a live scan alone.
   */
  startRun(run: ScanRun): Promise<void>;
  /** Apply a scan's changes atomically (see {@link ScanCommit}). */
  commitRun(commit: ScanCommit): Promise<void>;
  /** Record a run that ended without a commit (`failed` or `interrupted`); a `completed` run is left as it is. */
  endRun(run: ScanRun): Promise<void>;
  /**
   * Finds runs still `running` whose owner is gone (same host and its pid is dead, or its lease expired before
   * `now`) and marks them `interrupted`; applies commit records left by the previous version of rblwatch. Runs of
   * live owners are left alone. Cheap when there is nothing to do (reads only), so it may run before every scan.
   * Returns the ids of both kinds.
   */
  recover(now: string): Promise<{ replayed: string[]; interrupted: string[] }>;
  getRun(id: string): Promise<ScanRun | undefined>;
  /** Newest first. */
  listRuns(options?: { limit?: number }): Promise<ScanRun[]>;
  /**
   * Removes runs that ended before `before` (ISO 8601), with their events and index entries; runs still running
   * and everything newer stay. Idempotent, safe with concurrent writers, and a few reads when nothing is due.
   */
  prune(before: string): Promise<{ runs: number; events: number }>;

  /** Events newest first, filtered and paged. */
  listEvents(query?: EventQuery): Promise<{ events: ListingEvent[]; next?: string }>;

  /** The identity marker as stored now (a plain read); `undefined` when it is gone. */
  getIdentity(): Promise<StoreIdentity | undefined>;

  close(): Promise<void>;
}
