import { type Classification, classifyAnswer } from '../dns/classify-answer.ts';
import { type DnsResolver, recordValues } from '../dns/dns-resolver.ts';
import { buildQueryName } from '../dns/query-name.ts';
import { canaryName, judgeResolver } from '../dns/resolver-health.ts';
import { isQueryable, probeZoneHealth, type ZoneProbeEvidence } from '../dns/zone-health.ts';
import type { CheckResult, ResolverHealth, ZoneHealth, ZoneHealthReport } from '../domain/check-result.ts';
import { type Target, zoneAccepts } from '../domain/target.ts';
import type { Zone } from '../domain/zone.ts';
import { renderDelist } from '../zones/catalog.ts';
import { abortable } from './abortable.ts';

/** One target to check, with where it came from when it was found through `--resolve`. */
export interface CheckTarget {
  readonly target: Target;
  readonly via?: string;
}

export interface RunChecksOptions {
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  /**
   * This run's probe from {@link probeZones}: when its resolver verdict is not `ok` nothing is queried; zones
   * missing from its map are treated as `untested`.
   */
  readonly health: ZoneProbe;
  /** Most lookups in flight at once (each lookup is an A query, plus a TXT query when listed). */
  readonly concurrency: number;
  /** Stop issuing lookups; those in flight still finish. */
  readonly signal?: AbortSignal;
  /** Monotonic clock in milliseconds, injectable for tests. */
  readonly now?: () => number;
}

/** What one run's probes found: each zone's health, and the resolver's own. */
export interface ZoneProbe {
  /** One report per zone probed, in catalog order. */
  readonly zones: ReadonlyMap<string, ZoneHealthReport>;
  readonly resolver: ResolverHealth;
}

export interface ProbeZonesOptions {
  /** Zones probed at once (default 64). */
  readonly concurrency?: number;
  /**
   * Abort: the returned promise rejects with the signal's reason at once, and no further zone is probed. The
   * questions already asked are ended by closing the resolver.
   */
  readonly signal?: AbortSignal;
  /** The resolver's servers (`host:port`), named in the resolver verdict's detail. */
  readonly servers?: readonly string[];
}

/**
 * Probe every zone's test points, `concurrency` zones at a time, and judge the resolver from the same answers
 * plus one canary question sent alongside the first probes, so the verdict costs no extra time.
 *
 * The resolver verdict (rules in {@link judgeResolver}): `down` when nothing at all answered, canary included;
 * `unusable` when it answers but at least two zones with test points were probed and none came back `ok` (a
 * resolver answering NXDOMAIN, REFUSED, SERVFAIL or error codes for every list); otherwise `ok`, and the zones are
 * judged one by one (a single failing tested zone is that zone's problem unless the canary went unanswered too).
 * Zone reports always say what each zone's probe saw; the resolver verdict says whom to blame.
 */
export async function probeZones(
  zones: readonly Zone[],
  resolver: DnsResolver,
  options: ProbeZonesOptions = {},
): Promise<ZoneProbe> {
  const { signal } = options;
  signal?.throwIfAborted();
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const evidence = new Map<string, ZoneProbeEvidence>();
  const canary = resolver.query(canaryName(), 'A');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < zones.length && !signal?.aborted) {
      const zone = zones[next++] as Zone;
      evidence.set(zone.zone, await probeZoneHealth(zone, resolver));
    }
  };
  const workers = Promise.all(Array.from({ length: Math.min(concurrency, zones.length) }, worker));
  const [canaryAnswer] = await abortable(Promise.all([canary, workers]), signal);
  // Catalog order, whatever order the probes finished in.
  const ordered = zones.map((zone) => evidence.get(zone.zone) as ZoneProbeEvidence);
  return {
    zones: new Map(ordered.map((probe) => [probe.report.zone, probe.report])),
    resolver: judgeResolver(canaryAnswer, ordered, options.servers),
  };
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
 * The probe decides what an answer is worth:
 * - a resolver that is `down` or `unusable` is not asked anything: every lookup is `unknown` (`resolver-down`,
 *   `resolver-unusable`) with the resolver's detail;
 * - zones that refuse or cannot be reached are not queried at all (every lookup is `unknown`/`zone-unhealthy`);
 * - a wildcard zone's positives become `unknown`;
 * - a zone that does not list its must-list point cannot vouch for a clean answer: its clean results become
 *   `unknown` (`zone-unhealthy`), while its listings stay listings, flagged with the zone's health.
 */
export async function* streamChecks(
  targets: Iterable<CheckTarget>,
  options: RunChecksOptions,
): AsyncGenerator<CheckResult[]> {
  const { resolver, signal } = options;
  const health = options.health.zones;
  const resolverHealth = options.health.resolver;
  const resolverDown: ResultFields | undefined =
    resolverHealth.status === 'ok'
      ? undefined
      : {
          ...unqueried,
          reason: resolverHealth.status === 'down' ? 'resolver-down' : 'resolver-unusable',
          detail: resolverHealth.detail,
        };
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
    if (resolverDown) return makeResult(job, zoneHealth, resolverDown, 0);
    if (!isQueryable(zoneHealth)) {
      const detail = `zone ${zoneHealth}: ${report?.detail ?? ''}`;
      return makeResult(job, zoneHealth, { ...unqueried, detail }, 0);
    }
    const started = now();
    const name = buildQueryName(item.target.kind, item.target.value, zone.queryHost);
    const answer = classifyAnswer(await resolver.query(name, 'A'), zone);
    if (answer.status === 'clean' && zoneHealth === 'no-test-point') {
      const detail = `${report?.detail ?? 'must-list test point not listed'}: this list cannot vouch for a clean answer in this run`;
      return makeResult(
        job,
        zoneHealth,
        { ...answer, status: 'unknown', reason: 'zone-unhealthy', detail },
        Math.round(now() - started),
      );
    }
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
