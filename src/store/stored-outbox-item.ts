/**
 * Reading outbox items back, including those an older rblwatch wrote. Items used to carry one flat `alert` (a
 * listing alert, a notice with empty evidence, or a scheduled report already rendered as a chat message); they now
 * carry a tagged `payload`. Users' stores hold the old shape (pending deliveries, items given up on), so it is
 * migrated as it is read; the next write of the item stores the new shape.
 */
import type { OutboxPayload } from '../domain/alert.ts';
import type { Message } from '../domain/message.ts';
import type { OutboxItem } from '../domain/outbox-item.ts';
import { corruptValue } from './stored-values.ts';

/**
 * The kinds the old flat shape used for notices. A frozen list, on purpose: it describes what was written then,
 * whatever kinds exist now.
 */
const LEGACY_NOTICE_KINDS: ReadonlySet<string> = new Set(['scan-failed', 'delivery-failed', 'store-reset']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An outbox item as stored, in either shape.
 * @throws AppError `STORE_CORRUPT` naming the key, for anything that is not an outbox item.
 */
export function readOutboxItem(value: unknown, key: string): OutboxItem {
  if (
    !isRecord(value) ||
    typeof value.id !== 'string' ||
    typeof value.destination !== 'string' ||
    typeof value.dueAt !== 'string'
  ) {
    throw corruptValue(key, 'not an outbox item');
  }
  if (isRecord(value.payload) && typeof value.payload.type === 'string')
    return value as unknown as OutboxItem;
  if (isRecord(value.alert) && typeof value.alert.kind === 'string') {
    const { alert, ...item } = value;
    return { ...item, payload: legacyPayload(value.alert) } as unknown as OutboxItem;
  }
  throw corruptValue(key, 'an outbox item carries neither a payload nor an alert');
}

/** The payload an old flat `alert` stands for. */
function legacyPayload(alert: Record<string, unknown>): OutboxPayload {
  if (alert.kind === 'report') {
    const message = isRecord(alert.report) ? (alert.report as unknown as Message) : undefined;
    return {
      type: 'rendered-report',
      id: String(alert.id),
      at: String(alert.at),
      message: message ?? { title: 'rblwatch report', lines: [] },
    };
  }
  if (LEGACY_NOTICE_KINDS.has(String(alert.kind))) {
    // Notices carried empty evidence in the flat shape; a notice has none.
    const { codes: _codes, meanings: _meanings, txt: _txt, ...notice } = alert;
    return { type: 'notice', notice: { ...notice, detail: String(notice.detail ?? '') } } as OutboxPayload;
  }
  return { type: 'alert', alert } as unknown as OutboxPayload;
}
