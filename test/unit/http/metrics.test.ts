import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ScanRun } from '../../../src/domain/scan-run.ts';
import { createMetrics, type ScanMetrics } from '../../../src/http/metrics.ts';
import { parseExposition, sampleLines } from '../../helpers/parse-metrics.ts';

function scanRun(overrides: Partial<ScanRun> = {}): ScanRun {
  return {
    id: '2026-11-28T17:17:00.000Z-a1b2c3',
    status: 'completed',
    startedAt: '2026-11-28T17:17:00.000Z',
    endedAt: '2026-11-28T17:17:02.500Z',
    targets: 3,
    lookups: 4,
    listed: 1,
    clean: 2,
    unknown: 1,
    unknownByReason: { timeout: 1 },
    zoneHealth: [
      { zone: 'zen.example', health: 'ok', detail: 'test points answered as expected' },
      { zone: 'bl.example', health: 'unreachable', detail: 'timeout' },
    ],
    events: 1,
    ...overrides,
  };
}

/** Every rblwatch family with its type and help text: what dashboards and alert rules are written against. */
const families: Record<string, { type: string; help: string }> = {
  rblwatch_targets: { type: 'gauge', help: 'Targets watched, after CIDR expansion.' },
  rblwatch_zones: { type: 'gauge', help: 'DNSBL zones enabled.' },
  rblwatch_listings: { type: 'gauge', help: 'Current listings by zone and severity.' },
  rblwatch_zone_healthy: {
    type: 'gauge',
    help: 'Whether the zone passed its RFC 5782 test points in the last scan.',
  },
  rblwatch_last_scan_success_timestamp_seconds: {
    type: 'gauge',
    help: 'Unix time the last completed scan ended.',
  },
  rblwatch_last_scan_duration_seconds: { type: 'gauge', help: 'Wall time of the last finished scan.' },
  rblwatch_lookups_total: { type: 'counter', help: 'DNSBL lookups by zone and outcome.' },
  rblwatch_unknown_total: {
    type: 'counter',
    help: 'Lookups with no trustworthy answer, by zone and reason.',
  },
  rblwatch_scans_total: { type: 'counter', help: 'Finished scans by status.' },
  rblwatch_scan_ticks_skipped_total: {
    type: 'counter',
    help: 'Scheduled scans that did not run, by reason (busy: the previous scan was still running).',
  },
  rblwatch_events_total: { type: 'counter', help: 'Listing events decided, by kind.' },
  rblwatch_alert_deliveries_total: {
    type: 'counter',
    help: 'Alert items by destination and delivery outcome (delivered, retry, failed: given up).',
  },
  rblwatch_outbox_pending: { type: 'gauge', help: 'Alert items waiting to be delivered.' },
  rblwatch_outbox_failed: {
    type: 'gauge',
    help: 'Alert items given up on, kept for `rblwatch alerts pending`.',
  },
  rblwatch_scan_duration_seconds: { type: 'histogram', help: 'Wall time of finished scans, by status.' },
};

/** The rblwatch families of an exposition: type, help and sorted samples of each, for one `toEqual`. */
async function scrape(metrics: ScanMetrics) {
  const parsed = parseExposition(await metrics.render());
  const out: Record<string, { type: string; help: string; samples: string[] }> = {};
  for (const [name, family] of parsed) {
    if (name.startsWith('rblwatch_')) {
      out[name] = { type: family.type, help: family.help, samples: sampleLines(family) };
    }
  }
  return out;
}

/** What {@link scrape} gives for a family with these samples. */
function family(name: string, samples: string[] = []) {
  const declared = families[name];
  if (!declared) throw new Error(`no family ${name} in the table`);
  return { ...declared, samples };
}

async function samplesOf(metrics: ScanMetrics, name: string): Promise<string[]> {
  return (await scrape(metrics))[name]?.samples ?? [];
}

