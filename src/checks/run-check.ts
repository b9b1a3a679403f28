import { type Classification, classifyAnswer } from '../dns/classify-answer.ts';
import { type DnsResolver, recordValues } from '../dns/dns-resolver.ts';
import { buildQueryName } from '../dns/query-name.ts';
import { isQueryable, probeZoneHealth } from '../dns/zone-health.ts';
import type { CheckResult, ZoneHealth, ZoneHealthReport } from '../domain/check-result.ts';
import { type Target, zoneAccepts } from '../domain/target.ts';
import type { Zone } from '../domain/zone.ts';
import { renderDelist } from '../zones/catalog.ts';

/** One target to check, with where it came from when it was found through `--resolve`. */
export interface CheckTarget {
  readonly target: Target;
  readonly via?: string;
}

export interface RunChecksOptions {
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  /** Health of each zone from {@link probeZones}; zones missing from the map are treated as `untested`. */
  readonly health: ReadonlyMap<string, ZoneHealthReport>;
  /** Most lookups in flight at once (each lookup is an A query, plus a TXT query when listed). */
  readonly concurrency: number;
  /** Stop issuing lookups; those in flight still finish. */
  readonly signal?: AbortSignal;
  /** Monotonic clock in milliseconds, injectable for tests. */
  readonly now?: () => number;
}

/**
 * Probe every zone's test points, `concurrency` zones at a time.
 *
 * When no tested zone got any reply at all, the resolver itself is down: zones without test points are then marked
 * unreachable too, so a run with a dead resolver ends after one timeout instead of one per lookup.
 */
export async function probeZones(
  zones: readonly Zone[],
  resolver: DnsResolver,
  concurrency = 64,
): Promise<Map<string, ZoneHealthReport>> {
  const reports = new Map<string, ZoneHealthReport>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < zones.length) {
      const zone = zones[next++] as Zone;
      reports.set(zone.zone, await probeZoneHealth(zone, resolver));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, zones.length) }, worker));
  const tested = [...reports.values()].filter((report) => report.health !== 'untested');
  if (tested.length > 0 && tested.every((report) => report.health === 'unreachable')) {
    for (const report of reports.values()) {
      if (report.health === 'untested') {
        reports.set(report.zone, {
          zone: report.zone,
          health: 'unreachable',
          detail: 'the resolver answered none of the test-point queries of the other zones',
        });
      }
    }
  }
  // Map order follows the catalog, whatever order the probes finished in.
  return new Map(zones.map((zone) => [zone.zone, reports.get(zone.zone) as ZoneHealthReport]));
}

