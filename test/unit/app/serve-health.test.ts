import { describe, expect, it } from 'vitest';
import { createServeHealth } from '../../../src/app/serve-health.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';

const at = new Date('2026-12-04T10:00:00.000Z');
const run = startedRun('2026-12-04T10:00:00.000Z-a1b2c3', at.toISOString());

describe('serve health', () => {
  it('is healthy before and after a completed scan', () => {
    const health = createServeHealth(() => at);
    expect(health.report().ok).toBe(true);
    health.scanStarted(at);
    health.scanFinished({ ...run, status: 'completed', endedAt: at.toISOString() });
    expect(health.report()).toMatchObject({ ok: true, detail: { lastStatus: 'completed', error: null } });
  });

  it('turns unhealthy with the reason when a scan fails, and healthy again after a good one', () => {
    const health = createServeHealth(() => at);
    health.scanFinished({
      ...run,
      status: 'failed',
      error: 'no answer from 127.0.0.1:9: the resolver is down',
    });
    expect(health.report()).toMatchObject({ ok: false });
    expect(health.report().detail.error).toContain('the resolver is down');
    health.scanFinished({ ...run, status: 'completed' });
    expect(health.report().ok).toBe(true);
  });

  it('turns unhealthy while scheduled scans are skipped behind a stuck one', () => {
    let now = at;
    const health = createServeHealth(() => now);
    health.scanStarted(at);
    health.tickSkipped('busy');
    health.tickSkipped('busy');
    now = new Date(at.getTime() + 120_000);
    const report = health.report();
    expect(report.ok).toBe(false);
    expect(report.detail).toMatchObject({ skippedTicks: 2, scanning: { forMs: 120_000 } });
    expect(report.detail.error).toContain('2 scheduled scans skipped (a scan has been running since');
    health.scanErrored(new Error('redis store: timed out'));
    expect(health.report().detail.error).toContain('last scan failed: redis store: timed out');
  });

  it('keeps an alarm standing until it is cleared', () => {
    const health = createServeHealth(() => at);
    health.setAlarm('store-reset', 'the store was reset while rblwatch was running');
    health.scanFinished({ ...run, status: 'completed' });
    expect(health.report()).toMatchObject({ ok: false, detail: { alarms: ['store-reset'] } });
    health.setAlarm('store-reset', undefined);
    expect(health.report().ok).toBe(true);
  });
});
