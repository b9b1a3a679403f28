import type { CheckResult, ZoneHealth, ZoneHealthReport } from '../domain/check-result.ts';
import { type ListingEvent, type ListingPolicy, type ListingState, listingKey } from '../domain/listing.ts';
import { compareTargets } from '../domain/target.ts';
import type { Severity } from '../domain/zone.ts';

/**
 * Health values that make a zone degraded for the run: its answers were not used, or (`no-test-point`) its clean
 * answers could not be trusted.
 */
const unhealthy: ReadonlySet<ZoneHealth> = new Set(['wildcard', 'refused', 'unreachable', 'no-test-point']);

export interface DecisionContext {
  readonly runId: string;
  /** ISO 8601 time stamped on every event and state change of this run. */
  readonly at: string;
  readonly policy: ListingPolicy;
  /** Stored state of the pairs this scan may touch; a missing pair is clean. */
  readonly previous: ReadonlyMap<string, ListingState>;
  /**
   * Whether this scan is the first check of the (target, zone) pair: the target is newly watched, or the zone has
   * not answered since the target was first scanned (it was not due, or could not be queried). A listing found on
   * a first check existed before anyone looked: it is recorded as existing, not announced as new.
   */
  readonly isFirstCheck: (target: string, zone: string) => boolean;
  /** Zones degraded at the end of the previous scan. */
  readonly degradedZones: ReadonlySet<string>;
  /** This run's zone health. */
  readonly health: ReadonlyMap<string, ZoneHealthReport>;
  readonly severityOf: (zone: string) => Severity;
}

export interface Decision {
  readonly events: readonly ListingEvent[];
  /** New states to store; `null` deletes the pair's state (it is clean again, or never got anywhere). */
  readonly states: ReadonlyMap<string, ListingState | null>;
  /** Zones degraded after this scan. */
  readonly degradedZones: ReadonlySet<string>;
}

interface Pending {
  readonly state: ListingState;
  readonly result: CheckResult;
  readonly becameListed: boolean;
}

/**
 * Decide what a scan changed, from the previous state and the scan's results. Pure and incremental: feed results
 * as they stream with `add`, then `finish` once.
 *
 * - A pair becomes listed after `listAfter` consecutive listed results and delisted after `delistAfter`
 *   consecutive clean ones; an `unknown` never changes state and never resets a streak.
 * - The first scan of a new target records its listings with `initial: true` instead of announcing them.
 * - A zone that is unhealthy in this run yields one `zone-degraded` event (and `zone-recovered` once healthy
 *   again), never one event per target.
 * - A zone that suddenly lists a large share of the targets it was asked about is treated as degraded too: a
 *   suspect list or resolver pages nobody, and its results change no state.
 */
