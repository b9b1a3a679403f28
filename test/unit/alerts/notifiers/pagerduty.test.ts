import { describe, expect, it } from 'vitest';
import {
  buildPagerDutyEvent,
  type PagerDutyEvent,
  type PagerDutyTriggerEvent,
} from '../../../../src/alerts/notifiers/pagerduty.ts';
import type { Alert } from '../../../../src/domain/alert.ts';
import { DeliveryError } from '../../../../src/domain/delivery-error.ts';
import type { Severity } from '../../../../src/domain/zone.ts';
import {
  deliveryFailedAlert,
  listedAlert,
  perKeyDelivery,
  scanFailedAlert,
  zoneDegradedAlert,
} from '../../../fixtures/alerts.ts';

const params = { routingKey: 'R0UT1NGKEY0123456789abcdefABCDEF' };

function trigger(event: PagerDutyEvent): PagerDutyTriggerEvent {
  if (event.event_action !== 'trigger') throw new Error(`expected a trigger, got ${event.event_action}`);
  return event;
}

describe('buildPagerDutyEvent', () => {
  it.each([
    ['critical', 'critical'],
    ['major', 'error'],
    ['minor', 'warning'],
    ['info', 'info'],
  ] as const)('maps severity %s to %s', (severity: Severity, expected) => {
    const event = trigger(buildPagerDutyEvent(perKeyDelivery({ ...listedAlert, severity }), params));
    expect(event.payload.severity).toBe(expected);
  });

  it("uses 'rblwatch' as source for zone and notice alerts, which have no target", () => {
    for (const alert of [zoneDegradedAlert, scanFailedAlert]) {
      const event = trigger(buildPagerDutyEvent(perKeyDelivery(alert), params));
      expect(event.payload.source).toBe('rblwatch');
      expect(event.payload.class).toBe(alert.kind);
    }
    const degraded = trigger(buildPagerDutyEvent(perKeyDelivery(zoneDegradedAlert), params));
    expect(degraded.payload.summary).toBe(
      'Zone bl.example degraded: test point 127.0.0.2 not listed for 3 scans (timeout)',
    );
    expect(degraded.dedup_key).toBe('rblwatch:zone:bl.example');
  });

  it('prefixes test deliveries with [TEST] and flags them in custom_details', () => {
    const event = trigger(buildPagerDutyEvent(perKeyDelivery(listedAlert, { test: true }), params));
    expect(event.payload.summary).toMatch(/^\[TEST\] 203\.0\.113\.7 listed on zen\.spamhaus\.org/);
    expect(event.payload.custom_details.test).toBe(true);
    const flagged = trigger(buildPagerDutyEvent(perKeyDelivery({ ...listedAlert, test: true }), params));
    expect(flagged.payload.summary).toMatch(/^\[TEST\] /);
  });

  it('caps the summary at 1024 characters and cleans control characters out of TXT', () => {
    const long: Alert = { ...listedAlert, meanings: ['x'.repeat(5_000)], txt: ['a\u0000b\u001bc'] };
    const event = trigger(buildPagerDutyEvent(perKeyDelivery(long), params));
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload.custom_details.txt).toEqual(['a b c']);
  });

  it('links only https delist pages', () => {
    const plain = trigger(
      buildPagerDutyEvent(perKeyDelivery({ ...listedAlert, delist: 'http://x.example' }), params),
    );
    expect(plain.links).toBeUndefined();
    const script = trigger(
      buildPagerDutyEvent(perKeyDelivery({ ...listedAlert, delist: 'javascript:alert(1)' }), params),
    );
    expect(script.links).toBeUndefined();
  });

  it('mentions listings that predate watching in the summary', () => {
    const event = trigger(buildPagerDutyEvent(perKeyDelivery({ ...listedAlert, initial: true }), params));
    expect(event.payload.summary).toContain('already listed when watching began');
    expect(event.payload.custom_details.initial).toBe(true);
  });

  it('sends a notify without a dedup key as a trigger keyed by the delivery id (stable across retries)', () => {
    const delivery = perKeyDelivery(deliveryFailedAlert);
    expect(delivery.action).toBe('notify');
    const event = trigger(buildPagerDutyEvent(delivery, params));
    expect(event.dedup_key).toBe(`rblwatch:delivery:${delivery.id}`);
    expect(buildPagerDutyEvent(delivery, params)).toEqual(event);
  });

  it('cuts dedup keys to 255 characters, the same way for a trigger and its resolve', () => {
    const dedupKey = `rblwatch:${'a'.repeat(300)}`;
    const opened = buildPagerDutyEvent(perKeyDelivery(listedAlert, { dedupKey }), params);
    const closed = buildPagerDutyEvent(perKeyDelivery(listedAlert, { dedupKey, action: 'resolve' }), params);
    expect(opened.dedup_key).toHaveLength(255);
    expect(closed.dedup_key).toBe(opened.dedup_key);
  });

  it('refuses, as final, a delivery that is not exactly one alert or a resolve without a key', () => {
    const none = () => buildPagerDutyEvent(perKeyDelivery(listedAlert, { alerts: [] }), params);
    const two = () =>
      buildPagerDutyEvent(perKeyDelivery(listedAlert, { alerts: [listedAlert, listedAlert] }), params);
    const keyless = () =>
      buildPagerDutyEvent({ id: 'd-1', destination: 'pd', action: 'resolve', alerts: [listedAlert] }, params);
    for (const build of [none, two, keyless]) {
      expect(build).toThrow(DeliveryError);
      try {
        build();
      } catch (error) {
        expect((error as DeliveryError).retryable).toBe(false);
      }
    }
  });
});
