import { describe, expect, it } from 'vitest';
import type { Notifier } from '../../../src/alerts/notifiers/notifier.ts';
import type { Route } from '../../../src/alerts/route.ts';
import { routeAlerts } from '../../../src/alerts/route-alerts.ts';
import { type Alert, payloadId } from '../../../src/domain/alert.ts';
import { FIXED_NOW, listedAlert } from '../../fixtures/alerts.ts';

const modes = new Map<string, Notifier['mode']>([
  ['pager', 'per-key'],
  ['ops', 'grouped'],
]);

function route(alerts: readonly Alert[], routes: readonly Route[]) {
  return routeAlerts(alerts, { routes, modes, mutes: [], now: FIXED_NOW, groupWindowMs: 0 });
}

const existing: Alert = { ...listedAlert, id: 'first-scan:1', initial: true };

describe('routing listings found on a first scan', () => {
  it('routes nothing for them by default: a first scan is silent', () => {
    const routed = route([existing, listedAlert], [{ match: {}, to: ['pager', 'ops'] }]);
    expect(routed.items.map((item) => payloadId(item.payload))).toEqual([listedAlert.id, listedAlert.id]);
    expect(routed.unrouted).toEqual([existing]);
    expect(routed.opened).toEqual([`pager|rblwatch:${listedAlert.target}:${listedAlert.zone}`]);
  });

  it('routes them where a route says initial: true, and only there', () => {
    const routed = route(
      [existing, listedAlert],
      [
        { match: { initial: true }, to: ['ops'] },
        { match: { kind: ['listed'] }, to: ['pager'] },
      ],
    );
    expect(routed.items.map((item) => `${payloadId(item.payload)}>${item.destination}`)).toEqual([
      'first-scan:1>ops',
      `${listedAlert.id}>pager`,
    ]);
  });

  it('treats initial: false like the default', () => {
    const routed = route([existing], [{ match: { initial: false }, to: ['ops'] }]);
    expect(routed.items).toEqual([]);
  });
});
