/**
 * The Notifier compliance suite for HTTP notifiers: what every implementation must do with each way a receiver
 * can answer (accept, refuse, rate-limit, fail, reset, hang, redirect), run against each of them over real
 * sockets by test/integration/alerts/notifiers.test.ts, in the spirit of keyv's `core/test-suite`. The outbox
 * relies on exactly these behaviours: `retryable` decides between backoff and giving up, `retryAfterMs` sets the
 * next attempt, and nothing a receiver echoes back may carry a credential into the logs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notifier } from '../../src/alerts/notifiers/notifier.ts';
import { type AlertKind, alertKinds, type Delivery } from '../../src/domain/alert.ts';
import { DeliveryError } from '../../src/domain/delivery-error.ts';
import {
  alertOfKind,
  groupedDelivery,
  listedAlert,
  perKeyDelivery,
  rangeListings,
  reportDelivery,
} from '../fixtures/alerts.ts';
import type { FakeReceiver } from '../helpers/fake-alert-receivers.ts';

/** What a notifier's factory hands the suite. */
export interface NotifierFixture {
  /** The notifier, configured to send to `receiver` with the given timeout. */
  readonly notifier: Notifier;
  /** A fake of the notifier's service, answering success unless scripted. */
  readonly receiver: FakeReceiver;
  /** The destination's credential (routing key, API key, signing secret): it must never appear in an error. */
  readonly secret: string;
  /** Closes the receiver and the dispatcher. */
  close(): Promise<void>;
}

export type NotifierFactory = (options: { readonly timeoutMs: number }) => Promise<NotifierFixture>;

/** Short, so the hang test is quick; long enough for loopback on a loaded CI box. */
const TIMEOUT_MS = 300;

/** A delivery of `kind` shaped for the notifier's mode (a report, for `report`). */
function deliveryFor(notifier: Notifier, kind: AlertKind = listedAlert.kind): Delivery {
  if (kind === 'report') return reportDelivery(undefined, { id: 'd-report' });
  if (notifier.mode === 'per-key') return perKeyDelivery(alertOfKind(kind));
  return groupedDelivery(kind === 'listed' ? rangeListings(3) : [alertOfKind(kind)], {
    id: `d-group-${kind}`,
  });
}

