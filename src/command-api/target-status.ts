import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingState } from '../domain/listing.ts';
import { cleanText } from '../domain/message.ts';
import { compareTargets } from '../domain/target.ts';
import { isUserError } from '../errors.ts';
import { canonicalTarget, coverTarget, type TargetCoverage, targetFilter } from '../inventory/inventory.ts';
import type { EventQuery, ListingRepository } from '../store/listing-repository.ts';
import type { Resolved } from './resolve-targets.ts';

/** What `status TARGET` answers from the store: how the inventory covers the target, and what is listed in it. */
export interface TargetStatus {
  /** Canonical: `203.0.113.7`, `198.51.100.0/28`, `example.com`. */
  readonly target: string;
  readonly kind: InventoryEntry['kind'];
  readonly coverage: TargetCoverage;
  /** Listings of the target, or of every address inside it, in address then zone order. */
  readonly listings: readonly ListingState[];
  /** Distinct targets with a listing. */
  readonly listedTargets: number;
  /** Distinct lists with a listing. */
  readonly lists: number;
}

/** Whether any inventory entry covers an address of the target. */
export function isCovered(status: TargetStatus): boolean {
  return status.coverage.entries.length > 0;
}

/** Listed states in the order people read them: by address (numerically), then zone. */
export function sortListings(states: Iterable<ListingState>): ListingState[] {
  return [...states]
    .filter((state) => state.status === 'listed')
    .sort((a, b) => compareTargets(a.target, b.target) || (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
}

/**
 * The status of a target as typed: canonicalised with the `watch add` parser, its watched addresses counted, its
 * listings (the range's addresses' for a range) picked from the stored states. Pure; a bad target is a message.
 */
export function statusOfTarget(
  text: string,
  inventory: readonly InventoryEntry[],
  states: Iterable<ListingState>,
): Resolved<TargetStatus> {
  try {
    const { target, kind } = canonicalTarget(text);
    const coverage = coverTarget(inventory, target);
    // While watched, only what is watched now counts; a target no longer watched keeps its last known listings.
    const relevant = coverage.entries.length > 0 ? coverage.covers : targetFilter(target);
    const listings = sortListings([...states].filter((state) => relevant(state.target)));
    return {
      ok: true,
      value: {
        target,
        kind,
        coverage,
        listings,
        listedTargets: new Set(listings.map((state) => state.target)).size,
        lists: new Set(listings.map((state) => state.zone)).size,
      },
    };
  } catch (error) {
    if (isUserError(error)) return { ok: false, error: cleanText(error.message) };
    throw error;
  }
}

const plural = (n: number, word: string): string =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * One line: "14 of 16 addresses in 198.51.100.0/28 listed on 2 lists", "203.0.113.7 is listed on 1 list",
 * "none of the 16 watched addresses in 198.51.100.0/28 is listed".
 */
export function describeListedShare(status: TargetStatus): string {
  const { target, coverage, listedTargets, lists } = status;
  if (status.kind !== 'cidr') {
    return listedTargets > 0 ? `${target} is listed on ${plural(lists, 'list')}` : `${target} is not listed`;
  }
  const watched = coverage.watched;
  const addresses = watched === 1 ? 'address' : 'addresses';
  if (listedTargets === 0) {
    return watched === 1
      ? `the one watched address in ${target} is not listed`
      : `none of the ${watched.toLocaleString('en-US')} watched addresses in ${target} is listed`;
  }
  return `${listedTargets.toLocaleString('en-US')} of ${watched.toLocaleString('en-US')} ${addresses} in ${target} listed on ${plural(lists, 'list')}`;
}

/**
 * The recorded events of a target, newest first: its own, or for a range those of every address in it (events are
 * stored per address, so a range is matched here, page by page). Stops once `limit` events are found.
 */
export async function listTargetEvents(
  store: Pick<ListingRepository, 'listEvents'>,
  target: string,
  filters: Omit<EventQuery, 'target' | 'cursor' | 'limit'> = {},
  limit = Number.POSITIVE_INFINITY,
): Promise<ListingEvent[]> {
  const { target: key, kind } = canonicalTarget(target);
  const inside = kind === 'cidr' ? targetFilter(key) : undefined;
  const events: ListingEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listEvents({
      ...filters,
      ...(inside ? {} : { target: key }),
      limit: Math.min(1000, Number.isFinite(limit) ? limit + 1 : 1000),
      ...(cursor ? { cursor } : {}),
    });
    for (const event of page.events) {
      if (events.length === limit) return events;
      if (!inside || (event.target !== undefined && inside(event.target))) events.push(event);
    }
    cursor = page.next;
  } while (cursor);
  return events;
}
