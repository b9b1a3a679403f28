/**
 * What /metrics serves passes Prometheus's own checker: `promtool check metrics` parses the exposition (a parse
 * error fails, exit 1) and lints it (names, suffixes, help; exit 3 when it has findings).
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { createMetrics, type MetricsOptions } from '../../../src/http/metrics.ts';
import { completed, iso, runId } from '../../contract/store-builders.ts';
import { describeWithService, promtoolAvailability } from '../../helpers/services.ts';

function checkMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** A metrics set with a value in every family, including label values that need escaping. */
async function populated(options: MetricsOptions = {}): Promise<string> {
  const metrics = createMetrics(options);
  const run = completed(startedRun(runId(0), iso(0)), iso(1));
  metrics.setInventory(3, 2);
  metrics.recordLookup('zen.example', 'listed');
  metrics.recordLookup('we"ird\\zone\nx', 'unknown', 'timeout');
  metrics.setListings([{ zone: 'zen.example', severity: 'major' }]);
  metrics.setListings([]);
  metrics.recordEvents([{ kind: 'listed' }]);
  metrics.recordSkippedTick('busy');
  metrics.recordDelivery('pager', 'retry', 2);
  metrics.setOutbox(3, 1);
  metrics.recordScan(run);
  metrics.recordScan({ ...run, status: 'failed', zoneHealth: [] });
  return metrics.render();
}

describeWithService(await promtoolAvailability(), 'promtool check metrics', () => {
  it("accepts rblwatch's families without a single lint finding", async () => {
    const result = await checkMetrics(await populated({ defaultMetrics: false }));
    expect(result, result.output).toEqual({ code: 0, output: '' });
  });

  it("parses the whole exposition; its only findings are prom-client's own default metric names", async () => {
    const result = await checkMetrics(await populated());
    // 0: clean; 3: lint findings only. A parse error would be exit 1.
    expect([0, 3], result.output).toContain(result.code);
    const findings = result.output.split('\n').filter((line) => line !== '');
    // prom-client names a few gauges `nodejs_active_*_total`; those names are its, and dashboards use them.
    for (const line of findings)
      expect(line).toMatch(/^nodejs_\w+ non-counter metrics should not have "_total"/);
  });
});
