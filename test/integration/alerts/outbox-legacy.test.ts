/**
 * Stores written before outbox payloads were tagged hold items with one flat `alert`: a listing alert, a notice
 * with empty evidence, or a scheduled report already rendered as a chat message. Users upgrade with such items
 * pending or given up on, so they must still be read, listed and delivered exactly as they were queued.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifiers } from '../../../src/alerts/notifiers/registry.ts';
import { createOutbox } from '../../../src/alerts/outbox.ts';
import type { Delivery } from '../../../src/domain/alert.ts';
import type { ChannelPoster } from '../../../src/domain/channel-poster.ts';
import type { Message } from '../../../src/domain/message.ts';
import type { OutboxItem } from '../../../src/domain/outbox-item.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { type FakeReceiver, startFakeWebhook } from '../../helpers/fake-alert-receivers.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

const SECRET = 'whsec-legacy-0123456789';
const AT = '2026-11-28T08:00:00.000Z';
const reportMessage: Message = {
  title: 'Blacklist report: 1 listing',
  lines: ['1 listing on 1 target.'],
  tone: 'danger',
  ephemeral: false,
};

/** Items exactly as the previous version wrote them (flat `alert`, notices with empty evidence). */
const legacyItems = [
  {
    id: 'run-1:000001>hook',
    destination: 'hook',
    action: 'notify',
    key: 'listed',
    alert: {
      id: 'run-1:000001',
      kind: 'listed',
      at: AT,
      severity: 'critical',
      runId: 'run-1',
      zone: 'zen.spamhaus.org',
      target: '203.0.113.7',
      codes: ['127.0.0.2'],
      meanings: ['SBL'],
      txt: [],
      labels: { team: 'mail' },
    },
    createdAt: AT,
    dueAt: AT,
    attempts: 0,
    status: 'pending',
  },
  {
    id: 'scan-failed:run-0>hook',
    destination: 'hook',
    action: 'notify',
    key: 'scan-failed',
    alert: {
      id: 'scan-failed:run-0',
      kind: 'scan-failed',
      at: AT,
      severity: 'major',
      runId: 'run-0',
      codes: [],
      meanings: [],
      txt: [],
      detail: 'the resolver is down',
    },
    createdAt: AT,
    dueAt: AT,
    attempts: 9,
    status: 'failed',
    failedAt: AT,
    lastError: 'HTTP 500',
  },
  ...['hook', 'chan'].map((destination) => ({
    id: `report:0:${AT}>${destination}`,
    destination,
    action: 'notify',
    key: 'report',
    alert: {
      id: `report:0:${AT}`,
      kind: 'report',
      at: AT,
      severity: 'info',
      codes: [],
      meanings: [],
      txt: [],
      report: reportMessage,
    },
    createdAt: AT,
    dueAt: AT,
    attempts: 0,
    status: 'pending',
  })),
];

let dir: string;
let webhook: FakeReceiver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-legacy-'));
  webhook = await startFakeWebhook(SECRET);
  const store = await openStore(join(dir, 'store.sqlite'));
  try {
    // The store writes whatever it is given: this is what an older version left in it.
    await store.alerts.addOutbox(legacyItems as unknown as OutboxItem[]);
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await webhook?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('outbox items of the previous shape', () => {
  it('are read as tagged payloads: alert, notice, rendered report', async () => {
    const store = await openStore(join(dir, 'store.sqlite'));
    try {
      const items = await store.alerts.listOutbox();
      expect(items.map((item) => [item.id, item.payload.type])).toEqual([
        ['run-1:000001>hook', 'alert'],
        ['scan-failed:run-0>hook', 'notice'],
        [`report:0:${AT}>hook`, 'rendered-report'],
        [`report:0:${AT}>chan`, 'rendered-report'],
      ]);
      for (const item of items) expect(item).not.toHaveProperty('alert');
      expect(items[0]?.payload).toEqual({ type: 'alert', alert: legacyItems[0]?.alert });
      expect(items[1]).toMatchObject({
        status: 'failed',
        lastError: 'HTTP 500',
        payload: {
          type: 'notice',
          notice: {
            id: 'scan-failed:run-0',
            kind: 'scan-failed',
            detail: 'the resolver is down',
            runId: 'run-0',
          },
        },
      });
      expect(items[1]?.payload).not.toHaveProperty('notice.codes');
      expect(items[2]?.payload).toEqual({
        type: 'rendered-report',
        id: `report:0:${AT}`,
        at: AT,
        message: reportMessage,
      });
    } finally {
      await store.close();
    }
  });

  it('are delivered as they were queued, and leave the store once accepted', async () => {
    const store = await openStore(join(dir, 'store.sqlite'));
    const agent = new Agent();
    const posted: { channel: string; message: Message }[] = [];
    const poster: ChannelPoster = {
      platform: 'slack',
      post: async (channel, message) => {
        posted.push({ channel, message });
      },
    };
    const sent: Delivery[] = [];
    try {
      const notifiers = createNotifiers(
        [
          { type: 'webhook', name: 'hook', url: webhook.url, secret: new Secret(SECRET) },
          { type: 'slack', name: 'chan', channel: 'C0MAILOPS1' },
        ],
        { http: { dispatcher: agent, timeoutMs: 5_000, clock: () => new Date() }, chat: { slack: poster } },
      );
      const watched = new Map(
        [...notifiers].map(([name, notifier]) => [
          name,
          {
            ...notifier,
            send: async (delivery: Delivery, signal?: AbortSignal) => {
              sent.push(delivery);
              await notifier.send(delivery, signal);
            },
          },
        ]),
      );
      const outbox = createOutbox({ store: store.alerts, notifiers: watched, log: createMemoryLog().log });
      await outbox.load();
      expect(await outbox.deliverDue({ flush: true })).toEqual({ delivered: 3, retried: 0, failed: 0 });

      // The webhook gets the listing as before, and the report in the body the previous version sent.
      const bodies = webhook.requests.map((request) => request.json as Record<string, unknown>);
      expect(bodies).toHaveLength(2);
      expect(bodies.every((_, index) => webhook.requests[index]?.verified)).toBe(true);
      expect(bodies[0]).toMatchObject({
        type: 'rblwatch.alerts',
        kind: 'listed',
        alerts: [legacyItems[0]?.alert],
      });
      expect(bodies[1]).toMatchObject({
        type: 'rblwatch.alerts',
        kind: 'report',
        count: 1,
        alerts: [legacyItems[2]?.alert],
      });
      // The channel gets the report exactly as it was rendered then.
      expect(posted).toEqual([{ channel: 'C0MAILOPS1', message: reportMessage }]);
      expect(sent.map((delivery) => delivery.report?.type ?? 'alerts')).toEqual([
        'alerts',
        'rendered-report',
        'rendered-report',
      ]);

      // Only the item given up on is left, still readable.
      expect((await store.alerts.listOutbox()).map((item) => item.id)).toEqual(['scan-failed:run-0>hook']);
    } finally {
      await agent.close();
      await store.close();
    }
  });
});