/** Number of (target, zone) lookups a target list will cost, for progress bars and budgets. */
export function countLookups(
  targetKinds: Readonly<Record<Target['kind'], number>>,
  zones: readonly Zone[],
): number {
  let total = 0;
  for (const zone of zones) {
    for (const kind of ['ip4', 'ip6', 'domain'] as const) {
      if (zoneAccepts(zone.kind, kind)) total += targetKinds[kind];
    }
  }
  return total;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The classification part of a result, plus what the lookup added. */
interface ResultFields extends Classification {
  readonly txt?: readonly string[];
  readonly delist?: string;
}

const noText: readonly string[] = Object.freeze([]);
const unqueried: ResultFields = {
  status: 'unknown',
  reason: 'zone-unhealthy',
  codes: [],
  meanings: [],
  classes: [],
};

interface Job {
  readonly item: CheckTarget;
  readonly zone: Zone;
}

function* jobsOf(targets: Iterable<CheckTarget>, zones: readonly Zone[]): Generator<Job> {
  for (const item of targets) {
    for (const zone of zones) {
      if (zoneAccepts(zone.kind, item.target.kind)) yield { item, zone };
    }
  }
}

/** {@link streamChecks} one result at a time. */
export async function* runChecks(
  targets: Iterable<CheckTarget>,
  options: RunChecksOptions,
): AsyncGenerator<CheckResult> {
  for await (const batch of streamChecks(targets, options)) yield* batch;
}

/**
 * Look every target up on every zone that accepts it, streaming results in completion order, in batches (what
 * finished since the consumer last asked), with at most `concurrency` lookups in flight. Memory stays bounded
 * however many targets there are: new lookups start as others finish only while the consumer keeps up.
 *
 * Zone health decides what an answer is worth: zones that refuse or cannot be reached are not queried at all
 * (every lookup is `unknown`/`zone-unhealthy`), and a wildcard zone's positives become `unknown`.
 */
export async function* streamChecks(
  targets: Iterable<CheckTarget>,
  options: RunChecksOptions,
): AsyncGenerator<CheckResult[]> {
  const { resolver, health, signal } = options;
  const now = options.now ?? (() => performance.now());
  const concurrency = Math.max(1, options.concurrency);
  const jobs = jobsOf(targets, options.zones);
  let done: CheckResult[] = [];
  /** Finished results held for a slow consumer before new lookups wait for it. */
  const maxBuffered = concurrency * 4;
  let inFlight = 0;
  let exhausted = false;
  let wake: (() => void) | undefined;

  /** Build a result with every field in one fixed order, so V8 keeps one object shape for all results. */
  const makeResult = (job: Job, zoneHealth: ZoneHealth, fields: ResultFields, ms: number): CheckResult => {
    const result: Mutable<CheckResult> = {
      target: job.item.target.value,
      zone: job.zone.zone,
      status: fields.status,
      codes: fields.codes,
      meanings: fields.meanings,
      classes: fields.classes,
      txt: fields.txt ?? noText,
      severity: job.zone.severity,
      ms,
    };
    if (fields.reason) result.reason = fields.reason;
    if (fields.detail) result.detail = fields.detail;
    if (fields.delist) result.delist = fields.delist;
    if (job.item.via) result.via = job.item.via;
    if (zoneHealth !== 'ok') result.zoneHealth = zoneHealth;
    return result;
  };

  const lookup = async (job: Job): Promise<CheckResult> => {
    const { zone, item } = job;
    const report = health.get(zone.zone);
    const zoneHealth: ZoneHealth = report?.health ?? 'untested';
    if (!isQueryable(zoneHealth)) {
      const detail = `zone ${zoneHealth}: ${report?.detail ?? ''}`;
      return makeResult(job, zoneHealth, { ...unqueried, detail }, 0);
    }
    const started = now();
    const name = buildQueryName(item.target.kind, item.target.value, zone.queryHost);
    const answer = classifyAnswer(await resolver.query(name, 'A'), zone);
    if (answer.status !== 'listed') return makeResult(job, zoneHealth, answer, Math.round(now() - started));
    if (zoneHealth === 'wildcard') {
      const detail = `zone lists everything in this run (${report?.detail ?? 'wildcard'}); this answer is not a listing`;
      return makeResult(
        job,
        zoneHealth,
        { ...answer, status: 'unknown', reason: 'zone-unhealthy', detail },
        Math.round(now() - started),
      );
    }
    // The reason is worth a second query only for a listing; a failed TXT lookup does not undo the listing.
    const txt = recordValues(await resolver.query(name, 'TXT'), 'TXT');
    const delist = renderDelist(zone, item.target.value);
    return makeResult(
      job,
      zoneHealth,
      { ...answer, txt, ...(delist ? { delist } : {}) },
      Math.round(now() - started),
    );
  };

  // A bug in one lookup must end as an `unknown` row, not as a stalled run or a silent gap.
  const lookupFailed = (job: Job, error: unknown): CheckResult => ({
    target: job.item.target.value,
    zone: job.zone.zone,
    severity: job.zone.severity,
    status: 'unknown',
    reason: 'dns-error',
    detail: `lookup failed: ${error instanceof Error ? error.message : String(error)}`,
    codes: [],
    meanings: [],
    classes: [],
    txt: [],
    ms: 0,
  });

  const pump = (): void => {
    while (!exhausted && inFlight < concurrency) {
      const next = signal?.aborted ? undefined : jobs.next();
      if (!next || next.done) {
        exhausted = true;
        // The consumer may already be waiting with nothing in flight: without this wake-up nothing else would
        // ever end its wait (the run would hang after its last result).
        wake?.();
        break;
      }
      inFlight++;
      const job = next.value;
      lookup(job).then(settle, (error: unknown) => settle(lookupFailed(job, error)));
    }
  };

  // Refill once per event-loop turn, after every reply read in that turn has settled, not one query per reply:
  // queries then leave in bursts and the server and this process wake once per burst instead of once per packet,
  // which on loopback raises throughput by half.
  let refillScheduled = false;
  const refill = (): void => {
    refillScheduled = false;
    if (done.length < maxBuffered) pump();
  };
  const scheduleRefill = (): void => {
    if (refillScheduled) return;
    refillScheduled = true;
    setImmediate(refill);
  };
  const settle = (result: CheckResult): void => {
    inFlight--;
    done.push(result);
    scheduleRefill();
    wake?.();
  };

  pump();
  while (true) {
    if (done.length > 0) {
      const batch = done;
      done = [];
      yield batch;
      scheduleRefill();
      continue;
    }
    if (exhausted && inFlight === 0) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}
