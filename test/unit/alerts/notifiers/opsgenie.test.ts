import { describe, expect, it } from 'vitest';
import {
  buildAlertApiRequest,
  buildOpsgenieAlert,
  buildOpsgenieClose,
} from '../../../../src/alerts/notifiers/opsgenie.ts';
import type { Alert } from '../../../../src/domain/alert.ts';
import type { Severity } from '../../../../src/domain/zone.ts';
import {
  delistedAlert,
  hostileAlert,
  listedAlert,
  perKeyDelivery,
  zoneDegradedAlert,
} from '../../../fixtures/alerts.ts';

describe('Opsgenie Alert API payloads', () => {
  it.each([
    ['critical', 'P1'],
    ['major', 'P2'],
    ['minor', 'P3'],
    ['info', 'P5'],
  ] as const)('maps severity %s to %s', (severity: Severity, priority) => {
    expect(buildOpsgenieAlert(perKeyDelivery({ ...listedAlert, severity })).priority).toBe(priority);
  });

  it('keeps every field within its documented limit', () => {
    const huge: Alert = {
      ...listedAlert,
      meanings: ['m'.repeat(20_000)],
      txt: Array.from({ length: 80 }, (_, index) => `txt ${index} ${'t'.repeat(400)}`),
      labels: { tags: Array.from({ length: 40 }, (_, index) => `tag-${index}-${'x'.repeat(60)}`) },
    };
    const body = buildOpsgenieAlert(perKeyDelivery(huge, { dedupKey: `k${'a'.repeat(600)}` }));
    expect(body.message.length).toBeLessThanOrEqual(130);
    expect(body.alias.length).toBe(512);
    expect(body.description.length).toBeLessThanOrEqual(15_000);
    expect(body.tags.length).toBeLessThanOrEqual(20);
    for (const tag of body.tags) expect(tag.length).toBeLessThanOrEqual(50);
    expect(Object.values(body.details).join('').length).toBeLessThan(8_000);
  });

  it('sends details as a flat string map', () => {
    const body = buildOpsgenieAlert(perKeyDelivery(listedAlert));
    for (const value of Object.values(body.details)) expect(typeof value).toBe('string');
  });

  it('uses the zone as entity for zone alerts', () => {
    const body = buildOpsgenieAlert(perKeyDelivery(zoneDegradedAlert));
    expect(body.entity).toBe('bl.example');
    expect(body.message).toBe(
      'Zone bl.example degraded: test point 127.0.0.2 not listed for 3 scans (timeout)',
    );
    expect(body.alias).toBe('rblwatch:zone:bl.example');
  });

  it('marks test deliveries in message, tags and details', () => {
    const body = buildOpsgenieAlert(perKeyDelivery(listedAlert, { test: true }));
    expect(body.message).toMatch(/^\[TEST\] /);
    expect(body.tags).toContain('test');
    expect(body.details.test).toBe('true');
    expect(body.description).toContain('Test alert');
    expect(buildOpsgenieClose(perKeyDelivery(delistedAlert, { test: true })).note).toMatch(/^\[TEST\] /);
  });

  it('keeps hostile TXT as text without control characters', () => {
    const body = buildOpsgenieAlert(perKeyDelivery(hostileAlert));
    expect(body.details.txt).toContain('<!channel> @everyone');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they are gone
    expect(`${body.description}${body.details.txt}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it('closes by alias, percent-encoding it into the path', () => {
    const request = buildAlertApiRequest(
      perKeyDelivery(delistedAlert, { dedupKey: 'rblwatch:mail.example/x?y#z:dbl' }),
      'https://api.eu.opsgenie.com',
    );
    expect(request.url).toBe(
      'https://api.eu.opsgenie.com/v2/alerts/rblwatch%3Amail.example%2Fx%3Fy%23z%3Adbl/close?identifierType=alias',
    );
  });

  it('creates for trigger and notify actions', () => {
    for (const action of ['trigger', 'notify'] as const) {
      const request = buildAlertApiRequest(
        perKeyDelivery(listedAlert, { action }),
        'https://api.opsgenie.com',
      );
      expect(request.url).toBe('https://api.opsgenie.com/v2/alerts');
      expect(request.body).toHaveProperty('message');
    }
  });
});
