import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ZoneHealth } from '../domain/check-result.ts';
import type { ScanRun, ScanRunStatus } from '../domain/scan-run.ts';

/**
 * Scan metrics for Prometheus, kept in one prom-client `Registry` per instance (never prom-client's global default
 * registry), so each server, test or CLI run has its own and nothing leaks between them.
 *
 * Series appear once they have a value: a timestamp gauge stays absent until the first successful scan, rather
 * than claiming 1970, so `absent()` and `time() - x` alerts both read correctly.
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format (version 0.0.4)
 * @see https://github.com/siimon/prom-client
 */
export interface ScanMetrics {
  /** Sets the watched target count (after CIDR expansion) and the enabled zone count. */
  setInventory(targets: number, zones: number): void;
  /**
   * Counts one lookup. The hot path: called once per (target, zone) check, so it only bumps a counter in a map.
   * `reason` is the unknown reason (`timeout`, `servfail`, ...) and counts `rblwatch_unknown_total` when given
   * with status `unknown`.
   */
  recordLookup(zone: string, status: string, reason?: string): void;
  /**
   * Records a finished run: counts it by status, replaces zone health with the run's (when it has any), and sets
   * the duration and, for a completed run, the success timestamp. A run still `running` is ignored.
   */
  recordScan(run: ScanRun): void;
  /**
   * Replaces the current listings. Counted per (zone, severity); a pair seen before and absent now reads 0, so a
   * delisting shows as a drop to zero rather than a vanished series.
   */
  setListings(listings: readonly { zone: string; severity: string }[]): void;
  /** Counts a scheduled tick that did not start a scan: `busy` (a scan still ran), `missed`, `stopped`. */
  recordSkippedTick(reason: string): void;
  /** Counts decided events by kind. */
  recordEvents(events: readonly { kind: string }[]): void;
  /** Counts alert items by destination and outcome (`delivered`, `retry`, `failed`). */
  recordDelivery(destination: string, result: string, items: number): void;
  /** Sets the alert items waiting in the outbox, and those given up on. */
  setOutbox(pending: number, failed: number): void;
  /**
   * The exposition text: rblwatch's families, then prom-client's process and Node.js metrics. Families keep a fixed
   * order; series within one come in the order they first appeared.
   */
  render(): Promise<string>;
  /** The `Content-Type` of {@link render}'s text (prom-client's: Prometheus text 0.0.4). */
  readonly contentType: string;
}

export interface MetricsOptions {
  /**
   * Add prom-client's default metrics (CPU, memory, file descriptors, event-loop lag, GC, heap; default true). They
   * keep their standard names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, ...) without an
   * `rblwatch_` prefix: those names are shared by every Prometheus client library and are what the usual Node.js
   * dashboards and alert rules query; the scrape's `job` label already says which program they describe.
   */
  readonly defaultMetrics?: boolean;
}

/** Health states a zone's results can be trusted under: `untested` zones opted out of probes by catalog choice. */
const healthyStates: ReadonlySet<ZoneHealth> = new Set<ZoneHealth>(['ok', 'untested']);

/** Pre-set to 0 so `rate()` and `increase()` see each status from the first scrape. */
const finishedStatuses: readonly ScanRunStatus[] = ['completed', 'interrupted', 'failed'];

/**
 * Scan wall time buckets, in seconds: a handful of targets takes well under a second, a /16 against ten zones
 * about ten, and a scan that runs into its next tick is the one to see.
 */
const SCAN_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
// No lookup latency histogram: prom-client's observe() with a zone label costs about 400 ns against the counter
// bump's 30 (measured on the CI box), and recordLookup runs once per lookup. Scan duration says when lists slow down.

/** Counts keyed by two label values; nested maps so the hot path allocates no key string. */
type TwoLabels = Map<string, Map<string, number>>;

function add2(series: TwoLabels, first: string, second: string): void {
  let inner = series.get(first);
  if (!inner) {
    inner = new Map();
    series.set(first, inner);
  }
  inner.set(second, (inner.get(second) ?? 0) + 1);
}

/**
 * A counter whose values are kept in `series` and copied in at scrape time. prom-client's own `inc(labels)` hashes
 * and validates the labels on every call; `recordLookup` runs once per lookup (about 100,000 times a second in a
 * large scan), so it only bumps a number in a map, and prom-client sees the totals when it is scraped.
 */
function scrapedCounter(
  register: Registry,
  name: string,
  help: string,
  labels: readonly [string, string],
  series: TwoLabels,
): Counter<string> {
  return new Counter({
    name,
    help,
    labelNames: labels,
    registers: [register],
    collect() {
      this.reset();
      for (const [first, inner] of series) {
        for (const [second, count] of inner) this.inc({ [labels[0]]: first, [labels[1]]: second }, count);
      }
    },
  });
}

/** A gauge with no series until it is set (prom-client starts a label-less gauge at 0). */
function unsetGauge(register: Registry, name: string, help: string): Gauge {
  const gauge = new Gauge({ name, help, registers: [register] });
  gauge.remove();
  return gauge;
}

