/**
 * Every HTTP notifier against its local fake, over real sockets and a real undici Agent: the shared contract
 * suite, then what is specific to each service (paths, auth, incident state, signatures).
 */
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpNotifierDeps } from '../../../src/alerts/http-post.ts';
import { createJsmNotifier } from '../../../src/alerts/notifiers/jsm.ts';
import type { Notifier } from '../../../src/alerts/notifiers/notifier.ts';
import { createOpsgenieNotifier } from '../../../src/alerts/notifiers/opsgenie.ts';
import { createPagerDutyNotifier } from '../../../src/alerts/notifiers/pagerduty.ts';
import { createWebhookNotifier, verifyWebhookSignature } from '../../../src/alerts/notifiers/webhook.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { describeNotifier, type NotifierFixture } from '../../contract/notifier.contract.ts';
import {
  delistedAlert,
  groupedDelivery,
  listedAlert,
  perKeyDelivery,
  rangeListings,
} from '../../fixtures/alerts.ts';
import {
  type FakeReceiver,
  startFakeJsm,
  startFakeOpsgenie,
  startFakePagerDuty,
  startFakeWebhook,
} from '../../helpers/fake-alert-receivers.ts';

/** PagerDuty integration keys are 32 characters; the fake refuses anything else, as PagerDuty does. */
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const GENIE_KEY = 'genie-5f0c6d1e-7a2b-4c3d-9e8f-0a1b2c3d4e5f';
const WEBHOOK_SECRET = 'whsec_9c1f7e2ad4b84f0e8a6b3c5d7e9f1a2b';

function depsFor(timeoutMs: number): { deps: HttpNotifierDeps; agent: Agent } {
  const agent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 1_000 });
  return { deps: { dispatcher: agent, timeoutMs, clock: () => new Date() }, agent };
}

async function fixture(
  receiver: FakeReceiver,
  secret: string,
  agent: Agent,
  notifier: Notifier,
): Promise<NotifierFixture> {
  return {
    notifier,
    receiver,
    secret,
    async close() {
      await receiver.close();
      await agent.destroy();
    },
  };
}

describeNotifier('pagerduty', async ({ timeoutMs }) => {
  const receiver = await startFakePagerDuty();
  const { deps, agent } = depsFor(timeoutMs);
  const notifier = createPagerDutyNotifier(
    { type: 'pagerduty', name: 'pd-ops', routingKey: new Secret(ROUTING_KEY), url: receiver.url },
    deps,
  );
  return fixture(receiver, ROUTING_KEY, agent, notifier);
});

describeNotifier('opsgenie', async ({ timeoutMs }) => {
  const receiver = await startFakeOpsgenie({ apiKey: GENIE_KEY });
  const { deps, agent } = depsFor(timeoutMs);
  const notifier = createOpsgenieNotifier(
    { type: 'opsgenie', name: 'og-ops', apiKey: new Secret(GENIE_KEY), url: receiver.url },
    deps,
  );
  return fixture(receiver, GENIE_KEY, agent, notifier);
});

describeNotifier('jsm', async ({ timeoutMs }) => {
  const receiver = await startFakeJsm({ apiKey: GENIE_KEY });
  const { deps, agent } = depsFor(timeoutMs);
  const notifier = createJsmNotifier(
    { type: 'jsm', name: 'jsm-ops', apiKey: new Secret(GENIE_KEY), url: receiver.url },
    deps,
  );
  return fixture(receiver, GENIE_KEY, agent, notifier);
});

describeNotifier('webhook', async ({ timeoutMs }) => {
  const receiver = await startFakeWebhook(WEBHOOK_SECRET);
  const { deps, agent } = depsFor(timeoutMs);
  const notifier = createWebhookNotifier(
    { type: 'webhook', name: 'ops-webhook', url: receiver.url, secret: new Secret(WEBHOOK_SECRET) },
    deps,
  );
  return fixture(receiver, WEBHOOK_SECRET, agent, notifier);
});

