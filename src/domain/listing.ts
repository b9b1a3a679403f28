import type { ZoneHealth } from './check-result.ts';
import type { Severity } from './zone.ts';

/**
 * What is known about one (target, zone) pair between scans. Only pairs that are listed, or on their way to a
 * change, are stored: a pair with no state is clean. That is what keeps writes proportional to changes, not to
 * lookups.
 */
export interface ListingState {
  readonly target: string;
  readonly zone: string;
  /** The decided status: `listed` once `listAfter` listed results agreed, `clean` otherwise. */
  readonly status: 'listed' | 'clean';
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly txt: readonly string[];
  /** ISO 8601 time the listing was decided; set while `status` is `listed`. */
  readonly listedSince?: string;
  /** Consecutive `listed` results up to the last scan (an `unknown` neither adds nor resets). */
  readonly listedStreak: number;
  /** Consecutive `clean` results up to the last scan. */
  readonly cleanStreak: number;
  /** ISO 8601 time of the last scan that changed this state. */
  readonly updatedAt: string;
}

/**
 * Every kind of decided change. `resolver-down`/`resolver-recovered`: the DNS resolver answered nothing, or nothing
 * usable, for a whole scan (no target; `zone` is empty). One event for the outage, however many zones it blinded.
 */
export const listingEventKinds = [
  'listed',
  'delisted',
  'zone-degraded',
  'zone-recovered',
  'resolver-down',
  'resolver-recovered',
] as const;

export type ListingEventKind = (typeof listingEventKinds)[number];

/** A decided change, with the evidence behind it. Events are facts: stored once, never rewritten. */
export interface ListingEvent {
  /** `<runId>:<n>`: deterministic, so replaying a half-applied scan cannot store an event twice. */
  readonly id: string;
  readonly kind: ListingEventKind;
  /** ISO 8601. */
  readonly at: string;
  readonly runId: string;
  /** `''` on resolver events. */
  readonly zone: string;
  /** Absent on zone and resolver events. */
  readonly target?: string;
  readonly severity: Severity;
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly txt: readonly string[];
  readonly delist?: string;
  /**
   * Found on the first scan of a newly watched target: the listing existed before watching began. Recorded, and
   * reported as existing, but not announced as new.
   */
  readonly initial?: boolean;
  /** For zone events: why (health detail, or the share of targets it suddenly listed). */
  readonly detail?: string;
  /** For zone events: the health seen. */
  readonly health?: ZoneHealth;
}

/** Hysteresis and guards for turning scan results into events. */
export interface ListingPolicy {
  /** Consecutive listed results before a listing is decided (default 1). */
  readonly listAfter: number;
  /** Consecutive clean results before a delisting is decided (default 2). */
  readonly delistAfter: number;
  /** Share of a zone's checked targets newly listed in one scan that marks the zone suspect (default 0.5). */
  readonly massListingShare: number;
  /** The mass-listing guard applies only from this many checked targets on a zone (default 20). */
  readonly massListingMinTargets: number;
}

export const defaultListingPolicy: ListingPolicy = Object.freeze({
  listAfter: 1,
  delistAfter: 2,
  massListingShare: 0.5,
  massListingMinTargets: 20,
});

export function listingKey(target: string, zone: string): string {
  return `${target}|${zone}`;
}