/** Creates an empty metrics set with its own registry. */
export function createMetrics(options: MetricsOptions = {}): ScanMetrics {
  const register = new Registry();
  const lookups: TwoLabels = new Map();
  const unknowns: TwoLabels = new Map();
  /** Every (zone, severity) listed since start, with its current count: those not listed now read 0. */
  const listed: TwoLabels = new Map();

  const targets = unsetGauge(register, 'rblwatch_targets', 'Targets watched, after CIDR expansion.');
  const zones = unsetGauge(register, 'rblwatch_zones', 'DNSBL zones enabled.');
  const listings = new Gauge({
    name: 'rblwatch_listings',
    help: 'Current listings by zone and severity.',
    labelNames: ['zone', 'severity'],
    registers: [register],
  });
  const zoneHealthy = new Gauge({
    name: 'rblwatch_zone_healthy',
    help: 'Whether the zone passed its RFC 5782 test points in the last scan.',
    labelNames: ['zone'],
    registers: [register],
  });
  const lastSuccess = unsetGauge(
    register,
    'rblwatch_last_scan_success_timestamp_seconds',
    'Unix time the last completed scan ended.',
  );
  const lastDuration = unsetGauge(
    register,
    'rblwatch_last_scan_duration_seconds',
    'Wall time of the last finished scan.',
  );
  scrapedCounter(
    register,
    'rblwatch_lookups_total',
    'DNSBL lookups by zone and outcome.',
    ['zone', 'status'],
    lookups,
  );
  scrapedCounter(
    register,
    'rblwatch_unknown_total',
    'Lookups with no trustworthy answer, by zone and reason.',
    ['zone', 'reason'],
    unknowns,
  );
  const scans = new Counter({
    name: 'rblwatch_scans_total',
    help: 'Finished scans by status.',
    labelNames: ['status'],
    registers: [register],
  });
  for (const status of finishedStatuses) scans.inc({ status }, 0);
  const skippedTicks = new Counter({
    name: 'rblwatch_scan_ticks_skipped_total',
    help: 'Scheduled scans that did not run, by reason (busy: the previous scan was still running).',
    labelNames: ['reason'],
    registers: [register],
  });
  for (const reason of ['busy', 'missed']) skippedTicks.inc({ reason }, 0);
  const events = new Counter({
    name: 'rblwatch_events_total',
    help: 'Listing events decided, by kind.',
    labelNames: ['kind'],
    registers: [register],
  });
  const deliveries = new Counter({
    name: 'rblwatch_alert_deliveries_total',
    help: 'Alert items by destination and delivery outcome (delivered, retry, failed: given up).',
    labelNames: ['destination', 'result'],
    registers: [register],
  });
  const outboxPending = unsetGauge(
    register,
    'rblwatch_outbox_pending',
    'Alert items waiting to be delivered.',
  );
  const outboxFailed = unsetGauge(
    register,
    'rblwatch_outbox_failed',
    'Alert items given up on, kept for `rblwatch alerts pending`.',
  );
  const scanDuration = new Histogram({
    name: 'rblwatch_scan_duration_seconds',
    help: 'Wall time of finished scans, by status.',
    labelNames: ['status'],
    buckets: SCAN_DURATION_BUCKETS,
    registers: [register],
  });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register });

  return {
    contentType: register.contentType,

    setInventory(targetCount: number, zoneCount: number): void {
      targets.set(targetCount);
      zones.set(zoneCount);
    },

    recordLookup(zone: string, status: string, reason?: string): void {
      add2(lookups, zone, status);
      if (reason !== undefined && status === 'unknown') add2(unknowns, zone, reason);
    },

    recordScan(run: ScanRun): void {
      if (run.status === 'running') return;
      scans.inc({ status: run.status });
      // A run that failed before probing reports no zones; keep the last known health rather than blank it.
      if (run.zoneHealth.length > 0) {
        zoneHealthy.reset();
        for (const report of run.zoneHealth) {
          zoneHealthy.set({ zone: report.zone }, healthyStates.has(report.health) ? 1 : 0);
        }
      }
      const started = Date.parse(run.startedAt);
      const ended = run.endedAt === undefined ? Number.NaN : Date.parse(run.endedAt);
      if (Number.isFinite(ended)) {
        if (Number.isFinite(started)) {
          const seconds = Math.max(0, ended - started) / 1000;
          lastDuration.set(seconds);
          scanDuration.observe({ status: run.status }, seconds);
        }
        if (run.status === 'completed') lastSuccess.set(ended / 1000);
      }
    },

    setListings(current: readonly { zone: string; severity: string }[]): void {
      for (const inner of listed.values()) {
        for (const severity of inner.keys()) inner.set(severity, 0);
      }
      for (const listing of current) add2(listed, listing.zone, listing.severity);
      for (const [zone, inner] of listed) {
        for (const [severity, count] of inner) listings.set({ zone, severity }, count);
      }
    },

    recordSkippedTick(reason: string): void {
      skippedTicks.inc({ reason });
    },

    recordEvents(decided: readonly { kind: string }[]): void {
      for (const event of decided) events.inc({ kind: event.kind });
    },

    recordDelivery(destination: string, result: string, items: number): void {
      deliveries.inc({ destination, result }, items);
    },

    setOutbox(pending: number, failed: number): void {
      outboxPending.set(pending);
      outboxFailed.set(failed);
    },

    render(): Promise<string> {
      return register.metrics();
    },
  };
}