describe('notifiers against their fakes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function track<T extends { close(): Promise<void> }>(resource: T): T {
    cleanups.push(() => resource.close());
    return resource;
  }

  function deps(): HttpNotifierDeps {
    const { deps, agent } = depsFor(2_000);
    cleanups.push(() => agent.destroy());
    return deps;
  }

  it('PagerDuty: a trigger opens the incident and a resolve with the same dedup key closes it', async () => {
    const pd = track(await startFakePagerDuty());
    const notifier = createPagerDutyNotifier(
      { type: 'pagerduty', name: 'pd', routingKey: new Secret(ROUTING_KEY), url: pd.url },
      deps(),
    );
    await notifier.send(perKeyDelivery(listedAlert));
    expect(pd.incidents.get('rblwatch:203.0.113.7:zen.spamhaus.org')).toBe('triggered');
    await notifier.send(perKeyDelivery(delistedAlert));
    expect(pd.incidents.get('rblwatch:203.0.113.7:zen.spamhaus.org')).toBe('resolved');
    expect(pd.requests.map((request) => request.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(pd.requests[1]?.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'rblwatch:203.0.113.7:zen.spamhaus.org',
    });
  });

  it('PagerDuty: a refused routing key surfaces as a final error naming PagerDuty, without the key', async () => {
    const pd = track(await startFakePagerDuty());
    const notifier = createPagerDutyNotifier(
      { type: 'pagerduty', name: 'pd', routingKey: new Secret('too-short-key'), url: pd.url },
      deps(),
    );
    const error = await notifier.send(perKeyDelivery(listedAlert)).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(String((error as Error).message)).toMatch(/^PagerDuty \(http:\/\/127\.0\.0\.1:\d+\) rejected/);
    expect(String((error as Error).message)).not.toContain('too-short-key');
  });

  it('Opsgenie: creates with GenieKey auth and closes by URL-encoded alias', async () => {
    const og = track(await startFakeOpsgenie({ apiKey: GENIE_KEY }));
    const notifier = createOpsgenieNotifier(
      { type: 'opsgenie', name: 'og', apiKey: new Secret(GENIE_KEY), url: og.url },
      deps(),
    );
    await notifier.send(perKeyDelivery(listedAlert));
    await notifier.send(perKeyDelivery(delistedAlert));
    expect(og.requests[0]?.path).toBe('/v2/alerts');
    expect(og.requests[0]?.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    expect(og.requests[1]?.path).toBe(
      '/v2/alerts/rblwatch%3A203.0.113.7%3Azen.spamhaus.org/close?identifierType=alias',
    );
    expect(og.alerts.get('rblwatch:203.0.113.7:zen.spamhaus.org')).toBe('closed');
  });

  it('Opsgenie: a wrong key is a final 401', async () => {
    const og = track(await startFakeOpsgenie({ apiKey: GENIE_KEY }));
    const notifier = createOpsgenieNotifier(
      { type: 'opsgenie', name: 'og', apiKey: new Secret('another-key'), url: og.url },
      deps(),
    );
    await expect(notifier.send(perKeyDelivery(listedAlert))).rejects.toMatchObject({
      retryable: false,
      status: 401,
    });
  });

  it('JSM Ops: the same requests under /jsm/ops/integration', async () => {
    const jsm = track(await startFakeJsm({ apiKey: GENIE_KEY }));
    const notifier = createJsmNotifier(
      { type: 'jsm', name: 'jsm', apiKey: new Secret(GENIE_KEY), url: jsm.url },
      deps(),
    );
    await notifier.send(perKeyDelivery(listedAlert));
    await notifier.send(perKeyDelivery(delistedAlert));
    expect(jsm.requests.map((request) => request.path)).toEqual([
      '/jsm/ops/integration/v2/alerts',
      '/jsm/ops/integration/v2/alerts/rblwatch%3A203.0.113.7%3Azen.spamhaus.org/close?identifierType=alias',
    ]);
    expect(jsm.alerts.get('rblwatch:203.0.113.7:zen.spamhaus.org')).toBe('closed');
  });

  it('webhook: the receiver verifies the signature over the raw body and sees the delivery id', async () => {
    const hook = track(await startFakeWebhook(WEBHOOK_SECRET));
    const notifier = createWebhookNotifier(
      { type: 'webhook', name: 'hook', url: hook.url, secret: new Secret(WEBHOOK_SECRET) },
      deps(),
    );
    const delivery = groupedDelivery(rangeListings(3));
    await notifier.send(delivery);
    const [request] = hook.requests;
    expect(request?.verified).toBe(true);
    expect(request?.headers['x-rblwatch-delivery']).toBe(delivery.id);
    expect(request?.headers['user-agent']).toBe('rblwatch');
    expect(request?.json).toMatchObject({ type: 'rblwatch.alerts', version: 1, count: 3, kind: 'listed' });
    expect(
      verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        timestamp: request?.headers['x-rblwatch-timestamp'] as string,
        signature: request?.headers['x-rblwatch-signature'] as string,
        body: request?.rawBody ?? '',
        now: new Date(),
      }),
    ).toBe(true);
  });

  it('webhook: a receiver with another secret refuses (401, final)', async () => {
    const hook = track(await startFakeWebhook('a-different-secret'));
    const notifier = createWebhookNotifier(
      { type: 'webhook', name: 'hook', url: hook.url, secret: new Secret(WEBHOOK_SECRET) },
      deps(),
    );
    await expect(notifier.send(groupedDelivery(rangeListings(2)))).rejects.toMatchObject({
      retryable: false,
      status: 401,
    });
    expect(hook.requests[0]?.verified).toBe(false);
  });

  it('webhook: a retry long after the first attempt is signed afresh and still verifies', async () => {
    let now = new Date('2026-11-28T10:05:00.000Z');
    const hook = track(await startFakeWebhook(WEBHOOK_SECRET, { now: () => now }));
    const { dispatcher, timeoutMs } = deps();
    const notifier = createWebhookNotifier(
      { type: 'webhook', name: 'hook', url: hook.url, secret: new Secret(WEBHOOK_SECRET) },
      { dispatcher, timeoutMs, clock: () => now },
    );
    hook.script({ status: 503 });
    const delivery = groupedDelivery(rangeListings(1));
    await expect(notifier.send(delivery)).rejects.toMatchObject({ retryable: true });
    now = new Date('2026-11-28T11:05:00.000Z');
    await notifier.send(delivery);
    expect(hook.requests.map((request) => request.verified)).toEqual([true, true]);
    expect(hook.requests[1]?.headers['x-rblwatch-timestamp']).toBe(
      String(Date.parse(now.toISOString()) / 1000),
    );
  });
});
