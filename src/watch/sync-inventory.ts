import type { InventoryEntry } from '../domain/inventory.ts';
import type { InventoryChange, ListingRepository } from '../store/listing-repository.ts';

/** What a sync changes, by target. */
export interface SyncOutcome {
  readonly added: string[];
  readonly updated: string[];
  readonly removed: string[];
}

/** The change that makes `current` reflect the config file's `wanted` entries. Pure. */
function planSync(
  current: readonly InventoryEntry[],
  wanted: ReadonlyMap<string, InventoryEntry>,
): { change: InventoryChange; outcome: SyncOutcome } {
  const stored = new Map(current.map((entry) => [entry.target, entry]));
  const put: InventoryEntry[] = [];
  const outcome: SyncOutcome = { added: [], updated: [], removed: [] };
  for (const [target, entry] of wanted) {
    const existing = stored.get(target);
    if (!existing) {
      put.push(entry);
      outcome.added.push(target);
    } else if (
      existing.source === 'config' &&
      JSON.stringify(existing.labels) !== JSON.stringify(entry.labels)
    ) {
      put.push({ ...existing, labels: entry.labels });
      outcome.updated.push(target);
    }
  }
  for (const [target, entry] of stored) {
    if (entry.source === 'config' && !wanted.has(target)) outcome.removed.push(target);
  }
  return { change: { put, remove: outcome.removed }, outcome };
}

function isEmpty(outcome: SyncOutcome): boolean {
  return outcome.added.length + outcome.updated.length + outcome.removed.length === 0;
}

/**
 * Make the store's inventory reflect the config file: config entries that are new are added, changed labels are
 * updated, entries removed from the file are removed (their history stays). Entries added with `watch add` or chat
 * (`source: 'store'`) are left alone. The store is then the one list a scan reads, and it remembers when each
 * entry was first scanned, which a re-read config file could not.
 *
 * One atomic inventory change, computed from the inventory as stored inside it: linear in the inventory and the
 * file, and a `watch add` running meanwhile is neither lost nor duplicated. When a plain read shows nothing to
 * change (every start but the first after an edit), no write is attempted, so a read-only command takes no lock.
 * @returns what changed, for the start-up log
 */
export async function syncConfigInventory(
  repo: ListingRepository,
  configEntries: readonly InventoryEntry[],
): Promise<SyncOutcome> {
  const wanted = new Map(configEntries.map((entry) => [entry.target, entry]));
  let { outcome } = planSync(await repo.listInventory(), wanted);
  if (isEmpty(outcome)) return outcome;
  // The plan may run more than once (a store that saw a conflicting writer retries): `outcome` is its last run's.
  await repo.changeInventory((current) => {
    const planned = planSync(current, wanted);
    outcome = planned.outcome;
    return planned.change;
  });
  return outcome;
}
