import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.ts';
import { readOutboxItem } from '../../../src/store/stored-outbox-item.ts';
import { outboxItem } from '../../contract/store-builders.ts';

describe('readOutboxItem', () => {
  it('reads an item of the current shape as it is', () => {
    const item = outboxItem('a');
    expect(readOutboxItem(JSON.parse(JSON.stringify(item)), 'outbox:a')).toEqual(item);
  });

  it('migrates the previous flat shape: alert, notice (evidence dropped), rendered report', () => {
    const base = {
      id: 'x>hook',
      destination: 'hook',
      action: 'notify',
      createdAt: 't',
      dueAt: 't',
      attempts: 0,
    };
    const alert = {
      id: 'r:1',
      kind: 'delisted',
      at: 't',
      severity: 'info',
      codes: ['127.0.0.2'],
      meanings: [],
      txt: [],
    };
    expect(readOutboxItem({ ...base, key: 'delisted', alert }, 'k').payload).toEqual({
      type: 'alert',
      alert,
    });
    const notice = {
      id: 'n',
      kind: 'store-reset',
      at: 't',
      severity: 'critical',
      codes: [],
      meanings: [],
      txt: [],
    };
    expect(
      readOutboxItem({ ...base, key: 'store-reset', alert: { ...notice, detail: 'gone' } }, 'k').payload,
    ).toEqual({
      type: 'notice',
      notice: { id: 'n', kind: 'store-reset', at: 't', severity: 'critical', detail: 'gone' },
    });
    const message = { title: 'Blacklist report: all clear', lines: ['x'] };
    expect(
      readOutboxItem(
        { ...base, key: 'report', alert: { ...notice, kind: 'report', severity: 'info', report: message } },
        'k',
      ).payload,
    ).toEqual({ type: 'rendered-report', id: 'n', at: 't', message });
  });

  it('refuses what is not an outbox item, naming the key', () => {
    for (const value of [null, 'x', { id: 'a' }, { id: 'a', destination: 'd', dueAt: 't' }]) {
      expect(() => readOutboxItem(value, 'outbox:a')).toThrow(
        expect.objectContaining({
          code: ErrorCode.STORE_CORRUPT,
          message: expect.stringContaining('outbox:a'),
        }),
      );
    }
  });
});
