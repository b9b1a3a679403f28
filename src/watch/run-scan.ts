import { randomBytes } from 'node:crypto';
import { countLookups, probeZones, streamChecks, type ZoneProbe } from '../checks/run-check.ts';
import type { DnsResolver } from '../dns/dns-resolver.ts';
import { isQueryable } from '../dns/zone-health.ts';
import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import type { EventPublisher } from '../domain/event-publisher.ts';
import type { InventoryEntry } from '../domain/inventory.ts';
import type { ListingEvent, ListingPolicy } from '../domain/listing.ts';
import { type ScanRun, startedRun } from '../domain/scan-run.ts';
import type { Zone } from '../domain/zone.ts';
import { countTargetsByKind, expandEntries } from '../inventory/inventory.ts';
import type { ListingRepository, ResolverAlarm } from '../store/listing-repository.ts';
import { createDecider } from './decide-events.ts';

export interface ScanDependencies {
  readonly repo: ListingRepository;
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  readonly concurrency: number;
  readonly policy: ListingPolicy;
  /** Every managed entry (config file and store merged). */
  readonly inventory: () => Promise<readonly InventoryEntry[]>;
  readonly publisher: EventPublisher;
  /** Wall clock, injectable for tests. */
  readonly clock?: () => Date;
  /** Per-zone minimum time between lookups, in ms, for lists with strict query limits. */
  readonly zoneIntervals?: ReadonlyMap<string, number>;
  /** Called for every lookup result (metrics); must be cheap. */
  readonly onResult?: (result: CheckResult) => void;
  /** The resolvers asked (`host:port`), to name them when they are down or unusable. */
  readonly servers?: readonly string[];
  /** Progress: lookups done so far and the expected total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ScanOutcome {
  readonly run: ScanRun;
  readonly events: readonly ListingEvent[];
  /** Zones left out of this run because their minimum interval had not passed. */
  readonly skippedZones: readonly string[];
}

/** Sortable, unique run id: start time plus randomness. */
export function newRunId(at: Date): string {
  return `${at.toISOString()}-${randomBytes(3).toString('hex')}`;
}

/** Zones whose minimum interval has not passed since the last completed run that queried them. */
async function zonesDue(deps: ScanDependencies, now: Date): Promise<{ due: Zone[]; skipped: string[] }> {
  const intervals = deps.zoneIntervals;
  if (!intervals || intervals.size === 0) return { due: [...deps.zones], skipped: [] };
  const runs = await deps.repo.listRuns({ limit: 500 });
  const lastQueried = new Map<string, number>();
  for (const run of runs) {
    if (run.status !== 'completed') continue;
    for (const report of run.zoneHealth) {
      if (!lastQueried.has(report.zone)) lastQueried.set(report.zone, Date.parse(run.startedAt));
    }
  }
  const due: Zone[] = [];
  const skipped: string[] = [];
  for (const zone of deps.zones) {
    const interval = intervals.get(zone.zone);
    const last = lastQueried.get(zone.zone);
    if (interval !== undefined && last !== undefined && now.getTime() - last < interval)
      skipped.push(zone.zone);
    else due.push(zone);
  }
  return { due, skipped };
}

/**
 * One scan: every managed target on every due zone, decided against the stored state, committed as one unit.
 *
 * Results stream through the decider, so memory is bounded by concurrency and by the number of changes, not by the
 * inventory. An aborted scan (SIGTERM, SIGINT) commits nothing and is recorded as interrupted; a killed one is
 * found by `recover()` at the next start. Events are published only after they are stored.
 */
