import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingState } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { AlertStore } from './alert-store.ts';

/**
 * Everything one completed scan changes, written as one unit. The repository first stores the whole commit under
 * a single key (one atomic write on every backend), then applies it, then removes it; a process killed in between
 * leaves the commit behind and {@link ListingRepository.recover} applies it again. Applying is idempotent (events
 * have deterministic ids, the rest are overwrites), so nothing is lost and nothing is recorded twice.
 */
export interface ScanCommit {
  /** The run as completed (`status: 'completed'`, `endedAt` set). */
  readonly run: ScanRun;
  readonly events: readonly ListingEvent[];
  /** State changes keyed by `listingKey(target, zone)`; `null` deletes the pair's state. */
  readonly states: readonly (readonly [string, ListingState | null])[];
  /** Zones degraded after the run (replaces the stored set). */
  readonly degradedZones: readonly string[];
  /** Inventory entries (by `target`) covered for the first time by this run: `firstScannedAt` is set to run end. */
  readonly firstScanned: readonly string[];
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
 * The store port: inventory, current listing state, listing history and scan runs. One writer (the scan runner
 * or a CLI/chat command) at a time; reads may come from anywhere.
 */
export interface ListingRepository {
  /** Backend name for logs and metrics: `sqlite`, `redis`, `postgres`, `memory`. */
  readonly backend: string;
  /** Outbox, mutes and routing progress, in the same backend. */
  readonly alerts: AlertStore;

  listInventory(): Promise<InventoryEntry[]>;
  /** Insert or replace the entry with the same `target`. */
  putInventory(entry: InventoryEntry): Promise<void>;
  /** Remove an entry; its history stays. Returns whether it existed. */
  removeInventory(target: string): Promise<boolean>;

  /** Every stored state (listings and pairs on their way to a change), keyed by `listingKey`. */
  getStates(): Promise<Map<string, ListingState>>;
  getDegradedZones(): Promise<Set<string>>;

  /** Record a run as started (`status: 'running'`). */
  startRun(run: ScanRun): Promise<void>;
  /** Apply a completed scan's changes durably (see {@link ScanCommit}). */
  commitRun(commit: ScanCommit): Promise<void>;
  /** Record a run that ended without a commit (`failed` or `interrupted`). */
  endRun(run: ScanRun): Promise<void>;
  /**
   * At start-up: apply commits left behind by a killed process, and mark runs still `running` without a commit as
   * `interrupted`. Returns the ids of both kinds.
   */
  recover(now: string): Promise<{ replayed: string[]; interrupted: string[] }>;
  getRun(id: string): Promise<ScanRun | undefined>;
  /** Newest first. */
  listRuns(options?: { limit?: number }): Promise<ScanRun[]>;

  /** Events newest first, filtered and paged. */
  listEvents(query?: EventQuery): Promise<{ events: ListingEvent[]; next?: string }>;

  close(): Promise<void>;
}
