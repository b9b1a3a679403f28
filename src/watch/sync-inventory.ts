import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingRepository } from '../store/listing-repository.ts';

/**
 * Make the store's inventory reflect the config file: config entries that are new are added, changed labels are
 * updated, entries removed from the file are removed (their history stays). Entries added with `watch add` or chat
 * (`source: 'store'`) are left alone. The store is then the one list a scan reads, and it remembers when each
 * entry was first scanned, which a re-read config file could not.
 * @returns what changed, for the start-up log
 */
export async function syncConfigInventory(
  repo: ListingRepository,
  configEntries: readonly InventoryEntry[],
): Promise<{ added: string[]; updated: string[]; removed: string[] }> {
  const stored = new Map((await repo.listInventory()).map((entry) => [entry.target, entry]));
  const wanted = new Map(configEntries.map((entry) => [entry.target, entry]));
  const added: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  for (const [target, entry] of wanted) {
    const existing = stored.get(target);
    if (!existing) {
      await repo.putInventory(entry);
      added.push(target);
    } else if (
      existing.source === 'config' &&
      JSON.stringify(existing.labels) !== JSON.stringify(entry.labels)
    ) {
      await repo.putInventory({ ...existing, labels: entry.labels });
      updated.push(target);
    }
  }
  for (const [target, entry] of stored) {
    if (entry.source === 'config' && !wanted.has(target)) {
      await repo.removeInventory(target);
      removed.push(target);
    }
  }
  return { added, updated, removed };
}