export async function runScan(deps: ScanDependencies, signal?: AbortSignal): Promise<ScanOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const runId = newRunId(started);
  const base = startedRun(runId, started.toISOString());
  await deps.repo.startRun(base);
  let outcome: ScanOutcome;
  /** Stopped (SIGTERM, SIGINT) before the end: recorded as interrupted, and nothing decided. */
  const interrupted = async (summary: Partial<ScanRun>, skippedZones: string[]): Promise<ScanOutcome> => {
    const run: ScanRun = {
      ...base,
      ...summary,
      status: 'interrupted',
      endedAt: clock().toISOString(),
      error: 'interrupted: stopped before the scan finished; nothing was decided',
    };
    await deps.repo.endRun(run);
    return { run, events: [], skippedZones };
  };
  try {
    const { due, skipped } = await zonesDue(deps, started);
    const entries = await deps.inventory();
    // Nothing to look up: do not spend the lists' query budget on test points.
    const probe: ZoneProbe =
      entries.length === 0
        ? { zones: new Map(), resolver: { status: 'ok', detail: '' } }
        : await probeZones(due, deps.resolver, {
            ...(signal ? { signal } : {}),
            ...(deps.servers ? { servers: deps.servers } : {}),
          });
    const health = probe.zones;
    const zoneHealth = due.map((zone) => health.get(zone.zone)).filter((h): h is ZoneHealthReport => !!h);
    const [previous, degradedZones, resolverAlarm, zonesAnswered] = await Promise.all([
      deps.repo.getStates(),
      deps.repo.getDegradedZones(),
      deps.repo.getResolverAlarm(),
      deps.repo.getZonesAnswered(),
    ]);
    if (probe.resolver.status !== 'ok') {
      outcome = await recordResolverOutage(deps, {
        base,
        probe,
        zoneHealth,
        entries,
        due,
        alarm: resolverAlarm,
        endedAt: clock().toISOString(),
      });
      outcome = { ...outcome, skippedZones: skipped };
    } else {
      const firstScanned = entries.filter((entry) => !entry.firstScannedAt).map((entry) => entry.target);
      // A pair is on its first check when its zone has not answered since the target's entry was first scanned.
      // Only targets whose entry is newer than some due zone's last answer can be: usually none after the first
      // scans, so the map stays empty for a settled inventory.
      const answered = zonesAnswered;
      const oldestAnswer = due.map((zone) => answered[zone.zone] ?? '').sort()[0] ?? '\uffff';
      const firstSeen = new Map<string, string>();
      let targets = 0;
      const items = (function* () {
        for (const { target, entry } of expandEntries(entries)) {
          targets++;
          const since = entry.firstScannedAt ?? '';
          if (since === '' || oldestAnswer < since) firstSeen.set(target.value, since);
          yield { target };
        }
      })();
      const isFirstCheck = (target: string, zone: string): boolean => {
        const since = firstSeen.get(target);
        return since !== undefined && (since === '' || (answered[zone] ?? '') < since);
      };

      const severities = new Map(due.map((zone) => [zone.zone, zone.severity]));
      const decider = createDecider({
        runId,
        at: started.toISOString(),
        policy: deps.policy,
        previous,
        isFirstCheck,
        degradedZones,
        health,
        severityOf: (zone) => severities.get(zone) ?? 'major',
      });
      const counts = { lookups: 0, listed: 0, clean: 0, unknown: 0 };
      const unknownByReason: Record<string, number> = {};
      const total = countLookups(countTargetsByKind(entries), due);
      for await (const batch of streamChecks(items, {
        resolver: deps.resolver,
        zones: due,
        health: probe,
        concurrency: deps.concurrency,
        ...(signal ? { signal } : {}),
      })) {
        for (const result of batch) {
          counts.lookups++;
          counts[result.status]++;
          if (result.reason) unknownByReason[result.reason] = (unknownByReason[result.reason] ?? 0) + 1;
          decider.add(result);
          deps.onResult?.(result);
        }
        deps.onProgress?.(counts.lookups, total);
      }

      const summary = { ...counts, targets, unknownByReason, zoneHealth };
      if (signal?.aborted) return await interrupted(summary, skipped);
      const decision = decider.finish();
      // The resolver answers again after an outage: that is news first, and it closes the outage's page.
      // Only a probe that got answers clears the alarm: with nothing watched, nothing was asked.
      const recovered = resolverAlarm !== undefined && health.size > 0;
      const events = recovered
        ? [
            resolverEvent(runId, 0, 'resolver-recovered', base.startedAt, recoveredDetail(resolverAlarm)),
            ...decision.events,
          ]
        : decision.events;
      const run: ScanRun = {
        ...base,
        ...summary,
        status: 'completed',
        endedAt: clock().toISOString(),
        events: events.length,
      };
      await deps.repo.commitRun({
        run,
        events,
        states: [...decision.states],
        degradedZones: [...decision.degradedZones],
        firstScanned,
        zonesAnswered: [...health.values()]
          .filter((report) => isQueryable(report.health))
          .map((report) => report.zone),
        ...(recovered ? { resolver: null } : {}),
      });
      outcome = { run, events, skippedZones: skipped };
    }
  } catch (error) {
    // Stopped while probing: an interruption, not a failure anyone must be told about.
    if (signal?.aborted) return await interrupted({}, []);
    const run: ScanRun = {
      ...base,
      status: 'failed',
      endedAt: clock().toISOString(),
      error: error instanceof Error ? error.message : String(error),
    };
    // The failure itself is the news; a second failure while recording it must not hide the first.
    await deps.repo.endRun(run).catch(() => {});
    await deps.publisher.scanFailed?.(run).catch(() => {});
    throw error;
  }
  // Published after the commit, outside the failure path: the run is stored as completed whatever a publisher does.
  await deps.publisher.publish(outcome.events, outcome.run);
  return outcome;
}

