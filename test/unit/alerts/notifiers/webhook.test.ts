import { describe, expect, it } from 'vitest';
import {
  buildWebhookPayload,
  signWebhook,
  verifyWebhookSignature,
} from '../../../../src/alerts/notifiers/webhook.ts';
import { DeliveryError } from '../../../../src/domain/delivery-error.ts';
import {
  FIXED_NOW,
  groupedDelivery,
  listedAlert,
  rangeListings,
  zoneDegradedAlert,
} from '../../../fixtures/alerts.ts';

const SECRET = 'whsec_test';
const TIMESTAMP = 1795860300; // FIXED_NOW in Unix seconds
const BODY = '{"a":1}';

describe('signWebhook', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" (checked against openssl)', () => {
    // printf '%s' '1795860300.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expect(signWebhook(SECRET, TIMESTAMP, BODY)).toBe(
      'v1=cca4dc341ac73ec392e20a16a9f7b8aca16dc601fe8ce65662da5bd7e8bef412',
    );
    expect(signWebhook(SECRET, String(TIMESTAMP), Buffer.from(BODY))).toBe(
      signWebhook(SECRET, TIMESTAMP, BODY),
    );
  });
});

describe('verifyWebhookSignature', () => {
  const signature = signWebhook(SECRET, TIMESTAMP, BODY);
  const valid = { secret: SECRET, timestamp: String(TIMESTAMP), body: BODY, signature, now: FIXED_NOW };

  it('accepts a fresh, correctly signed request (string or raw bytes)', () => {
    expect(verifyWebhookSignature(valid)).toBe(true);
    expect(verifyWebhookSignature({ ...valid, body: Buffer.from(BODY) })).toBe(true);
    expect(verifyWebhookSignature({ ...valid, timestamp: TIMESTAMP })).toBe(true);
  });

  it('rejects a changed body, timestamp, secret or signature', () => {
    expect(verifyWebhookSignature({ ...valid, body: '{"a":2}' })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, body: '{"a": 1}' })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, timestamp: String(TIMESTAMP + 1) })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, secret: 'whsec_other' })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, signature: signature.replace(/.$/, '0') })).toBe(false);
  });

  it('rejects malformed or missing headers without throwing', () => {
    for (const bad of [
      undefined,
      '',
      'v1=',
      'v1=zz',
      `v0=${signature.slice(3)}`,
      signature.slice(3),
      'v1=abc',
    ]) {
      expect(verifyWebhookSignature({ ...valid, signature: bad })).toBe(false);
    }
    for (const bad of [undefined, '', 'soon', '1.5', '-1', '1795860300abc']) {
      expect(verifyWebhookSignature({ ...valid, timestamp: bad })).toBe(false);
    }
  });

  it('rejects stale and future timestamps outside the tolerance (default 300 s)', () => {
    const at = (seconds: number) => new Date((TIMESTAMP + seconds) * 1000);
    expect(verifyWebhookSignature({ ...valid, now: at(300) })).toBe(true);
    expect(verifyWebhookSignature({ ...valid, now: at(301) })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, now: at(-300) })).toBe(true);
    expect(verifyWebhookSignature({ ...valid, now: at(-301) })).toBe(false);
    expect(verifyWebhookSignature({ ...valid, now: at(3_600), toleranceSeconds: 7_200 })).toBe(true);
  });

  it('accepts any of several v1 signatures, for secret rotation', () => {
    const old = signWebhook('whsec_old', TIMESTAMP, BODY);
    expect(verifyWebhookSignature({ ...valid, signature: `${old}, ${signature}` })).toBe(true);
    expect(verifyWebhookSignature({ ...valid, signature: old })).toBe(false);
  });
});

describe('buildWebhookPayload', () => {
  it('carries every alert whole, with count, kind and the test flag', () => {
    const alerts = rangeListings(14);
    const payload = buildWebhookPayload(groupedDelivery(alerts, { test: true }));
    expect(payload).toMatchObject({
      type: 'rblwatch.alerts',
      version: 1,
      kind: 'listed',
      count: 14,
      test: true,
    });
    expect(payload.alerts).toEqual(alerts);
  });

  it('refuses, as final, an empty or mixed-kind delivery', () => {
    for (const alerts of [[], [listedAlert, zoneDegradedAlert]]) {
      let error: unknown;
      try {
        buildWebhookPayload(groupedDelivery(alerts));
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).retryable).toBe(false);
    }
  });
});
