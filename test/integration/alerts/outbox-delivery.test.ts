/**
 * Alert delivery end to end: `createAlerting` with the real outbox, the real notifiers (built by `createNotifiers`)
 * and real undici Agents, against the local fakes of PagerDuty, Opsgenie, JSM Ops and a webhook receiver on
 * 127.0.0.1, including their failure modes (400, 429 with Retry-After, 5xx, connection resets, a server that never
 * answers). Every routed event must arrive, in order per key, and be accepted exactly once; failed attempts may
 * repeat, as the at-least-once contract allows.
 *
 * Time is a fake clock (routing, backoff, Retry-After and webhook timestamps all read it) advanced between passes
 * of `deliverDue()`; jitter is a fixed `random`. Only the "never answers" case spends real time (one notifier
 * timeout).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Alerting, createAlerting } from '../../../src/alerts/alerting.ts';
import {
  createNotifiers,
  type DestinationConfig,
  destinationMode,
} from '../../../src/alerts/notifiers/registry.ts';
import { verifyWebhookSignature } from '../../../src/alerts/notifiers/webhook.ts';
import type { PassResult, RetryPolicy } from '../../../src/alerts/outbox.ts';
import type { Route } from '../../../src/alerts/route.ts';
import type { Alert } from '../../../src/domain/alert.ts';
import { Secret } from '../../../src/domain/secret.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { delistedAlert, listedAlert, RUN_ID, rangeListings } from '../../fixtures/alerts.ts';
import {
  type FakeReceiver,
  type RecordedRequest,
  type ScriptedResponse,
  startFakeJsm,
  startFakeOpsgenie,
  startFakePagerDuty,
  startFakeWebhook,
} from '../../helpers/fake-alert-receivers.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

/** PagerDuty integration keys are 32 characters; the fake refuses anything else, as PagerDuty does. */
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const GENIE_KEY = 'genie-5f0c6d1e-7a2b-4c3d-9e8f-0a1b2c3d4e5f';
const WEBHOOK_SECRET = 'whsec_9c1f7e2ad4b84f0e8a6b3c5d7e9f1a2b';

/**
 * One attempt's upper bound. Short, because the "never answers" case waits it out in real time; long enough that a
 * loopback answer under CI load is never mistaken for a hang (which would turn into a legitimate, but here
 * unexpected, duplicate).
 */
const TIMEOUT_MS = 1_000;
/** Backoff well under the 429's Retry-After, so honouring it shows. Random 0.5 makes the jitter factor 0.75. */
const RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 4_000, horizonMs: 3_600_000 };
/** Fake time advanced between passes while draining. */
const STEP_MS = 1_000;
const START = Date.parse('2026-11-28T10:05:00.000Z');
const DELIST_RUN = delistedAlert.runId as string;

// --- fake time ---------------------------------------------------------------------------------------------------

let now = START;
const clock = (): Date => new Date(now);
function advance(ms: number): void {
  now += ms;
}

// --- cleanup -----------------------------------------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];

/** Registers a cleanup for afterEach and returns it, runnable early (it runs once). */
function onCleanup(fn: () => Promise<unknown>): () => Promise<void> {
  let done = false;
  const run = async (): Promise<void> => {
    if (done) return;
    done = true;
    await fn();
  };
  cleanups.push(run);
  return run;
}

// --- the fakes, with what each request was answered and when -----------------------------------------------------

interface Service<R extends FakeReceiver> {
  readonly fake: R;
  /** Queue answers for the next requests. Only between passes, so it is known which request got which. */
  script(...responses: ScriptedResponse[]): void;
  /** The scripted answer request `index` got, or `undefined` when the fake answered as the real service. */
  answerTo(index: number): ScriptedResponse | undefined;
  /** Whether request `index` was accepted (an unscripted answer to a valid request, or a scripted 2xx). */
  accepted(index: number): boolean;
  /** Fake time of each request (the clock stands still during a pass). */
  readonly at: number[];
  /** Records the requests received since the last call. */
  sync(): void;
}

let services: Service<FakeReceiver>[] = [];

