import type { InventoryEntry } from '../domain/inventory.ts';
import type { InventoryChange, ListingRepository } from '../store/listing-repository.ts';

/**
 * Make the store's inventory reflect the config file: config entries that are new are added, changed labels are
 * updated, entries removed from the file are removed (their history stays). Entries added with `watch add` or chat
 * (`source: 'store'`) are left alone. The store is then the one list a scan reads, and it remembers when each
 * entry was first scanned, which a re-read config file could not.
 *
 * One atomic inventory change, computed from the inventory as stored inside it: linear in the inventory and the
 * file, and a `watch add` running meanwhile is neither lost nor duplicated.
 * @returns what changed, for the start-up log
 */
export async function syncConfigInventory(
  repo: ListingRepository,
  configEntries: readonly InventoryEntry[],
): Promise<{ added: string[]; updated: string[]; removed: string[] }> {
  const wanted = new Map(configEntries.map((entry) => [entry.target, entry]));
  let outcome = { added: [] as string[], updated: [] as string[], removed: [] as string[] };
  // The plan may run more than once (a store that saw a conflicting writer retries): `outcome` is its last run's.
  await repo.changeInventory((current): InventoryChange => {
    const stored = new Map(current.map((entry) => [entry.target, entry]));
    const put: InventoryEntry[] = [];
    const added: string[] = [];
    const updated: string[] = [];
    const removed: string[] = [];
    for (const [target, entry] of wanted) {
      const existing = stored.get(target);
      if (!existing) {
        put.push(entry);
        added.push(target);
      } else if (
        existing.source === 'config' &&
        JSON.stringify(existing.labels) !== JSON.stringify(entry.labels)
      ) {
        put.push({ ...existing, labels: entry.labels });
        updated.push(target);
      }
    }
    for (const [target, entry] of stored) {
      if (entry.source === 'config' && !wanted.has(target)) removed.push(target);
    }
    outcome = { added, updated, removed };
    return { put, remove: removed };
  });
  return outcome;
}