/** A resolver event: no target, no zone (the outage covers every list). */
function resolverEvent(
  runId: string,
  n: number,
  kind: 'resolver-down' | 'resolver-recovered',
  at: string,
  detail: string,
): ListingEvent {
  return {
    // Sequence 0 sorts before the decider's events (1, 2, ...) of the same run.
    id: `${runId}:${String(n).padStart(6, '0')}`,
    kind,
    at,
    runId,
    zone: '',
    severity: 'critical',
    codes: [],
    meanings: [],
    txt: [],
    detail,
  };
}

function recoveredDetail(alarm: ResolverAlarm): string {
  return `the resolver answers the lists again (unusable since ${alarm.downSince}: ${alarm.detail})`;
}

/**
 * A scan whose resolver is down or unusable decides nothing: no listing changes, no per-zone events. The run is
 * recorded as failed with the resolver's reason, and the outage is one `resolver-down` event, raised by the first
 * such scan only (the alarm stays in the store until a scan gets answers again).
 */
async function recordResolverOutage(
  deps: ScanDependencies,
  context: {
    readonly base: ScanRun;
    readonly probe: ZoneProbe;
    readonly zoneHealth: readonly ZoneHealthReport[];
    readonly entries: readonly InventoryEntry[];
    readonly due: readonly Zone[];
    readonly alarm: ResolverAlarm | undefined;
    readonly endedAt: string;
  },
): Promise<ScanOutcome> {
  const { base, probe, alarm } = context;
  const detail = probe.resolver.detail;
  const reason = probe.resolver.status === 'down' ? 'resolver-down' : 'resolver-unusable';
  const counts = countTargetsByKind(context.entries);
  const total = countLookups(counts, context.due);
  const events = alarm ? [] : [resolverEvent(base.id, 1, 'resolver-down', base.startedAt, detail)];
  const run: ScanRun = {
    ...base,
    status: 'failed',
    endedAt: context.endedAt,
    targets: counts.ip4 + counts.ip6 + counts.domain,
    lookups: 0,
    unknown: total,
    unknownByReason: total > 0 ? { [reason]: total } : {},
    zoneHealth: context.zoneHealth,
    events: events.length,
    error: `${reason}: ${detail}`,
  };
  await deps.repo.commitRun({
    run,
    events,
    states: [],
    degradedZones: [],
    firstScanned: [],
    resolver: { downSince: alarm?.downSince ?? base.startedAt, detail },
  });
  return { run, events, skippedZones: [] };
}