async function service<R extends FakeReceiver>(start: () => Promise<R>): Promise<Service<R>> {
  const fake = await start();
  onCleanup(() => fake.close());
  const queue: ScriptedResponse[] = [];
  const answers: (ScriptedResponse | undefined)[] = [];
  const at: number[] = [];
  const sync = (): void => {
    while (answers.length < fake.requests.length) answers.push(queue.shift());
    while (at.length < fake.requests.length) at.push(now);
  };
  const created: Service<R> = {
    fake,
    at,
    sync,
    script(...responses) {
      sync();
      queue.push(...responses);
      fake.script(...responses);
    },
    answerTo(index) {
      sync();
      return answers[index];
    },
    accepted(index) {
      const answer = created.answerTo(index);
      return answer === undefined || (typeof answer === 'object' && answer.status < 300);
    },
  };
  services.push(created);
  return created;
}

// --- alerting over real notifiers --------------------------------------------------------------------------------

interface Harness {
  readonly alerting: Alerting;
  readonly repo: ListingRepository;
  readonly lines: Record<string, unknown>[];
  /** Closes the store and the agent (a process going away). */
  close(): Promise<void>;
}

async function startAlerting(options: {
  readonly destinations: readonly DestinationConfig[];
  readonly routes: readonly Route[];
  readonly store?: string;
  readonly groupWindowMs?: number;
}): Promise<Harness> {
  const agent = new Agent({ connect: { timeout: 2_000 }, keepAliveTimeout: 1_000 });
  const closeAgent = onCleanup(() => agent.destroy());
  const repo = await openStore(options.store ?? 'memory:');
  const closeRepo = onCleanup(() => repo.close());
  const { log, lines } = createMemoryLog();
  const alerting = createAlerting({
    repo,
    routes: options.routes,
    modes: new Map(
      options.destinations.map((destination) => [destination.name, destinationMode(destination.type)]),
    ),
    notifiers: createNotifiers(options.destinations, {
      http: { dispatcher: agent, timeoutMs: TIMEOUT_MS, clock },
      chat: {},
    }),
    log,
    groupWindowMs: options.groupWindowMs ?? 60_000,
    retry: RETRY,
    clock,
    random: () => 0.5,
  });
  await alerting.open();
  return {
    alerting,
    repo,
    lines,
    async close() {
      await closeRepo();
      await closeAgent();
    },
  };
}

/** One `deliverDue()` at the current fake time; every fake's requests are then stamped with it. */
async function pass(harness: Harness, flush = false): Promise<PassResult> {
  const result = await harness.alerting.outbox.deliverDue({ flush });
  for (const each of services) each.sync();
  return result;
}

/** Advances the fake clock a step at a time, one pass per step, until nothing is pending. */
async function drain(harness: Harness, maxSteps = 300): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (!harness.alerting.outbox.items().some((item) => item.status === 'pending')) return;
    advance(STEP_MS);
    await pass(harness);
  }
  throw new Error(`the outbox still has pending items after ${maxSteps} steps`);
}

/**
 * Per key, what the fake saw in order: `<action>:ok` for accepted requests, `<action>:failed` for the rest.
 * A key delivered in order, each event accepted exactly once, reads `(trigger:failed )*trigger:ok
 * (resolve:failed )*resolve:ok`.
 */
function attemptsByKey(
  svc: Service<FakeReceiver>,
  describeRequest: (request: RecordedRequest) => { key: string; action: string },
): Map<string, string> {
  const byKey = new Map<string, string[]>();
  svc.fake.requests.forEach((request, index) => {
    const { key, action } = describeRequest(request);
    const list = byKey.get(key) ?? [];
    list.push(`${action}:${svc.accepted(index) ? 'ok' : 'failed'}`);
    byKey.set(key, list);
  });
  return new Map([...byKey].map(([key, list]) => [key, list.join(' ')]));
}

function pagerDutyRequest(request: RecordedRequest): { key: string; action: string } {
  const event = request.json as { dedup_key: string; event_action: string };
  return { key: event.dedup_key, action: event.event_action };
}

/** Opsgenie and JSM: creates carry the alias in the body, closes in the path. */
function alertApiRequest(request: RecordedRequest): { key: string; action: string } {
  const close = /\/v2\/alerts\/([^/?]+)\/close(\?|$)/.exec(request.path);
  if (close?.[1] !== undefined) return { key: decodeURIComponent(close[1]), action: 'close' };
  return { key: (request.json as { alias: string }).alias, action: 'create' };
}

