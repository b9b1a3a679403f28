import { describe, expect, it } from 'vitest';
import { renderDeliveryMessage } from '../../../src/alerts/notifiers/chat.ts';
import { alertKinds } from '../../../src/domain/alert.ts';
import { toPlainText } from '../../../src/domain/message.ts';
import { alertSummary, renderAlertMessage } from '../../../src/render/alert-message.ts';
import {
  alertOfKind,
  delistedAlert,
  groupedDelivery,
  hostileAlert,
  listedAlert,
  perKeyDelivery,
  rangeListings,
  reportDelivery,
  zoneDegradedAlert,
} from '../../fixtures/alerts.ts';

describe('renderAlertMessage: one alert', () => {
  it('shows a listing with meaning, codes, TXT, first seen, labels, scan id and the delist link', () => {
    const message = renderAlertMessage(perKeyDelivery(listedAlert));
    expect(message).toEqual({
      title: '203.0.113.7 listed on zen.spamhaus.org',
      lines: [
        'Meaning: SBL: Spamhaus SBL data; XBL: exploited host',
        'Codes: 127.0.0.2, 127.0.0.4',
        'TXT: Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL123456',
        'First seen: 2026-11-28 10:04 UTC',
        'Entry: 203.0.113.0/28',
        'Labels: owner=mail-team, team=ops, tags=outbound pool-a',
        'Severity: critical',
      ],
      links: [{ label: 'Delist', url: 'https://check.spamhaus.org/listed/?searchterm=203.0.113.7' }],
      tone: 'danger',
      footer: 'Scan 2026-11-28T10:00:00.000Z-a1b2c3',
    });
  });

  it.each([
    ['listed', 'danger'],
    ['delisted', 'good'],
    ['zone-degraded', 'warning'],
    ['zone-recovered', 'good'],
    ['scan-failed', 'warning'],
    ['delivery-failed', 'warning'],
  ] as const)('gives %s the %s tone', (kind, tone) => {
    expect(renderAlertMessage(perKeyDelivery(alertOfKind(kind))).tone).toBe(tone);
  });

  it('renders every kind with a title and no empty lines', () => {
    for (const kind of alertKinds) {
      const message =
        kind === 'report'
          ? renderDeliveryMessage(reportDelivery())
          : renderDeliveryMessage(perKeyDelivery(alertOfKind(kind)));
      expect(message.title, kind).not.toBe('');
      for (const line of message.lines) expect(line.trim(), kind).not.toBe('');
    }
  });

  it('says a listing predates watching', () => {
    const message = renderAlertMessage(perKeyDelivery({ ...listedAlert, initial: true }));
    expect(message.title).toBe('203.0.113.7 listed on zen.spamhaus.org (already listed when watching began)');
  });

  it('titles delistings and zone alerts by what changed', () => {
    expect(renderAlertMessage(perKeyDelivery(delistedAlert)).title).toBe(
      '203.0.113.7 delisted from zen.spamhaus.org',
    );
    const degraded = renderAlertMessage(perKeyDelivery(zoneDegradedAlert));
    expect(degraded.title).toBe('Zone bl.example degraded');
    expect(degraded.lines).toContain('Detail: test point 127.0.0.2 not listed for 3 scans (timeout)');
  });

  it('marks test deliveries in the title and the footer', () => {
    const message = renderAlertMessage(perKeyDelivery(listedAlert, { test: true }));
    expect(message.title).toBe('[TEST] 203.0.113.7 listed on zen.spamhaus.org');
    expect(message.footer).toBe(
      'Scan 2026-11-28T10:00:00.000Z-a1b2c3 · Test alert from rblwatch alerts test: nothing has changed',
    );
  });

  it('keeps hostile TXT as plain text, minus control and bidi characters', () => {
    const message = renderAlertMessage(perKeyDelivery(hostileAlert));
    const txt = message.lines.find((line) => line.startsWith('TXT: '));
    expect(txt).toBe('TXT: <!channel> @everyone  bell [31m red  evil  <https://evil.example|click>');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they are gone
    expect(toPlainText(message)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202a-\u202e]/);
    expect(message.links).toEqual([
      { label: 'Delist', url: 'https://check.spamhaus.org/listed/?searchterm=203.0.113.7' },
    ]);
  });

  it('makes links of https delist pages only', () => {
    for (const delist of ['http://bl.example/x', 'javascript:alert(1)', 'not a url']) {
      expect(renderAlertMessage(perKeyDelivery({ ...listedAlert, delist })).links).toBeUndefined();
    }
  });

  it('caps a very long TXT record', () => {
    const message = renderAlertMessage(perKeyDelivery({ ...listedAlert, txt: ['y'.repeat(5_000)] }));
    for (const line of message.lines) expect(line.length).toBeLessThanOrEqual(310);
  });
});