describe('createMetrics', () => {
  it('declares every family before anything happened, with samples only for the pre-set counters', async () => {
    const scraped = await scrape(createMetrics());
    expect(Object.keys(scraped).sort()).toEqual(Object.keys(families).sort());
    for (const name of Object.keys(families)) {
      const samples =
        name === 'rblwatch_scans_total'
          ? [
              'rblwatch_scans_total{status="completed"} 0',
              'rblwatch_scans_total{status="failed"} 0',
              'rblwatch_scans_total{status="interrupted"} 0',
            ]
          : name === 'rblwatch_scan_ticks_skipped_total'
            ? [
                'rblwatch_scan_ticks_skipped_total{reason="busy"} 0',
                'rblwatch_scan_ticks_skipped_total{reason="missed"} 0',
              ]
            : [];
      expect(scraped[name], name).toEqual(family(name, samples));
    }
  });

  it('reports every family, label and value of a small scan', async () => {
    const metrics = createMetrics();
    metrics.setInventory(3, 2);
    metrics.recordLookup('zen.example', 'listed');
    metrics.recordLookup('zen.example', 'clean');
    metrics.recordLookup('zen.example', 'clean');
    metrics.recordLookup('bl.example', 'unknown', 'timeout');
    // A reason with a non-unknown status is not an unknown.
    metrics.recordLookup('bl.example', 'clean', 'timeout');
    metrics.setListings([{ zone: 'zen.example', severity: 'major' }]);
    metrics.recordEvents([{ kind: 'listed' }]);
    metrics.recordDelivery('pager', 'delivered', 2);
    metrics.setOutbox(3, 1);
    metrics.recordScan(scanRun());

    expect(await scrape(metrics)).toEqual({
      rblwatch_targets: family('rblwatch_targets', ['rblwatch_targets 3']),
      rblwatch_zones: family('rblwatch_zones', ['rblwatch_zones 2']),
      rblwatch_listings: family('rblwatch_listings', [
        'rblwatch_listings{severity="major",zone="zen.example"} 1',
      ]),
      rblwatch_zone_healthy: family('rblwatch_zone_healthy', [
        'rblwatch_zone_healthy{zone="bl.example"} 0',
        'rblwatch_zone_healthy{zone="zen.example"} 1',
      ]),
      rblwatch_last_scan_success_timestamp_seconds: family('rblwatch_last_scan_success_timestamp_seconds', [
        'rblwatch_last_scan_success_timestamp_seconds 1795886222.5',
      ]),
      rblwatch_last_scan_duration_seconds: family('rblwatch_last_scan_duration_seconds', [
        'rblwatch_last_scan_duration_seconds 2.5',
      ]),
      rblwatch_lookups_total: family('rblwatch_lookups_total', [
        'rblwatch_lookups_total{status="clean",zone="bl.example"} 1',
        'rblwatch_lookups_total{status="clean",zone="zen.example"} 2',
        'rblwatch_lookups_total{status="listed",zone="zen.example"} 1',
        'rblwatch_lookups_total{status="unknown",zone="bl.example"} 1',
      ]),
      rblwatch_unknown_total: family('rblwatch_unknown_total', [
        'rblwatch_unknown_total{reason="timeout",zone="bl.example"} 1',
      ]),
      rblwatch_scans_total: family('rblwatch_scans_total', [
        'rblwatch_scans_total{status="completed"} 1',
        'rblwatch_scans_total{status="failed"} 0',
        'rblwatch_scans_total{status="interrupted"} 0',
      ]),
      rblwatch_scan_ticks_skipped_total: family('rblwatch_scan_ticks_skipped_total', [
        'rblwatch_scan_ticks_skipped_total{reason="busy"} 0',
        'rblwatch_scan_ticks_skipped_total{reason="missed"} 0',
      ]),
      rblwatch_events_total: family('rblwatch_events_total', ['rblwatch_events_total{kind="listed"} 1']),
      rblwatch_alert_deliveries_total: family('rblwatch_alert_deliveries_total', [
        'rblwatch_alert_deliveries_total{destination="pager",result="delivered"} 2',
      ]),
      rblwatch_outbox_pending: family('rblwatch_outbox_pending', ['rblwatch_outbox_pending 3']),
      rblwatch_outbox_failed: family('rblwatch_outbox_failed', ['rblwatch_outbox_failed 1']),
      // 2.5 s: in every bucket from 2.5 up.
      rblwatch_scan_duration_seconds: family('rblwatch_scan_duration_seconds', [
        'rblwatch_scan_duration_seconds_bucket{le="+Inf",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="0.5",status="completed"} 0',
        'rblwatch_scan_duration_seconds_bucket{le="1",status="completed"} 0',
        'rblwatch_scan_duration_seconds_bucket{le="10",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="120",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="1800",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="2.5",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="30",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="300",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="3600",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="5",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="60",status="completed"} 1',
        'rblwatch_scan_duration_seconds_bucket{le="600",status="completed"} 1',
        'rblwatch_scan_duration_seconds_count{status="completed"} 1',
        'rblwatch_scan_duration_seconds_sum{status="completed"} 2.5',
      ]),
    });
  });

  it('observes each finished run in the duration histogram under its status, and no running one', async () => {
    const metrics = createMetrics();
    metrics.recordScan(scanRun({ status: 'failed', endedAt: '2026-11-28T17:17:00.250Z' }));
    metrics.recordScan(scanRun({ endedAt: '2026-11-28T17:19:00.000Z' }));
    metrics.recordScan(scanRun({ status: 'running', endedAt: undefined }));
    const samples = await samplesOf(metrics, 'rblwatch_scan_duration_seconds');
    expect(samples.filter((line) => !line.includes('_bucket'))).toEqual([
      'rblwatch_scan_duration_seconds_count{status="completed"} 1',
      'rblwatch_scan_duration_seconds_count{status="failed"} 1',
      'rblwatch_scan_duration_seconds_sum{status="completed"} 120',
      'rblwatch_scan_duration_seconds_sum{status="failed"} 0.25',
    ]);
    expect(samples).toContain('rblwatch_scan_duration_seconds_bucket{le="60",status="completed"} 0');
    expect(samples).toContain('rblwatch_scan_duration_seconds_bucket{le="120",status="completed"} 1');
    expect(samples).toContain('rblwatch_scan_duration_seconds_bucket{le="0.5",status="failed"} 1');
  });

  it("adds prom-client's process and event-loop metrics under their standard names, unless turned off", async () => {
    const withDefaults = parseExposition(await createMetrics().render());
    expect(withDefaults.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(withDefaults.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(withDefaults.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
    expect(withDefaults.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    const bare = parseExposition(await createMetrics({ defaultMetrics: false }).render());
    expect([...bare.keys()].sort()).toEqual(Object.keys(families).sort());
  });

  it("never registers on prom-client's global default registry", async () => {
    const metrics = createMetrics();
    metrics.recordLookup('zen.example', 'clean');
    metrics.recordScan(scanRun());
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });

  it('counts skipped ticks by reason, including reasons not pre-set', async () => {
    const metrics = createMetrics();
    metrics.recordSkippedTick('busy');
    metrics.recordSkippedTick('busy');
    metrics.recordSkippedTick('stopped');
    expect(await samplesOf(metrics, 'rblwatch_scan_ticks_skipped_total')).toEqual([
      'rblwatch_scan_ticks_skipped_total{reason="busy"} 2',
      'rblwatch_scan_ticks_skipped_total{reason="missed"} 0',
      'rblwatch_scan_ticks_skipped_total{reason="stopped"} 1',
    ]);
  });

  it('drops a cleared listing to 0 instead of removing its series', async () => {
    const metrics = createMetrics();
    metrics.setListings([
      { zone: 'zen.example', severity: 'major' },
      { zone: 'zen.example', severity: 'major' },
      { zone: 'bl.example', severity: 'minor' },
    ]);
    expect(await samplesOf(metrics, 'rblwatch_listings')).toEqual([
      'rblwatch_listings{severity="major",zone="zen.example"} 2',
      'rblwatch_listings{severity="minor",zone="bl.example"} 1',
    ]);
    metrics.setListings([{ zone: 'zen.example', severity: 'major' }]);
    expect(await samplesOf(metrics, 'rblwatch_listings')).toEqual([
      'rblwatch_listings{severity="major",zone="zen.example"} 1',
      'rblwatch_listings{severity="minor",zone="bl.example"} 0',
    ]);
  });

  it('keeps the last success time through a failed run, and keeps zone health when a run has none', async () => {
    const metrics = createMetrics();
    metrics.recordScan(scanRun());
    metrics.recordScan(
      scanRun({
        status: 'failed',
        startedAt: '2026-11-28T18:00:00.000Z',
        endedAt: '2026-11-28T18:00:00.250Z',
        zoneHealth: [],
        error: 'store unavailable',
      }),
    );
    metrics.recordScan(scanRun({ status: 'running', endedAt: undefined }));
    const scraped = await scrape(metrics);
    expect(scraped.rblwatch_last_scan_success_timestamp_seconds?.samples).toEqual([
      'rblwatch_last_scan_success_timestamp_seconds 1795886222.5',
    ]);
    expect(scraped.rblwatch_last_scan_duration_seconds?.samples).toEqual([
      'rblwatch_last_scan_duration_seconds 0.25',
    ]);
    expect(scraped.rblwatch_zone_healthy?.samples).toEqual([
      'rblwatch_zone_healthy{zone="bl.example"} 0',
      'rblwatch_zone_healthy{zone="zen.example"} 1',
    ]);
    expect(scraped.rblwatch_scans_total?.samples).toEqual([
      'rblwatch_scans_total{status="completed"} 1',
      'rblwatch_scans_total{status="failed"} 1',
      'rblwatch_scans_total{status="interrupted"} 0',
    ]);
  });

  it("replaces zone health with the last run's: a zone no longer scanned leaves the family", async () => {
    const metrics = createMetrics();
    metrics.recordScan(scanRun());
    metrics.recordScan(scanRun({ zoneHealth: [{ zone: 'new.example', health: 'ok', detail: '' }] }));
    expect(await samplesOf(metrics, 'rblwatch_zone_healthy')).toEqual([
      'rblwatch_zone_healthy{zone="new.example"} 1',
    ]);
  });

  it('treats untested zones as healthy and every other non-ok health as unhealthy', async () => {
    const metrics = createMetrics();
    metrics.recordScan(
      scanRun({
        zoneHealth: [
          { zone: 'a.example', health: 'untested', detail: '' },
          { zone: 'b.example', health: 'wildcard', detail: '' },
          { zone: 'c.example', health: 'refused', detail: '' },
          { zone: 'd.example', health: 'no-test-point', detail: '' },
        ],
      }),
    );
    expect(await samplesOf(metrics, 'rblwatch_zone_healthy')).toEqual([
      'rblwatch_zone_healthy{zone="a.example"} 1',
      'rblwatch_zone_healthy{zone="b.example"} 0',
      'rblwatch_zone_healthy{zone="c.example"} 0',
      'rblwatch_zone_healthy{zone="d.example"} 0',
    ]);
  });

  it('escapes backslash, double quote and newline in label values, so they read back as written', async () => {
    const metrics = createMetrics();
    metrics.recordLookup('we"ird\\zone\nx', 'clean');
    metrics.recordEvents([{ kind: 'line\nbreak' }]);
    const text = await metrics.render();
    expect(text).toContain('rblwatch_lookups_total{zone="we\\"ird\\\\zone\\nx",status="clean"} 1\n');
    // The strict reader throws on a raw line feed inside a label, and gives the values back unescaped.
    const parsed = parseExposition(text);
    expect(parsed.get('rblwatch_lookups_total')?.samples).toEqual([
      { name: 'rblwatch_lookups_total', labels: { zone: 'we"ird\\zone\nx', status: 'clean' }, value: 1 },
    ]);
    expect(parsed.get('rblwatch_events_total')?.samples[0]?.labels).toEqual({ kind: 'line\nbreak' });
  });

  it('keeps instances apart (no global registry)', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordLookup('zen.example', 'clean');
    expect(await samplesOf(a, 'rblwatch_lookups_total')).toEqual([
      'rblwatch_lookups_total{status="clean",zone="zen.example"} 1',
    ]);
    expect(await samplesOf(b, 'rblwatch_lookups_total')).toEqual([]);
  });
});