function header(request: RecordedRequest | undefined, name: string): string | undefined {
  const value = request?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Verifies a webhook request the way a receiver must: raw bytes, headers as received, its own clock. */
function signatureChecksOut(request: RecordedRequest | undefined, at: number): boolean {
  if (request === undefined) return false;
  return verifyWebhookSignature({
    secret: WEBHOOK_SECRET,
    timestamp: header(request, 'x-rblwatch-timestamp'),
    signature: header(request, 'x-rblwatch-signature'),
    body: request.rawBody,
    now: new Date(at),
  });
}

interface WebhookBody {
  readonly id: string;
  readonly kind: string;
  readonly count: number;
  readonly alerts: Alert[];
}

function webhookBody(request: RecordedRequest | undefined): WebhookBody {
  return request?.json as WebhookBody;
}

// --- alerts ------------------------------------------------------------------------------------------------------

interface Pair {
  readonly target: string;
  readonly zone: string;
}

function pairsOf(targets: readonly string[], zones: readonly string[]): Pair[] {
  return targets.flatMap((target) => zones.map((zone) => ({ target, zone })));
}

function listingsOf(pairs: readonly Pair[]): Alert[] {
  return pairs.map(({ target, zone }, n) => ({ ...listedAlert, id: `${RUN_ID}:${n + 1}`, target, zone }));
}

function delistingsOf(pairs: readonly Pair[]): Alert[] {
  return pairs.map(({ target, zone }, n) => ({
    ...delistedAlert,
    id: `${DELIST_RUN}:${n + 1}`,
    runId: DELIST_RUN,
    target,
    zone,
  }));
}

const keyOf = ({ target, zone }: Pair): string => `rblwatch:${target}:${zone}`;

function pagerDuty(url: string, routingKey = ROUTING_KEY): DestinationConfig {
  return { type: 'pagerduty', name: 'pd-ops', routingKey: new Secret(routingKey), url };
}

function webhook(url: string): DestinationConfig {
  return { type: 'webhook', name: 'ops-webhook', url, secret: new Secret(WEBHOOK_SECRET) };
}

function retryWarnings(lines: readonly Record<string, unknown>[]): string[] {
  return lines
    .map((line) => String(line.msg ?? ''))
    .filter((msg) => msg.startsWith('delivery failed, will retry'));
}

beforeEach(() => {
  now = START;
  services = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// --- the tests ---------------------------------------------------------------------------------------------------

describe('outbox delivery against the fake services', () => {
  it('PagerDuty: through 5xx, resets, a 429 with Retry-After and a hang, every trigger and resolve is accepted once, in order', async () => {
    const pd = await service(startFakePagerDuty);
    const h = await startAlerting({
      destinations: [pagerDuty(pd.fake.url)],
      routes: [{ match: {}, to: ['pd-ops'] }],
    });
    const pairs = pairsOf(
      ['203.0.113.7', '203.0.113.8', '203.0.113.9', '203.0.113.10'],
      ['zen.spamhaus.org', 'bl.spamcop.net'],
    );

    // The listings go out while the service misbehaves: the first four requests fail, one way each.
    pd.script(
      { status: 500, body: { status: 'error', message: 'internal error' } },
      'reset',
      {
        status: 429,
        headers: { 'retry-after': '30' },
        body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
      },
      'hang',
    );
    expect(await h.alerting.route(listingsOf(pairs))).toHaveLength(8);
    // One request at a time to a destination, and a failure backs the whole destination off: the other seven
    // triggers are not fired at a service that has just answered 500.
    expect(await pass(h)).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(pd.fake.requests).toHaveLength(1);

    // The delistings are routed while every trigger still waits; each resolve waits behind its own trigger.
    advance(2_000);
    expect(await h.alerting.route(delistingsOf(pairs))).toHaveLength(8);
    await drain(h);
    pd.script(
      { status: 502, body: 'Bad Gateway' },
      'reset',
      { status: 500, body: { status: 'error', message: 'internal error' } },
      'reset',
      { status: 503, body: 'Service Unavailable' },
    );
    expect(h.alerting.outbox.items()).toEqual([]);
    // A second wave of listings and delistings meets five more failures.
    const more = pairsOf(['203.0.113.11', '203.0.113.12'], ['zen.spamhaus.org', 'bl.spamcop.net']);
    await h.alerting.route(listingsOf(more).map((alert, n) => ({ ...alert, id: `${RUN_ID}:${n + 101}` })));
    await h.alerting.route(
      delistingsOf(more).map((alert, n) => ({ ...alert, id: `${DELIST_RUN}:${n + 101}` })),
    );
    await drain(h);

    // Every failure is one extra request; nothing accepted was sent again.
    const everyPair = [...pairs, ...more];
    expect(pd.fake.requests).toHaveLength(2 * everyPair.length + 9);
    const attempts = attemptsByKey(pd, pagerDutyRequest);
    expect([...attempts.keys()].sort()).toEqual(everyPair.map(keyOf).sort());
    for (const [key, sequence] of attempts) {
      expect(sequence, key).toMatch(/^(trigger:failed )*trigger:ok (resolve:failed )*resolve:ok$/);
      expect(pd.fake.incidents.get(key), key).toBe('resolved');
    }
    // A retry re-sends the same bytes.
    const bodies = new Map<string, Set<string>>();
    for (const request of pd.fake.requests) {
      const { key, action } = pagerDutyRequest(request);
      const set = bodies.get(`${key} ${action}`) ?? new Set<string>();
      set.add(request.rawBody);
      bodies.set(`${key} ${action}`, set);
    }
    for (const [what, set] of bodies) expect(set.size, what).toBe(1);

    // After each failure nothing reached the service before the destination's backoff was over; after the 429,
    // nothing for 30 s of fake time (Retry-After), although the backoff alone would have allowed it much sooner;
    // then it was asked again as soon as that was up.
    const throttled = pd.fake.requests.findIndex((_, index) => {
      const answer = pd.answerTo(index);
      return typeof answer === 'object' && answer.status === 429;
    });
    expect(throttled).toBeGreaterThanOrEqual(0);
    expect((pd.at[throttled + 1] as number) - (pd.at[throttled] as number)).toBe(30_000);
    for (let index = 0; index + 1 < pd.fake.requests.length; index++) {
      if (pd.accepted(index)) continue;
      expect(
        (pd.at[index + 1] as number) - (pd.at[index] as number),
        `after request ${index}`,
      ).toBeGreaterThan(0);
    }

    // Each failure mode was met as what it is.
    const warnings = retryWarnings(h.lines);
    expect(warnings).toHaveLength(9);
    expect(warnings.filter((msg) => msg.includes('(HTTP 500)'))).toHaveLength(2);
    expect(warnings.filter((msg) => msg.includes('(HTTP 503)'))).toHaveLength(1);
    expect(warnings.filter((msg) => msg.includes('(HTTP 502)'))).toHaveLength(1);
    expect(
      warnings.filter((msg) => msg.includes('is rate limiting (HTTP 429); retry after 30 s')),
    ).toHaveLength(1);
    expect(warnings.filter((msg) => msg.includes(`did not answer within ${TIMEOUT_MS} ms`))).toHaveLength(1);
    expect(warnings.filter((msg) => msg.includes('unreachable'))).toHaveLength(3);

    expect(h.alerting.outbox.items()).toEqual([]);
    expect(await h.repo.alerts.listOutbox()).toEqual([]);
  });

  it('PagerDuty: a 400 is not retried, is kept as failed with the answer, and a signed notice reaches the webhook', async () => {
    const pd = await service(startFakePagerDuty);
    const hook = await service(() => startFakeWebhook(WEBHOOK_SECRET, { now: clock }));
    // 31 characters: the fake refuses it the way PagerDuty does, with 400 "invalid event".
    const badKey = 'R0UT1NGKEY0123456789abcdefABCDE';
    const h = await startAlerting({
      destinations: [pagerDuty(pd.fake.url, badKey), webhook(hook.fake.url)],
      routes: [{ match: { kind: ['listed', 'delisted'] }, to: ['pd-ops'] }],
    });
    const [alert] = listingsOf([{ target: '203.0.113.7', zone: 'zen.spamhaus.org' }]);
    await h.alerting.route([alert as Alert]);

    const first = await pass(h);
    expect(first.failed).toBe(1);
    expect(pd.fake.requests).toHaveLength(1);
    // Hours later, still one request: a refusal is final.
    for (let step = 0; step < 12; step++) {
      advance(600_000);
      await pass(h);
    }
    expect(pd.fake.requests).toHaveLength(1);
    expect(pd.fake.incidents.size).toBe(0);

    const stored = await h.repo.alerts.listOutbox();
    expect(stored).toHaveLength(1);
    const [failed] = stored;
    expect(failed).toMatchObject({
      id: `${alert?.id}>pd-ops`,
      destination: 'pd-ops',
      status: 'failed',
      attempts: 1,
      lastStatus: 400,
      failedAt: new Date(START).toISOString(),
    });
    expect(failed?.lastError).toContain('rejected the request (HTTP 400)');
    expect(failed?.lastError).toContain('routing_key must be a 32 character string');
    expect(failed?.lastError).not.toContain(badKey);
    expect(h.alerting.outbox.items()).toEqual(stored);

    // No route takes delivery-failed notices, so the webhook (the other grouped destination) gets one, at once.
    expect(hook.fake.requests).toHaveLength(1);
    const [notice] = hook.fake.requests;
    expect(notice?.verified).toBe(true);
    expect(signatureChecksOut(notice, hook.at[0] as number)).toBe(true);
    expect(
      verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        timestamp: header(notice, 'x-rblwatch-timestamp'),
        signature: header(notice, 'x-rblwatch-signature'),
        body: `${notice?.rawBody} `,
        now: clock(),
      }),
    ).toBe(false);
    const body = webhookBody(notice);
    expect(header(notice, 'x-rblwatch-delivery')).toBe(body.id);
    expect(body).toMatchObject({ kind: 'delivery-failed', count: 1 });
    expect(body.alerts[0]).toMatchObject({
      kind: 'delivery-failed',
      target: '203.0.113.7',
      zone: 'zen.spamhaus.org',
    });
    expect(body.alerts[0]?.detail).toContain('HTTP 400');
    expect(body.alerts[0]?.detail).toContain('routing_key must be a 32 character string');
  });

  it('Opsgenie and JSM: create then close by alias, in order, through 5xx and resets', async () => {
    const og = await service(() => startFakeOpsgenie({ apiKey: GENIE_KEY }));
    const jsm = await service(() => startFakeJsm({ apiKey: GENIE_KEY }));
    const h = await startAlerting({
      destinations: [
        { type: 'opsgenie', name: 'og-ops', apiKey: new Secret(GENIE_KEY), url: og.fake.url },
        { type: 'jsm', name: 'jsm-ops', apiKey: new Secret(GENIE_KEY), url: jsm.fake.url },
      ],
      routes: [{ match: {}, to: ['og-ops', 'jsm-ops'] }],
    });
    const pairs = pairsOf(['203.0.113.7', '203.0.113.8'], ['zen.spamhaus.org', 'b.barracudacentral.org']);

    og.script({ status: 500, body: { message: 'Internal Server Error', took: 0 } }, 'reset');
    jsm.script('reset', { status: 503, body: 'Service Unavailable' });
    await h.alerting.route(listingsOf(pairs));
    // One request at a time per destination: each service's first answer is a failure, which backs it off.
    expect(await pass(h)).toEqual({ delivered: 0, retried: 2, failed: 0 });
    advance(2_000);
    await h.alerting.route(delistingsOf(pairs));
    og.script('reset');
    jsm.script({ status: 500, body: { message: 'Internal Server Error', took: 0 } });
    await pass(h);
    await drain(h);

    for (const svc of [og, jsm]) {
      expect(svc.fake.requests).toHaveLength(8 + 3);
      const attempts = attemptsByKey(svc, alertApiRequest);
      expect([...attempts.keys()].sort()).toEqual(pairs.map(keyOf).sort());
      for (const [alias, sequence] of attempts) {
        expect(sequence, alias).toMatch(/^(create:failed )*create:ok (close:failed )*close:ok$/);
        expect(svc.fake.alerts.get(alias), alias).toBe('closed');
      }
      for (const request of svc.fake.requests) {
        expect(header(request, 'authorization')).toBe(`GenieKey ${GENIE_KEY}`);
        if (alertApiRequest(request).action === 'close')
          expect(request.path).toContain('?identifierType=alias');
      }
    }
    expect(
      jsm.fake.requests.every((request) => request.path.startsWith('/jsm/ops/integration/v2/alerts')),
    ).toBe(true);
    expect(h.alerting.outbox.items()).toEqual([]);
    expect(await h.repo.alerts.listOutbox()).toEqual([]);
  });

  it('webhook: ten listings of one /24 within the window are one signed POST', async () => {
    const hook = await service(() => startFakeWebhook(WEBHOOK_SECRET, { now: clock }));
    const h = await startAlerting({
      destinations: [webhook(hook.fake.url)],
      routes: [{ match: {}, to: ['ops-webhook'] }],
      groupWindowMs: 60_000,
    });
    const alerts = rangeListings(10);
    await h.alerting.route(alerts.slice(0, 6));
    advance(20_000);
    await h.alerting.route(alerts.slice(6));
    await pass(h);
    advance(39_000);
    await pass(h);
    expect(hook.fake.requests).toHaveLength(0);
    // The window runs from the first alert: at 60 s all ten go, the late four included.
    advance(1_000);
    expect(await pass(h)).toEqual({ delivered: 1, retried: 0, failed: 0 });
    advance(120_000);
    await pass(h);

    expect(hook.fake.requests).toHaveLength(1);
    const [request] = hook.fake.requests;
    expect(request?.verified).toBe(true);
    expect(signatureChecksOut(request, hook.at[0] as number)).toBe(true);
    const body = webhookBody(request);
    expect(header(request, 'x-rblwatch-delivery')).toBe(`batch:${alerts[0]?.id}>ops-webhook`);
    expect(body).toMatchObject({ id: `batch:${alerts[0]?.id}>ops-webhook`, kind: 'listed', count: 10 });
    expect(body.alerts.map((alert) => alert.target)).toEqual(alerts.map((alert) => alert.target));
    for (const alert of body.alerts) {
      expect(alert).toMatchObject({ entry: '198.51.100.0/24', labels: { owner: 'hosting', team: 'noc' } });
    }
    expect(h.alerting.outbox.items()).toEqual([]);
    expect(await h.repo.alerts.listOutbox()).toEqual([]);
  });

  it('webhook: a retry after a 500 re-sends the same delivery id and alerts; later alerts wait for their own', async () => {
    const hook = await service(() => startFakeWebhook(WEBHOOK_SECRET, { now: clock }));
    const h = await startAlerting({
      destinations: [webhook(hook.fake.url)],
      routes: [{ match: {}, to: ['ops-webhook'] }],
      groupWindowMs: 60_000,
    });
    const alerts = rangeListings(11);
    hook.script({ status: 500, body: 'upstream down' });
    await h.alerting.route(alerts.slice(0, 10));
    advance(60_000);
    expect(await pass(h)).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // An eleventh listing arrives while the ten wait for their retry: it is not slipped into their batch.
    await h.alerting.route(alerts.slice(10));
    await drain(h);

    expect(hook.fake.requests).toHaveLength(3);
    const [failed, retried, late] = hook.fake.requests;
    for (const [index, request] of hook.fake.requests.entries()) {
      expect(request.verified).toBe(true);
      expect(signatureChecksOut(request, hook.at[index] as number)).toBe(true);
    }
    const id = `batch:${alerts[0]?.id}>ops-webhook`;
    expect(header(failed, 'x-rblwatch-delivery')).toBe(id);
    expect(header(retried, 'x-rblwatch-delivery')).toBe(id);
    expect(webhookBody(retried).id).toBe(id);
    expect(webhookBody(retried).alerts).toEqual(webhookBody(failed).alerts);
    expect(webhookBody(retried).alerts).toEqual(alerts.slice(0, 10));
    // Signed again at the retry: a fresh timestamp, so a late retry still passes the replay window.
    expect(Number(header(retried, 'x-rblwatch-timestamp'))).toBeGreaterThan(
      Number(header(failed, 'x-rblwatch-timestamp')),
    );
    expect(header(late, 'x-rblwatch-delivery')).toBe(`batch:${alerts[10]?.id}>ops-webhook`);
    expect(webhookBody(late)).toMatchObject({ count: 1, alerts: [alerts[10]] });
    // Its own window: 60 s from when it was routed.
    expect((hook.at[2] as number) - (hook.at[0] as number)).toBe(60_000);
    expect(h.alerting.outbox.items()).toEqual([]);
    expect(await h.repo.alerts.listOutbox()).toEqual([]);
  });

  describe('restart', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rblwatch-outbox-'));
      onCleanup(() => rm(dir, { recursive: true, force: true }));
    });

    it('items routed while the services were down are delivered once by the next process over the same SQLite file', async () => {
      const pd = await service(startFakePagerDuty);
      const hook = await service(() => startFakeWebhook(WEBHOOK_SECRET, { now: clock }));
      const file = join(dir, 'rblwatch.sqlite');
      const destinations = [pagerDuty(pd.fake.url), webhook(hook.fake.url)];
      const routes: Route[] = [{ match: {}, to: ['pd-ops', 'ops-webhook'] }];
      const pairs = pairsOf(['203.0.113.7', '203.0.113.8', '203.0.113.9'], ['zen.spamhaus.org']);

      // First process: both services reset every connection. One request at a time per destination, each failure
      // backing the destination off: six passes, six refusals each.
      pd.script(...Array.from({ length: 6 }, (): ScriptedResponse => 'reset'));
      hook.script(...Array.from({ length: 6 }, (): ScriptedResponse => 'reset'));
      const before = await startAlerting({ destinations, routes, store: file });
      expect(await before.alerting.route([...listingsOf(pairs), ...delistingsOf(pairs)])).toHaveLength(12);
      expect(await pass(before, true)).toEqual({ delivered: 0, retried: 2, failed: 0 });
      while (pd.fake.requests.length < 6) {
        advance(5_000);
        expect(await pass(before)).toMatchObject({ delivered: 0, failed: 0 });
      }
      expect(pd.fake.requests).toHaveLength(6);
      expect(hook.fake.requests).toHaveLength(6);
      expect(pd.fake.requests.every((request) => pagerDutyRequest(request).action === 'trigger')).toBe(true);
      const failedDeliveries = hook.fake.requests.map((request) => header(request, 'x-rblwatch-delivery'));
      const stored = await before.repo.alerts.listOutbox();
      expect(stored).toHaveLength(12);
      expect(stored.every((item) => item.status === 'pending')).toBe(true);
      await before.close();

      // Second process: the services are back.
      advance(60_000);
      const after = await startAlerting({ destinations, routes, store: file });
      expect(
        after.alerting.outbox
          .items()
          .map((item) => item.id)
          .sort(),
      ).toEqual(stored.map((item) => item.id).sort());
      await pass(after);
      await drain(after);

      expect(pd.fake.requests).toHaveLength(6 + 6);
      const attempts = attemptsByKey(pd, pagerDutyRequest);
      expect([...attempts.keys()].sort()).toEqual(pairs.map(keyOf).sort());
      for (const [key, sequence] of attempts) {
        expect(sequence, key).toMatch(/^(trigger:failed )*trigger:ok resolve:ok$/);
        expect(pd.fake.incidents.get(key), key).toBe('resolved');
      }

      // The webhook: each group accepted once and in order (listed before delisted); the listed group under the
      // delivery id its failed attempts carried, with the same alerts.
      expect(hook.fake.requests).toHaveLength(6 + 2);
      const accepted = hook.fake.requests.slice(6);
      expect(accepted.every((request) => request.verified)).toBe(true);
      expect(accepted.map((request) => webhookBody(request).kind)).toEqual(['listed', 'delisted']);
      const [listedAccepted] = accepted;
      expect(header(listedAccepted, 'x-rblwatch-delivery')).toBe(failedDeliveries[0]);
      expect(new Set(failedDeliveries).size).toBe(1);
      expect(webhookBody(listedAccepted).alerts).toEqual(webhookBody(hook.fake.requests[0]).alerts);
      for (const request of accepted) expect(webhookBody(request).count).toBe(3);

      expect(after.alerting.outbox.items()).toEqual([]);
      expect(await after.repo.alerts.listOutbox()).toEqual([]);
      // And the file agrees once reopened.
      await after.close();
      const reopened = await openStore(file);
      onCleanup(() => reopened.close());
      expect(await reopened.alerts.listOutbox()).toEqual([]);
    });
  });
});
