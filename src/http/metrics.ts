import type { ZoneHealth } from '../domain/check-result.ts';
import type { ScanRun, ScanRunStatus } from '../domain/scan-run.ts';

/**
 * Scan metrics for Prometheus, kept in one instance (no global registry), so each server, test or CLI run has its
 * own and nothing leaks between them.
 *
 * Series appear once they have a value: a timestamp gauge stays absent until the first successful scan, rather
 * than claiming 1970, so `absent()` and `time() - x` alerts both read correctly.
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format (version 0.0.4)
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
  /** The exposition text, families in a fixed order and series sorted by labels, ending in a newline. */
  render(): string;
}

/** Health states a zone's results can be trusted under: `untested` zones opted out of probes by catalog choice. */
const healthyStates: ReadonlySet<ZoneHealth> = new Set<ZoneHealth>(['ok', 'untested']);

/** Pre-set to 0 so `rate()` and `increase()` see each status from the first scrape. */
const finishedStatuses: readonly ScanRunStatus[] = ['completed', 'interrupted', 'failed'];

/** Label value escaping of the 0.0.4 text format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

/** HELP text escaping: backslash and line feed (quotes are literal there). */
function escapeHelp(value: string): string {
  return value.replace(/[\\\n]/g, (char) => (char === '\n' ? '\\n' : '\\\\'));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Series keyed by one label value. */
type OneLabel = Map<string, number>;
/** Series keyed by two label values; nested maps so the hot path allocates no key string. */
type TwoLabels = Map<string, Map<string, number>>;

function add2(series: TwoLabels, first: string, second: string, delta: number): void {
  let inner = series.get(first);
  if (!inner) {
    inner = new Map();
    series.set(first, inner);
  }
  inner.set(second, (inner.get(second) ?? 0) + delta);
}

class MetricsWriter {
  #out = '';

  family(name: string, type: 'gauge' | 'counter', help: string): this {
    this.#out += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  sample(name: string, value: number | undefined): this {
    if (value !== undefined) this.#out += `${name} ${formatValue(value)}\n`;
    return this;
  }

  one(name: string, label: string, series: OneLabel): this {
    for (const key of [...series.keys()].sort(compareStrings)) {
      this.#out += `${name}{${label}="${escapeLabelValue(key)}"} ${formatValue(series.get(key) ?? 0)}\n`;
    }
    return this;
  }

  two(name: string, labels: readonly [string, string], series: TwoLabels): this {
    for (const first of [...series.keys()].sort(compareStrings)) {
      const inner = series.get(first) ?? new Map<string, number>();
      const prefix = `${name}{${labels[0]}="${escapeLabelValue(first)}",${labels[1]}="`;
      for (const second of [...inner.keys()].sort(compareStrings)) {
        this.#out += `${prefix}${escapeLabelValue(second)}"} ${formatValue(inner.get(second) ?? 0)}\n`;
      }
    }
    return this;
  }

  toString(): string {
    return this.#out;
  }
}

/** Creates an empty metrics set. */
export function createMetrics(): ScanMetrics {
  let targets: number | undefined;
  let zones: number | undefined;
  const listings: TwoLabels = new Map();
  let zoneHealthy: OneLabel = new Map();
  let lastSuccessSeconds: number | undefined;
  let lastDurationSeconds: number | undefined;
  const lookups: TwoLabels = new Map();
  const unknowns: TwoLabels = new Map();
  const scans: OneLabel = new Map(finishedStatuses.map((status) => [status, 0]));
  const events: OneLabel = new Map();
  const skippedTicks: OneLabel = new Map(['busy', 'missed'].map((reason) => [reason, 0]));
  const deliveries: TwoLabels = new Map();
  let outboxPending: number | undefined;
  let outboxFailed: number | undefined;

  return {
    setInventory(targetCount: number, zoneCount: number): void {
      targets = targetCount;
      zones = zoneCount;
    },

    recordLookup(zone: string, status: string, reason?: string): void {
      add2(lookups, zone, status, 1);
      if (reason !== undefined && status === 'unknown') add2(unknowns, zone, reason, 1);
    },

    recordScan(run: ScanRun): void {
      if (run.status === 'running') return;
      scans.set(run.status, (scans.get(run.status) ?? 0) + 1);
      // A run that failed before probing reports no zones; keep the last known health rather than blank it.
      if (run.zoneHealth.length > 0) {
        zoneHealthy = new Map(
          run.zoneHealth.map((report) => [report.zone, healthyStates.has(report.health) ? 1 : 0]),
        );
      }
      const started = Date.parse(run.startedAt);
      const ended = run.endedAt === undefined ? Number.NaN : Date.parse(run.endedAt);
      if (Number.isFinite(ended)) {
        if (Number.isFinite(started)) lastDurationSeconds = Math.max(0, ended - started) / 1000;
        if (run.status === 'completed') lastSuccessSeconds = ended / 1000;
      }
    },

    setListings(current: readonly { zone: string; severity: string }[]): void {
      for (const inner of listings.values()) {
        for (const severity of inner.keys()) inner.set(severity, 0);
      }
      for (const listing of current) add2(listings, listing.zone, listing.severity, 1);
    },

    recordSkippedTick(reason: string): void {
      skippedTicks.set(reason, (skippedTicks.get(reason) ?? 0) + 1);
    },

    recordEvents(decided: readonly { kind: string }[]): void {
      for (const event of decided) events.set(event.kind, (events.get(event.kind) ?? 0) + 1);
    },

    recordDelivery(destination: string, result: string, items: number): void {
      add2(deliveries, destination, result, items);
    },

    setOutbox(pending: number, failed: number): void {
      outboxPending = pending;
      outboxFailed = failed;
    },

    render(): string {
      return new MetricsWriter()
        .family('rblwatch_targets', 'gauge', 'Targets watched, after CIDR expansion.')
        .sample('rblwatch_targets', targets)
        .family('rblwatch_zones', 'gauge', 'DNSBL zones enabled.')
        .sample('rblwatch_zones', zones)
        .family('rblwatch_listings', 'gauge', 'Current listings by zone and severity.')
        .two('rblwatch_listings', ['zone', 'severity'], listings)
        .family(
          'rblwatch_zone_healthy',
          'gauge',
          'Whether the zone passed its RFC 5782 test points in the last scan.',
        )
        .one('rblwatch_zone_healthy', 'zone', zoneHealthy)
        .family(
          'rblwatch_last_scan_success_timestamp_seconds',
          'gauge',
          'Unix time the last completed scan ended.',
        )
        .sample('rblwatch_last_scan_success_timestamp_seconds', lastSuccessSeconds)
        .family('rblwatch_last_scan_duration_seconds', 'gauge', 'Wall time of the last finished scan.')
        .sample('rblwatch_last_scan_duration_seconds', lastDurationSeconds)
        .family('rblwatch_lookups_total', 'counter', 'DNSBL lookups by zone and outcome.')
        .two('rblwatch_lookups_total', ['zone', 'status'], lookups)
        .family(
          'rblwatch_unknown_total',
          'counter',
          'Lookups with no trustworthy answer, by zone and reason.',
        )
        .two('rblwatch_unknown_total', ['zone', 'reason'], unknowns)
        .family('rblwatch_scans_total', 'counter', 'Finished scans by status.')
        .one('rblwatch_scans_total', 'status', scans)
        .family(
          'rblwatch_scan_ticks_skipped_total',
          'counter',
          'Scheduled scans that did not run, by reason (busy: the previous scan was still running).',
        )
        .one('rblwatch_scan_ticks_skipped_total', 'reason', skippedTicks)
        .family('rblwatch_events_total', 'counter', 'Listing events decided, by kind.')
        .one('rblwatch_events_total', 'kind', events)
        .family(
          'rblwatch_alert_deliveries_total',
          'counter',
          'Alert items by destination and delivery outcome (delivered, retry, failed: given up).',
        )
        .two('rblwatch_alert_deliveries_total', ['destination', 'result'], deliveries)
        .family('rblwatch_outbox_pending', 'gauge', 'Alert items waiting to be delivered.')
        .sample('rblwatch_outbox_pending', outboxPending)
        .family(
          'rblwatch_outbox_failed',
          'gauge',
          'Alert items given up on, kept for `rblwatch alerts pending`.',
        )
        .sample('rblwatch_outbox_failed', outboxFailed)
        .toString();
    },
  };
}