async function sendFailure(
  notifier: Notifier,
  delivery: Delivery,
  signal?: AbortSignal,
): Promise<DeliveryError> {
  const error = await notifier.send(delivery, signal).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

function expectNoSecret(error: DeliveryError, secret: string): void {
  for (const text of [error.message, error.body ?? '', JSON.stringify(error), String(error.stack)]) {
    expect(text).not.toContain(secret);
  }
}

export function describeNotifier(name: string, factory: NotifierFactory): void {
  describe(`Notifier contract: ${name}`, () => {
    let fixture: NotifierFixture;
    let notifier: Notifier;
    let receiver: FakeReceiver;

    beforeEach(async () => {
      fixture = await factory({ timeoutMs: TIMEOUT_MS });
      notifier = fixture.notifier;
      receiver = fixture.receiver;
    });

    afterEach(async () => {
      await fixture.close();
    });

    it('declares a name, a type and a mode', () => {
      expect(notifier.name).not.toBe('');
      expect(notifier.type).not.toBe('');
      expect(['per-key', 'grouped']).toContain(notifier.mode);
    });

    it('resolves when the service accepts (2xx), after exactly one request', async () => {
      await expect(notifier.send(deliveryFor(notifier))).resolves.toBeUndefined();
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.method).toBe('POST');
      expect(receiver.requests[0]?.headers['content-type']).toMatch(/^application\/json/);
      expect(receiver.requests[0]?.json).toBeTypeOf('object');
    });

    it('renders and sends every kind it can be routed without throwing; a pager refuses a report as final', async () => {
      // The config sends reports only to grouped destinations; a pager that got one anyway must not page with it.
      const kinds = alertKinds.filter((kind) => kind !== 'report' || notifier.mode === 'grouped');
      for (const kind of kinds) {
        await expect(notifier.send(deliveryFor(notifier, kind)), kind).resolves.toBeUndefined();
      }
      expect(receiver.requests).toHaveLength(kinds.length);
      for (const request of receiver.requests) expect(request.json).toBeTypeOf('object');
      if (notifier.mode === 'per-key') {
        expect((await sendFailure(notifier, deliveryFor(notifier, 'report'))).retryable).toBe(false);
        expect(receiver.requests).toHaveLength(kinds.length);
      }
    });

    it('treats a 400 as final, keeping the status and the start of the body', async () => {
      receiver.script({ status: 400, body: { status: 'invalid event', errors: ['summary is required'] } });
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.retryable).toBe(false);
      expect(error.code).toBe('NOTIFY_REJECTED');
      expect(error.status).toBe(400);
      expect(error.body).toContain('summary is required');
    });

    it('caps the body it keeps from a refusal', async () => {
      receiver.script({ status: 400, body: 'x'.repeat(100_000) });
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.body?.length).toBeLessThanOrEqual(500);
      expect(error.message.length).toBeLessThan(1_000);
    });

    it('retries a 429 after the Retry-After seconds', async () => {
      receiver.script({ status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '7' } });
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.retryable).toBe(true);
      expect(error.code).toBe('NOTIFY_UNAVAILABLE');
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(7_000);
    });

    it('retries a 500 and a 503', async () => {
      receiver.script({ status: 500, body: 'internal error' }, { status: 503 });
      const first = await sendFailure(notifier, deliveryFor(notifier));
      expect(first).toMatchObject({ retryable: true, status: 500 });
      const second = await sendFailure(notifier, deliveryFor(notifier));
      expect(second).toMatchObject({ retryable: true, status: 503 });
    });

    it('retries when the connection is reset', async () => {
      receiver.script('reset');
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
      expect(receiver.requests).toHaveLength(1);
    });

    it('retries when the service is down (connection refused)', async () => {
      await receiver.close();
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.retryable).toBe(true);
    });

    it('gives up on a service that never answers within the timeout, as a retryable error', async () => {
      receiver.script('hang');
      const started = performance.now();
      const error = await sendFailure(notifier, deliveryFor(notifier));
      const elapsed = performance.now() - started;
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`${TIMEOUT_MS} ms`);
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_500);
    });

    it("stops when the caller's signal aborts, as a retryable error", async () => {
      receiver.script('hang');
      const controller = new AbortController();
      const pending = sendFailure(notifier, deliveryFor(notifier), controller.signal);
      await receiver.waitForRequests(1);
      controller.abort();
      const error = await pending;
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/cancelled/);
    });

    it('never follows a redirect: a 3xx is final and nothing is re-sent', async () => {
      receiver.script({ status: 302, headers: { location: `${receiver.origin}/elsewhere?token=abc` } });
      const error = await sendFailure(notifier, deliveryFor(notifier));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(302);
      expect(error.message).toMatch(/redirect/);
      expect(error.message).not.toContain('token=abc');
      // A later delivery that succeeds is the barrier: had the redirect been followed, or the send repeated, that
      // request would have reached the receiver before this one.
      await notifier.send(deliveryFor(notifier));
      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests.map((request) => request.path)).not.toContain('/elsewhere');
    });

    it('keeps the secret out of errors, even when the service echoes the request back', async () => {
      receiver.script(
        { status: 400, echo: true },
        { status: 500, body: `key ${fixture.secret} rejected` },
        { status: 401, body: { message: `GenieKey ${encodeURIComponent(fixture.secret)} unknown` } },
        'reset',
        'hang',
      );
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expectNoSecret(await sendFailure(notifier, deliveryFor(notifier)), fixture.secret);
      }
      // The echo proves the secret really was in what the service saw (header or body), so redaction did work.
      const echoed = `${JSON.stringify(receiver.requests[0]?.headers)}${receiver.requests[0]?.rawBody}`;
      if (notifier.type !== 'webhook') expect(echoed).toContain(fixture.secret);
      for (const request of receiver.requests) expect(request.path).not.toContain(fixture.secret);
    });

    it('sends the same bytes for the same delivery (retries are replays)', async () => {
      const delivery = deliveryFor(notifier);
      await notifier.send(delivery);
      await notifier.send(delivery);
      const [first, second] = receiver.requests;
      expect(second?.path).toBe(first?.path);
      expect(second?.json).toEqual(first?.json);
    });
  });
}