describe('renderAlertMessage: grouped', () => {
  it('summarises a range on one list, one traceable line per address, capped at 25', () => {
    const message = renderAlertMessage(groupedDelivery(rangeListings(30)));
    expect(message.title).toBe('30 IPs in 198.51.100.0/24 listed on bl.example');
    expect(message.tone).toBe('danger');
    expect(message.lines).toHaveLength(26);
    expect(message.lines[0]).toBe('198.51.100.1 on bl.example (127.0.0.2): Spam source');
    expect(message.lines[24]).toBe('198.51.100.25 on bl.example (127.0.0.2): Spam source');
    expect(message.lines[25]).toBe('… and 5 more');
    expect(message.links).toHaveLength(5);
    expect(message.footer).toBe('Scan 2026-11-28T10:00:00.000Z-a1b2c3');
  });

  it('does not add a "more" line at exactly 25 items', () => {
    const message = renderAlertMessage(groupedDelivery(rangeListings(25)));
    expect(message.lines).toHaveLength(25);
  });

  it('falls back to "N listings on M lists" when neither zone nor entry is shared', () => {
    const [other] = rangeListings(1, { zone: 'b.barracudacentral.org' });
    const alerts = [listedAlert, ...rangeListings(2)];
    if (other) alerts.push(other);
    const message = renderAlertMessage(groupedDelivery(alerts));
    expect(message.title).toBe('4 listings on 3 lists');
    expect(message.lines[0]).toBe(
      '203.0.113.7 on zen.spamhaus.org (127.0.0.2, 127.0.0.4): SBL: Spamhaus SBL data; XBL: exploited host',
    );
  });

  it('names the target when one target is on several lists', () => {
    const message = renderAlertMessage(
      groupedDelivery([listedAlert, { ...listedAlert, id: 'x', zone: 'b.barracudacentral.org' }]),
    );
    expect(message.title).toBe('203.0.113.7 listed on 2 lists');
  });

  it('says when every listing predates watching, and marks the ones that do in a mixed group', () => {
    const all = renderAlertMessage(groupedDelivery(rangeListings(3, { initial: true })));
    expect(all.title).toBe(
      '3 IPs in 198.51.100.0/24 listed on bl.example (already listed when watching began)',
    );
    expect(all.lines[0]).toBe('198.51.100.1 on bl.example (127.0.0.2): Spam source');
    const [first, second] = rangeListings(2);
    if (!first || !second) throw new Error('fixture');
    const mixed = renderAlertMessage(groupedDelivery([{ ...first, initial: true }, second]));
    expect(mixed.title).toBe('2 IPs in 198.51.100.0/24 listed on bl.example');
    expect(mixed.lines[0]).toBe(
      '198.51.100.1 on bl.example (127.0.0.2): Spam source [already listed when watching began]',
    );
  });

  it('summarises delistings and zone alerts by kind', () => {
    const delisted = rangeListings(3, { kind: 'delisted' });
    expect(renderAlertMessage(groupedDelivery(delisted)).title).toBe(
      '3 IPs in 198.51.100.0/24 delisted from bl.example',
    );
    const zones = [zoneDegradedAlert, { ...zoneDegradedAlert, id: 'z2', zone: 'other.example' }];
    const message = renderAlertMessage(groupedDelivery(zones, { test: true }));
    expect(message.title).toBe('[TEST] 2 zones degraded');
    expect(message.tone).toBe('warning');
    expect(message.lines).toEqual([
      'bl.example: test point 127.0.0.2 not listed for 3 scans (timeout)',
      'other.example: test point 127.0.0.2 not listed for 3 scans (timeout)',
    ]);
    expect(message.footer).toContain('Test alert');
  });
});

describe('alertSummary', () => {
  it('adds the meaning to a listing, the detail to a notice, nothing to a delisting', () => {
    expect(alertSummary(listedAlert)).toBe(
      '203.0.113.7 listed on zen.spamhaus.org: SBL: Spamhaus SBL data; XBL: exploited host',
    );
    expect(alertSummary({ ...listedAlert, meanings: [] })).toBe(
      '203.0.113.7 listed on zen.spamhaus.org: 127.0.0.2, 127.0.0.4',
    );
    expect(alertSummary(delistedAlert)).toBe('203.0.113.7 delisted from zen.spamhaus.org');
    expect(alertSummary(alertOfKind('scan-failed'))).toBe(
      'rblwatch scan failed: resolver 127.0.0.1:53 refused every query',
    );
  });
});
