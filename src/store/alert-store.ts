import type { MuteStore } from '../domain/mute.ts';
import type { OutboxItem } from '../domain/outbox-item.ts';

/**
 * The alerting side of the store: the outbox (routed alerts not yet delivered, and those given up on), mutes, and
 * how far routing has got through the stored events. Lives in the same backend as the listings, so "stored" means
 * the same thing for both.
 *
 * Any number of writers (`serve` routing and delivering, `rblwatch alerts retry`, `mute` from the CLI or chat): each
 * write is atomic and serialisable against the others, so an item removed by one is never brought back by another's
 * update, and no add is lost. Reads may come from anywhere.
 */
export interface AlertStore extends MuteStore {
  /** Pending and failed items, in the order they were added. */
  listOutbox(): Promise<OutboxItem[]>;
  /** Adds the items whose id is not stored yet; returns the ones added. Durable when it resolves. */
  addOutbox(items: readonly OutboxItem[]): Promise<OutboxItem[]>;
  /** Overwrites stored items (an attempt recorded, a failure); ids not stored are ignored. */
  updateOutbox(items: readonly OutboxItem[]): Promise<void>;
  /** Removes delivered (or discarded) items. */
  removeOutbox(ids: readonly string[]): Promise<void>;
  /**
   * Pages open on paging destinations, as `<destination>|<dedup key>`: a trigger was routed there and its resolve
   * not yet. A resolve goes to every destination with the page open, whatever the routes say by then (labels,
   * severities and routes change; a page must still close).
   */
  listPages(): Promise<string[]>;
  updatePages(open: readonly string[], closed: readonly string[]): Promise<void>;
  /** The last run whose events were routed; `undefined` before routing ever ran. */
  getRoutedThrough(): Promise<string | undefined>;
  setRoutedThrough(runId: string): Promise<void>;
}
