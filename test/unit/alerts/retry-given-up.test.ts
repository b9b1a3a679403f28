import { describe, expect, it } from 'vitest';
import { type StandingNow, staleReason } from '../../../src/alerts/retry-given-up.ts';
import { dedupKey } from '../../../src/alerts/route-alerts.ts';
import { type Alert, payloadOf } from '../../../src/domain/alert.ts';
import { newOutboxItem, type OutboxItem } from '../../../src/domain/outbox-item.ts';
import {
  delistedAlert,
  listedAlert,
  resolverDownAlert,
  resolverRecoveredAlert,
  zoneDegradedAlert,
} from '../../fixtures/alerts.ts';

function givenUp(alert: Alert, action: OutboxItem['action'], createdAt: string): OutboxItem {
  return {
    ...newOutboxItem(payloadOf(alert), 'pager', { action, key: dedupKey(alert) }, createdAt),
    status: 'failed',
    attempts: 9,
  };
}

function standing(options: Partial<StandingNow> = {}): StandingNow {
  return { queued: [], isListed: () => false, isDegraded: () => false, resolverDown: false, ...options };
}

describe('staleReason: which given-up pages may be sent again', () => {
  const trigger = givenUp(listedAlert, 'trigger', '2026-11-28T10:04:12.000Z');
  const resolve = givenUp(delistedAlert, 'resolve', '2026-11-29T08:00:00.000Z');

  it('re-sends a trigger whose listing stands and a resolve whose target is still delisted', () => {
    expect(staleReason(trigger, standing({ isListed: () => true }))).toBeUndefined();
    expect(staleReason(resolve, standing({ isListed: () => false }))).toBeUndefined();
  });

  it('drops a trigger whose listing is gone', () => {
    expect(staleReason(trigger, standing())).toBe('no longer listed');
  });

  it('drops a resolve when the target was listed again since (it would close a standing incident)', () => {
    expect(staleReason(resolve, standing({ isListed: () => true }))).toBe('listed again since');
  });

  it('drops either when a later item of the same page is queued', () => {
    const later = {
      ...trigger,
      id: 'later>pager',
      createdAt: '2026-11-30T00:00:00.000Z',
      status: 'pending' as const,
    };
    expect(staleReason(resolve, standing({ queued: [resolve, later] }))).toBe(
      'a later alert for the same page follows it',
    );
    expect(staleReason(trigger, standing({ queued: [trigger, later], isListed: () => true }))).toBe(
      'a later alert for the same page follows it',
    );
  });

  it('applies the same rule to zone pages', () => {
    const degraded = givenUp(zoneDegradedAlert, 'trigger', '2026-11-28T10:04:30.000Z');
    const recovered = givenUp(
      { ...zoneDegradedAlert, kind: 'zone-recovered' },
      'resolve',
      '2026-11-28T11:00:00.000Z',
    );
    expect(staleReason(degraded, standing())).toBe('the zone has recovered');
    expect(staleReason(recovered, standing({ isDegraded: () => true }))).toBe('the zone is degraded again');
    expect(staleReason(recovered, standing())).toBeUndefined();
  });

  it('applies the same rule to the resolver page', () => {
    const down = givenUp(resolverDownAlert, 'trigger', '2026-11-28T10:00:30.000Z');
    const up = givenUp(resolverRecoveredAlert, 'resolve', '2026-11-28T11:00:30.000Z');
    expect(staleReason(down, standing())).toBe('the resolver works again');
    expect(staleReason(down, standing({ resolverDown: true }))).toBeUndefined();
    expect(staleReason(up, standing({ resolverDown: true }))).toBe('the resolver is down again');
  });

  it('never holds back a grouped message', () => {
    const note = { ...trigger, action: 'notify' as const };
    expect(staleReason(note, standing())).toBeUndefined();
  });
});
