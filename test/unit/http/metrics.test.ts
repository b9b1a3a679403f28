import { describe, expect, it } from 'vitest';
import type { ScanRun } from '../../../src/domain/scan-run.ts';
import { createMetrics, escapeLabelValue } from '../../../src/http/metrics.ts';

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

const header = (name: string, type: string, help: string) =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;

describe('createMetrics', () => {
  it('renders only HELP/TYPE and zeroed scan counters before anything happened', () => {
    const text = createMetrics().render();
    expect(text).toContain('# TYPE rblwatch_targets gauge\n# HELP rblwatch_zones');
    expect(text).not.toMatch(/^rblwatch_(targets|zones|last_scan_\w+) /m);
    expect(text).toContain(
      'rblwatch_scans_total{status="completed"} 0\n' +
        'rblwatch_scans_total{status="failed"} 0\n' +
        'rblwatch_scans_total{status="interrupted"} 0\n',
    );
    expect(text.endsWith('\n')).toBe(true);
  });

  it('renders the exact exposition text for a small scan', () => {
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

    expect(metrics.render()).toBe(
      header('rblwatch_targets', 'gauge', 'Targets watched, after CIDR expansion.') +
        'rblwatch_targets 3\n' +
        header('rblwatch_zones', 'gauge', 'DNSBL zones enabled.') +
        'rblwatch_zones 2\n' +
        header('rblwatch_listings', 'gauge', 'Current listings by zone and severity.') +
        'rblwatch_listings{zone="zen.example",severity="major"} 1\n' +
        header(
          'rblwatch_zone_healthy',
          'gauge',
          'Whether the zone passed its RFC 5782 test points in the last scan.',
        ) +
        'rblwatch_zone_healthy{zone="bl.example"} 0\n' +
        'rblwatch_zone_healthy{zone="zen.example"} 1\n' +
        header(
          'rblwatch_last_scan_success_timestamp_seconds',
          'gauge',
          'Unix time the last completed scan ended.',
        ) +
        'rblwatch_last_scan_success_timestamp_seconds 1795886222.5\n' +
        header('rblwatch_last_scan_duration_seconds', 'gauge', 'Wall time of the last finished scan.') +
        'rblwatch_last_scan_duration_seconds 2.5\n' +
        header('rblwatch_lookups_total', 'counter', 'DNSBL lookups by zone and outcome.') +
        'rblwatch_lookups_total{zone="bl.example",status="clean"} 1\n' +
        'rblwatch_lookups_total{zone="bl.example",status="unknown"} 1\n' +
        'rblwatch_lookups_total{zone="zen.example",status="clean"} 2\n' +
        'rblwatch_lookups_total{zone="zen.example",status="listed"} 1\n' +
        header(
          'rblwatch_unknown_total',
          'counter',
          'Lookups with no trustworthy answer, by zone and reason.',
        ) +
        'rblwatch_unknown_total{zone="bl.example",reason="timeout"} 1\n' +
        header('rblwatch_scans_total', 'counter', 'Finished scans by status.') +
        'rblwatch_scans_total{status="completed"} 1\n' +
        'rblwatch_scans_total{status="failed"} 0\n' +
        'rblwatch_scans_total{status="interrupted"} 0\n' +
        header(
          'rblwatch_scan_ticks_skipped_total',
          'counter',
          'Scheduled scans that did not run, by reason (busy: the previous scan was still running).',
        ) +
        'rblwatch_scan_ticks_skipped_total{reason="busy"} 0\n' +
        'rblwatch_scan_ticks_skipped_total{reason="missed"} 0\n' +
        header('rblwatch_events_total', 'counter', 'Listing events decided, by kind.') +
        'rblwatch_events_total{kind="listed"} 1\n' +
        header(
          'rblwatch_alert_deliveries_total',
          'counter',
          'Alert items by destination and delivery outcome (delivered, retry, failed: given up).',
        ) +
        'rblwatch_alert_deliveries_total{destination="pager",result="delivered"} 2\n' +
        header('rblwatch_outbox_pending', 'gauge', 'Alert items waiting to be delivered.') +
        'rblwatch_outbox_pending 3\n' +
        header(
          'rblwatch_outbox_failed',
          'gauge',
          'Alert items given up on, kept for `rblwatch alerts pending`.',
        ) +
        'rblwatch_outbox_failed 1\n',
    );
  });

  it('drops a cleared listing to 0 instead of removing its series', () => {
    const metrics = createMetrics();
    metrics.setListings([
      { zone: 'zen.example', severity: 'major' },
      { zone: 'zen.example', severity: 'major' },
      { zone: 'bl.example', severity: 'minor' },
    ]);
    expect(metrics.render()).toContain(
      'rblwatch_listings{zone="bl.example",severity="minor"} 1\nrblwatch_listings{zone="zen.example",severity="major"} 2\n',
    );
    metrics.setListings([{ zone: 'zen.example', severity: 'major' }]);
    expect(metrics.render()).toContain(
      'rblwatch_listings{zone="bl.example",severity="minor"} 0\nrblwatch_listings{zone="zen.example",severity="major"} 1\n',
    );
  });

  it('keeps the last success time through a failed run, and keeps zone health when a run has none', () => {
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
    const text = metrics.render();
    expect(text).toContain('rblwatch_last_scan_success_timestamp_seconds 1795886222.5\n');
    expect(text).toContain('rblwatch_last_scan_duration_seconds 0.25\n');
    expect(text).toContain('rblwatch_zone_healthy{zone="bl.example"} 0\n');
    expect(text).toContain(
      'rblwatch_scans_total{status="completed"} 1\nrblwatch_scans_total{status="failed"} 1\n',
    );
    expect(text).not.toContain('status="running"');
  });

  it('treats untested zones as healthy and every other non-ok health as unhealthy', () => {
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
    expect(metrics.render()).toContain(
      'rblwatch_zone_healthy{zone="a.example"} 1\n' +
        'rblwatch_zone_healthy{zone="b.example"} 0\n' +
        'rblwatch_zone_healthy{zone="c.example"} 0\n' +
        'rblwatch_zone_healthy{zone="d.example"} 0\n',
    );
  });

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const metrics = createMetrics();
    metrics.recordLookup('we"ird\\zone\nx', 'clean');
    metrics.recordEvents([{ kind: 'line\nbreak' }]);
    const text = metrics.render();
    expect(text).toContain('rblwatch_lookups_total{zone="we\\"ird\\\\zone\\nx",status="clean"} 1\n');
    expect(text).toContain('rblwatch_events_total{kind="line\\nbreak"} 1\n');
    // Every sample stays on one line: no raw newline leaked out of a label.
    for (const line of text.trimEnd().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) rblwatch_|rblwatch_)/);
  });

  it('keeps instances apart (no global registry)', () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordLookup('zen.example', 'clean');
    expect(a.render()).toContain('rblwatch_lookups_total{zone="zen.example",status="clean"} 1');
    expect(b.render()).not.toContain('rblwatch_lookups_total{');
  });
});