export function createDecider(context: DecisionContext): {
  add(result: CheckResult): void;
  finish(): Decision;
} {
  const { policy, previous } = context;
  const states = new Map<string, ListingState | null>();
  const checkedPerZone = new Map<string, number>();
  const newlyListed = new Map<string, Pending[]>();
  const settled: Pending[] = [];
  const massDetail = new Map<string, string>();
  let finished = false;

  const add = (result: CheckResult): void => {
    if (finished) throw new Error('decider already finished');
    checkedPerZone.set(result.zone, (checkedPerZone.get(result.zone) ?? 0) + 1);
    if (result.status === 'unknown') return;
    const key = listingKey(result.target, result.zone);
    const before = previous.get(key);
    const listed = result.status === 'listed';
    // Streaks stop at their threshold: a stable listing then stores the same state every scan and costs no write.
    const listedStreak = listed ? Math.min(policy.listAfter, (before?.listedStreak ?? 0) + 1) : 0;
    const cleanStreak = listed ? 0 : Math.min(policy.delistAfter, (before?.cleanStreak ?? 0) + 1);
    const wasListed = before?.status === 'listed';
    let status: 'listed' | 'clean' = before?.status ?? 'clean';
    if (listed && !wasListed && listedStreak >= policy.listAfter) status = 'listed';
    if (!listed && wasListed && cleanStreak >= policy.delistAfter) status = 'clean';

    if (status === 'clean' && listedStreak === 0) {
      // Clean and not on its way to a listing: nothing to keep. Only write when something was stored.
      if (before)
        settled.push({
          state: { ...before, status, cleanStreak, listedStreak },
          result,
          becameListed: false,
        });
      return;
    }
    const codesChanged = listed && before?.codes.join() !== result.codes.join();
    const state: ListingState = {
      target: result.target,
      zone: result.zone,
      status,
      codes: listed ? result.codes : (before?.codes ?? []),
      meanings: listed ? result.meanings : (before?.meanings ?? []),
      txt: listed && (!wasListed || codesChanged) ? result.txt : (before?.txt ?? result.txt),
      ...(status === 'listed'
        ? { listedSince: wasListed ? (before?.listedSince ?? context.at) : context.at }
        : {}),
      listedStreak,
      cleanStreak,
      updatedAt: before && !codesChanged && status === before.status ? before.updatedAt : context.at,
    };
    const pending = { state, result, becameListed: status === 'listed' && !wasListed };
    if (pending.becameListed) {
      const list = newlyListed.get(result.zone) ?? [];
      list.push(pending);
      newlyListed.set(result.zone, list);
    } else {
      settled.push(pending);
    }
  };

  const finish = (): Decision => {
    if (finished) throw new Error('decider already finished');
    finished = true;
    const events: ListingEvent[] = [];
    const push = (event: Omit<ListingEvent, 'id' | 'runId' | 'at'>): void => {
      events.push({
        // Zero-padded so ids sort as text in event order.
        id: `${context.runId}:${String(events.length + 1).padStart(6, '0')}`,
        runId: context.runId,
        at: context.at,
        ...event,
      });
    };

    // Zone health first: a degraded zone's notice comes before anything else of the run.
    const degraded = new Set<string>();
    for (const [zone, report] of context.health) {
      if (unhealthy.has(report.health)) degraded.add(zone);
    }
    // A zone not probed in this run (not due yet, or nothing to scan) keeps the standing it had.
    for (const zone of context.degradedZones) {
      if (!context.health.has(zone)) degraded.add(zone);
    }
    for (const [zone, candidates] of newlyListed) {
      const checked = checkedPerZone.get(zone) ?? 0;
      const share = candidates.length / Math.max(1, checked);
      if (checked >= policy.massListingMinTargets && share >= policy.massListingShare) {
        degraded.add(zone);
        newlyListed.set(zone, []);
        const percent = Math.round(share * 100);
        massDetail.set(
          zone,
          `listed ${candidates.length} of ${checked} targets (${percent}%) at once: suspect list or resolver`,
        );
      }
    }
    // The mirror image, for lists without test points: nothing proves they still answer, so one that suddenly
    // "delists" most of what it listed (a lapsed list answering NXDOMAIN for everything) is suspect, not news.
    const listedBefore = new Map<string, number>();
    for (const state of previous.values()) {
      if (state.status === 'listed') listedBefore.set(state.zone, (listedBefore.get(state.zone) ?? 0) + 1);
    }
    const delisting = new Map<string, number>();
    for (const { state } of settled) {
      if (
        state.status === 'clean' &&
        previous.get(listingKey(state.target, state.zone))?.status === 'listed'
      ) {
        delisting.set(state.zone, (delisting.get(state.zone) ?? 0) + 1);
      }
    }
    for (const [zone, count] of delisting) {
      const health = context.health.get(zone)?.health ?? 'untested';
      const before = listedBefore.get(zone) ?? 0;
      const share = count / Math.max(1, before);
      if (health !== 'untested' || before < policy.massListingMinTargets || share < policy.massListingShare)
        continue;
      degraded.add(zone);
      massDetail.set(
        zone,
        `would delist ${count} of its ${before} listings (${Math.round(share * 100)}%) at once, and it has no test ` +
          'points to show it still answers: suspect list or resolver',
      );
    }
    for (const zone of degraded) {
      if (context.degradedZones.has(zone)) continue;
      const report = context.health.get(zone);
      push({
        kind: 'zone-degraded',
        zone,
        severity: context.severityOf(zone),
        codes: [],
        meanings: [],
        txt: [],
        detail: massDetail.get(zone) ?? report?.detail ?? 'unhealthy',
        ...(report ? { health: report.health } : {}),
      });
    }
    // Catalog order (the health map's), so the same recovery always reads the same way.
    for (const [zone, report] of context.health) {
      if (degraded.has(zone) || !context.degradedZones.has(zone)) continue;
      push({
        kind: 'zone-recovered',
        zone,
        severity: context.severityOf(zone),
        codes: [],
        meanings: [],
        txt: [],
        detail: report?.detail ?? 'healthy again',
        ...(report ? { health: report.health } : {}),
      });
    }

    const listingEvent = (pending: Pending, kind: 'listed' | 'delisted'): void => {
      const { state, result } = pending;
      const initial = kind === 'listed' && context.isFirstCheck(state.target, state.zone);
      push({
        kind,
        zone: state.zone,
        target: state.target,
        severity: result.severity,
        codes: state.codes,
        meanings: state.meanings,
        txt: state.txt,
        ...(result.delist ? { delist: result.delist } : {}),
        ...(initial ? { initial: true } : {}),
      });
    };

    // Results arrive in completion order; events are sorted (zone in catalog order, then target) so the same
    // changes always produce the same history.
    const zoneRank = new Map([...context.health.keys()].map((zone, i) => [zone, i]));
    const byZoneThenTarget = (a: Pending, b: Pending): number =>
      (zoneRank.get(a.state.zone) ?? 0) - (zoneRank.get(b.state.zone) ?? 0) ||
      compareTargets(a.state.target, b.state.target);
    settled.sort(byZoneThenTarget);
    for (const pending of [...newlyListed.values()].flat().sort(byZoneThenTarget)) {
      states.set(listingKey(pending.state.target, pending.state.zone), pending.state);
      listingEvent(pending, 'listed');
    }
    for (const pending of settled) {
      const { state } = pending;
      // A zone judged suspect in this scan changes nothing, in either direction.
      if (degraded.has(state.zone)) continue;
      const key = listingKey(state.target, state.zone);
      const before = previous.get(key);
      if (before?.status === 'listed' && state.status === 'clean')
        listingEvent({ ...pending, state: before }, 'delisted');
      const keep = state.status === 'listed' || state.listedStreak > 0;
      if (!keep) {
        if (before) states.set(key, null);
        continue;
      }
      if (!before || !sameState(before, state)) states.set(key, state);
    }
    return { events, states, degradedZones: degraded };
  };

  return { add, finish };
}

function sameState(a: ListingState, b: ListingState): boolean {
  return (
    a.status === b.status &&
    a.listedStreak === b.listedStreak &&
    a.cleanStreak === b.cleanStreak &&
    // TXT is evidence kept from when the listing was decided; lists that put a timestamp in it would otherwise
    // cost a write per listing per scan.
    a.codes.join() === b.codes.join()
  );
}
