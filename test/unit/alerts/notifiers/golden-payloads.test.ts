/**
 * The exact bodies each notifier sends, pinned as JSON under test/fixtures/golden/, built from fixed alerts and a
 * fixed clock (the gatus `pagerduty_test.go` approach). A change here is a change to what on-call people and
 * receivers see: review the diff, then regenerate with `UPDATE_GOLDEN=1 npx vitest run test/unit/alerts/notifiers`.
 *
 * The comparison is on parsed JSON, so reformatting a golden file (Biome) cannot break it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildAlertApiRequest } from '../../../../src/alerts/notifiers/opsgenie.ts';
import { buildPagerDutyEvent } from '../../../../src/alerts/notifiers/pagerduty.ts';
import {
  buildWebhookPayload,
  buildWebhookReportPayload,
  buildWebhookRequest,
} from '../../../../src/alerts/notifiers/webhook.ts';
import {
  delistedAlert,
  FIXED_NOW,
  groupedDelivery,
  listedAlert,
  perKeyDelivery,
  rangeListings,
  reportDelivery,
  scanFailedAlert,
  scheduledReport,
} from '../../../fixtures/alerts.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const OPSGENIE = 'https://api.opsgenie.com';
const JSM = 'https://api.atlassian.com/jsm/ops/integration';

async function expectGolden(name: string, actual: unknown): Promise<void> {
  const file = new URL(`../../../fixtures/golden/${name}.json`, import.meta.url);
  const normalised: unknown = JSON.parse(JSON.stringify(actual));
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, `${JSON.stringify(normalised, null, 2)}\n`);
  const golden: unknown = JSON.parse(await readFile(file, 'utf8'));
  expect(normalised).toEqual(golden);
}

describe('golden payloads', () => {
  it('PagerDuty trigger', async () => {
    await expectGolden(
      'pagerduty-trigger',
      buildPagerDutyEvent(perKeyDelivery(listedAlert), { routingKey: ROUTING_KEY }),
    );
  });

  it('PagerDuty resolve', async () => {
    await expectGolden(
      'pagerduty-resolve',
      buildPagerDutyEvent(perKeyDelivery(delistedAlert), { routingKey: ROUTING_KEY }),
    );
  });

  it('Opsgenie create', async () => {
    const request = buildAlertApiRequest(perKeyDelivery(listedAlert), OPSGENIE);
    expect(request.url).toBe('https://api.opsgenie.com/v2/alerts');
    await expectGolden('opsgenie-create', request.body);
  });

  it('Opsgenie close', async () => {
    const request = buildAlertApiRequest(perKeyDelivery(delistedAlert), OPSGENIE);
    expect(request.url).toBe(
      'https://api.opsgenie.com/v2/alerts/rblwatch%3A203.0.113.7%3Azen.spamhaus.org/close?identifierType=alias',
    );
    await expectGolden('opsgenie-close', request.body);
  });

  it('JSM Ops create: the Opsgenie body under the JSM base', async () => {
    const request = buildAlertApiRequest(perKeyDelivery(listedAlert), `${JSM}/`);
    expect(request.url).toBe('https://api.atlassian.com/jsm/ops/integration/v2/alerts');
    await expectGolden('jsm-create', request.body);
    expect(request.body).toEqual(buildAlertApiRequest(perKeyDelivery(listedAlert), OPSGENIE).body);
  });

  it('webhook grouped body, and headers signed with the fixed clock', async () => {
    const delivery = groupedDelivery(rangeListings(3));
    await expectGolden('webhook-grouped', buildWebhookPayload(delivery));
    const request = buildWebhookRequest(delivery, { secret: 'whsec_test', now: FIXED_NOW });
    expect(JSON.parse(request.body)).toEqual(buildWebhookPayload(delivery));
    expect(request.headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'rblwatch',
      'X-Rblwatch-Delivery': 'd-group-1',
      'X-Rblwatch-Timestamp': '1795860300',
      'X-Rblwatch-Signature': expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });
  });

  it('webhook report body: the scheduled report as data, not chat lines', async () => {
    const delivery = reportDelivery();
    const request = buildWebhookRequest(delivery, { secret: 'whsec_test', now: FIXED_NOW });
    await expectGolden('webhook-report', JSON.parse(request.body));
    expect(JSON.parse(request.body)).toEqual(buildWebhookReportPayload(delivery, scheduledReport));
    expect(JSON.parse(request.body)).toMatchObject({ type: 'rblwatch.report', report: scheduledReport });
  });

  it('webhook notice body: notices keep the empty evidence receivers of version 1 have always seen', () => {
    expect(buildWebhookPayload(groupedDelivery([scanFailedAlert])).alerts).toEqual([
      { ...scanFailedAlert, codes: [], meanings: [], txt: [] },
    ]);
  });
});
