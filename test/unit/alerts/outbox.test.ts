import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAlerting } from '../../../src/alerts/alerting.ts';
import type { Notifier } from '../../../src/alerts/notifiers/notifier.ts';
import { type Alert, type Delivery, signalOf } from '../../../src/domain/alert.ts';
import { DeliveryError } from '../../../src/domain/delivery-error.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { recordScan } from '../../helpers/command-harness.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';

/** A notifier that records deliveries and fails as scripted (one outcome per call, then success). */
function scripted(name: string, mode: Notifier['mode'], outcomes: (Error | undefined)[] = []) {
  const sent: Delivery[] = [];
  const notifier: Notifier = {
    name,
    type: 'test',
    mode,
    async send(delivery) {
      const outcome = outcomes.shift();
      if (outcome) throw outcome;
      sent.push(structuredClone(delivery));
    },
  };
  return { notifier, sent };
}

function alert(n: number, kind: Alert['kind'] = 'listed', target = `192.0.2.${n}`): Alert {
  return {
    id: `run-1:${String(n).padStart(6, '0')}`,
    kind,
    at: '2026-11-28T10:00:00.000Z',
    severity: 'critical',
    runId: 'run-1',
    zone: 'bl.example',
    target,
    codes: ['127.0.0.2'],
    meanings: ['spam source'],
    txt: [],
  };
}

const everything = [{ match: {}, to: ['pager', 'chat'] }];
let repo: ListingRepository | undefined;

afterEach(async () => {
  await repo?.close();
  repo = undefined;
});

async function setup(
  notifiers: Notifier[],
  options: { routes?: { match: object; to: string[] }[]; window?: number; store?: ListingRepository } = {},
) {
  repo = options.store ?? (await openStore('memory:'));
  let now = Date.parse('2026-11-28T10:00:00.000Z');
  const clock = () => new Date(now);
  const { log, lines } = createMemoryLog();
  const alerting = createAlerting({
    repo,
    routes: (options.routes ?? everything) as never,
    notifiers: new Map(notifiers.map((notifier) => [notifier.name, notifier])),
    modes: new Map(notifiers.map((notifier) => [notifier.name, notifier.mode])),
    log,
    groupWindowMs: options.window ?? 60_000,
    clock,
    random: () => 0.5,
  });
  await alerting.open();
  return {
    alerting,
    lines,
    repo,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('outbox', () => {
  it('stores every routed item before sending and removes it once accepted', async () => {
    const pager = scripted('pager', 'per-key');
    const { alerting, repo: store } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    await alerting.route([alert(1)]);
    const stored = await store.alerts.listOutbox();
    expect(stored.map((item) => item.id)).toEqual(['run-1:000001>pager']);
    expect(stored[0]).toMatchObject({ action: 'trigger', key: 'rblwatch:192.0.2.1:bl.example', attempts: 0 });
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(pager.sent).toHaveLength(1);
    expect(pager.sent[0]).toMatchObject({ action: 'trigger', dedupKey: 'rblwatch:192.0.2.1:bl.example' });
    expect(await store.alerts.listOutbox()).toEqual([]);
  });

  it('routing the same alert twice queues it once', async () => {
    const pager = scripted('pager', 'per-key');
    const { alerting, repo: store } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    await alerting.route([alert(1)]);
    await alerting.route([alert(1)]);
    expect(await store.alerts.listOutbox()).toHaveLength(1);
  });

  it('retries a retryable failure with backoff and honours Retry-After', async () => {
    const pager = scripted('pager', 'per-key', [
      new DeliveryError(true, 'HTTP 500'),
      new DeliveryError(true, 'HTTP 429', { status: 429, retryAfterMs: 120_000 }),
    ]);
    const {
      alerting,
      advance,
      repo: store,
    } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    await alerting.route([alert(1)]);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ retried: 1 });
    const [first] = await store.alerts.listOutbox();
    // First retry: base 10 s, jitter factor 0.75 with random 0.5.
    expect(first).toMatchObject({ attempts: 1, lastError: 'HTTP 500', dueAt: '2026-11-28T10:00:07.500Z' });
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    advance(7_500);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ retried: 1 });
    const [second] = await store.alerts.listOutbox();
    expect(second).toMatchObject({ attempts: 2, lastStatus: 429 });
    // Retry-After (120 s) beats the backoff (15 s).
    expect(Date.parse(second?.dueAt ?? '') - Date.parse('2026-11-28T10:00:07.500Z')).toBe(120_000);
    advance(119_000);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 0 });
    advance(1_000);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 1 });
    expect(pager.sent).toHaveLength(1);
  });

  it('a 429 with Retry-After holds back the whole destination, not only the item that got it', async () => {
    const pager = scripted('pager', 'per-key', [
      new DeliveryError(true, 'HTTP 429', { status: 429, retryAfterMs: 20_000 }),
    ]);
    const chat = scripted('chat', 'grouped');
    const { alerting, advance } = await setup([pager.notifier, chat.notifier], { window: 0 });
    await alerting.route(Array.from({ length: 40 }, (_, n) => alert(n + 1)));
    expect(await alerting.outbox.deliverDue()).toMatchObject({ retried: 1 });
    // The other destination is not held up by the pager's throttle.
    expect(chat.sent).toHaveLength(1);
    for (const step of [1_000, 10_000, 8_999]) {
      advance(step);
      expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    }
    expect(pager.sent).toHaveLength(0);
    advance(1);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 40 });
    expect(pager.sent.map((delivery) => delivery.alerts[0]?.target)).toEqual(
      Array.from({ length: 40 }, (_, n) => `192.0.2.${n + 1}`),
    );
  });

  it('backs a failing destination off as a whole, growing with each failure, and resets once it answers', async () => {
    const pager = scripted('pager', 'per-key', [
      new DeliveryError(true, 'HTTP 500', { status: 500 }),
      new DeliveryError(true, 'HTTP 503', { status: 503 }),
    ]);
    const { alerting, advance } = await setup([pager.notifier], { routes: [{ match: {}, to: ['pager'] }] });
    await alerting.route([alert(1), alert(2), alert(3)]);
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // First backoff: 10 s x 0.75 (random 0.5). Nothing goes to the pager before.
    advance(7_499);
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    advance(1);
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // Second failure in a row: 20 s x 0.75.
    advance(14_999);
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    advance(1);
    expect(await alerting.outbox.deliverDue()).toEqual({ delivered: 3, retried: 0, failed: 0 });
    expect(pager.sent).toHaveLength(3);
  });

  it('routes the events of a scan whose commit landed although the scan was told it failed', async () => {
    const pager = scripted('pager', 'per-key');
    const { alerting, repo: store } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    const event = (target: string) => ({
      kind: 'listed' as const,
      at: '2026-11-28T10:00:00.000Z',
      zone: 'bl.example',
      target,
      severity: 'critical' as const,
      codes: ['127.0.0.2'],
      meanings: [],
      txt: [],
    });
    await store.putInventory(
      makeEntry('192.0.2.0/24', {}, { source: 'store', addedAt: '2026-11-28T09:00:00.000Z' }),
    );
    // Scan A's commit reached the store, but its caller saw a timeout: it never published, only reported failure.
    const lost = await recordScan(store, { at: '2026-11-28T10:00:00.000Z', events: [event('192.0.2.1')] });
    await alerting.scanFailed({
      ...lost,
      status: 'failed',
      error: 'store: commitRun got no answer within 20 s',
    });
    // Scan B publishes normally: A's listing is routed with it, oldest first.
    const next = await recordScan(store, { at: '2026-11-28T11:00:00.000Z', events: [event('192.0.2.2')] });
    const {
      events: [stored],
    } = await store.listEvents({ since: next.startedAt });
    await alerting.publish(stored ? [stored] : [], next);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((delivery) => delivery.alerts[0]?.target)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await store.alerts.getRoutedThrough()).toBe(next.id);
  });

  it('never re-sends an accepted trigger whose removal failed, nor lets its resolve overtake that removal', async () => {
    const store = await openStore('memory:');
    const pager = scripted('pager', 'per-key');
    const { alerting, advance } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
      store,
    });
    await alerting.route([alert(1)]);
    // The service accepts the trigger, then the store refuses to record it.
    const remove = store.alerts.removeOutbox.bind(store.alerts);
    let refusing = true;
    store.alerts.removeOutbox = async (ids) => {
      if (refusing) throw new Error('store unavailable');
      return remove(ids);
    };
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((delivery) => delivery.action)).toEqual(['trigger']);
    // The delisting arrives and the periodic reread brings the trigger back from the store.
    await alerting.route([{ ...alert(1, 'delisted'), id: 'run-2:000001', runId: 'run-2' }]);
    await alerting.outbox.load();
    advance(60_000);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((delivery) => delivery.action)).toEqual(['trigger']);
    // Once the store records the trigger as delivered, the resolve follows; the trigger never goes out again.
    refusing = false;
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((delivery) => delivery.action)).toEqual(['trigger', 'resolve']);
    expect(await store.alerts.listOutbox()).toEqual([]);
  });

  it('never retries a rejection, keeps it as failed and tells the other destinations', async () => {
    const pager = scripted('pager', 'per-key', [
      new DeliveryError(false, 'HTTP 400: invalid routing key', { status: 400 }),
    ]);
    const chat = scripted('chat', 'grouped');
    const {
      alerting,
      repo: store,
      lines,
    } = await setup([pager.notifier, chat.notifier], {
      routes: [{ match: { kind: ['listed'] }, to: ['pager'] }],
    });
    await alerting.route([alert(1)]);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ failed: 1 });
    const items = await store.alerts.listOutbox();
    const failed = items.find((item) => item.destination === 'pager');
    expect(failed).toMatchObject({ status: 'failed', lastStatus: 400, attempts: 1 });
    expect(lines.some((line) => line.level === 50 && String(line.msg).includes('gave up'))).toBe(true);
    // No route takes delivery-failed notices, so every other non-paging destination gets one.
    await alerting.outbox.deliverDue();
    expect(chat.sent).toHaveLength(1);
    expect(chat.sent[0]?.alerts[0]).toMatchObject({ kind: 'delivery-failed' });
    expect(chat.sent[0]?.alerts[0]?.detail).toContain('invalid routing key');
  });

  it('gives up after the horizon', async () => {
    const failures = Array.from({ length: 60 }, () => new DeliveryError(true, 'connection reset'));
    const pager = scripted('pager', 'per-key', failures);
    const {
      alerting,
      advance,
      repo: store,
    } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    await alerting.route([alert(1)]);
    let failed = 0;
    for (let i = 0; i < 60 && failed === 0; i++) {
      failed += (await alerting.outbox.deliverDue()).failed;
      advance(3_600_000);
    }
    expect(failed).toBe(1);
    const [item] = await store.alerts.listOutbox();
    expect(item?.status).toBe('failed');
    expect(Date.parse(item?.failedAt ?? '') - Date.parse(item?.createdAt ?? '')).toBeLessThanOrEqual(
      86_400_000,
    );
    expect(item?.attempts).toBeGreaterThanOrEqual(20);
  });

  it('sends a resolve only after its trigger, whatever the failures in between', async () => {
    const pager = scripted('pager', 'per-key', [new DeliveryError(true, 'HTTP 503')]);
    const { alerting, advance } = await setup([pager.notifier], { routes: [{ match: {}, to: ['pager'] }] });
    await alerting.route([alert(1, 'listed')]);
    await alerting.route([{ ...alert(1, 'delisted'), id: 'run-2:000001', runId: 'run-2' }]);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 0, retried: 1 });
    expect(pager.sent).toEqual([]);
    advance(60_000);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 2 });
    expect(pager.sent.map((delivery) => delivery.action)).toEqual(['trigger', 'resolve']);
    expect(new Set(pager.sent.map((delivery) => delivery.dedupKey)).size).toBe(1);
  });

  it('groups alerts of one kind within the window into one message, each item traceable', async () => {
    const chat = scripted('chat', 'grouped');
    const { alerting, advance } = await setup([chat.notifier], { routes: [{ match: {}, to: ['chat'] }] });
    await alerting.route([alert(1), alert(2)]);
    advance(30_000);
    await alerting.route([alert(3), alert(4, 'delisted')]);
    expect(await alerting.outbox.deliverDue()).toMatchObject({ delivered: 0 });
    advance(30_000);
    await alerting.outbox.deliverDue();
    expect(chat.sent).toHaveLength(1);
    expect(chat.sent[0]?.alerts.map((a) => a.target)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    advance(30_000);
    await alerting.outbox.deliverDue();
    expect(chat.sent.map((delivery) => delivery.alerts[0]?.kind)).toEqual(['listed', 'delisted']);
  });

  it('flush ends the grouping window early but not a backoff', async () => {
    const chat = scripted('chat', 'grouped', [new DeliveryError(true, 'HTTP 502')]);
    const { alerting } = await setup([chat.notifier], { routes: [{ match: {}, to: ['chat'] }] });
    await alerting.route([alert(1)]);
    expect(await alerting.outbox.deliverDue({ flush: true })).toMatchObject({ retried: 1 });
    expect(await alerting.outbox.deliverDue({ flush: true })).toMatchObject({ retried: 0, delivered: 0 });
  });

  it('resends a failed group as the same delivery, without items that arrived since', async () => {
    const chat = scripted('chat', 'grouped', [new DeliveryError(true, 'HTTP 500')]);
    const { alerting, advance } = await setup([chat.notifier], {
      routes: [{ match: {}, to: ['chat'] }],
      window: 0,
    });
    await alerting.route([alert(1), alert(2)]);
    await alerting.outbox.deliverDue();
    await alerting.route([alert(3)]);
    advance(60_000);
    await alerting.outbox.deliverDue();
    expect(chat.sent).toHaveLength(2);
    expect(chat.sent[0]?.id).toBe('batch:run-1:000001>chat');
    expect(chat.sent[0]?.alerts).toHaveLength(2);
    expect(chat.sent[1]?.alerts.map((a) => a.target)).toEqual(['192.0.2.3']);
  });

  it('a new process on the same store delivers what the last one left pending', async () => {
    const store = await openStore('memory:');
    const refused = () => new DeliveryError(true, 'connection refused');
    const down = scripted('pager', 'per-key', [refused(), refused()]);
    const first = await setup([down.notifier], { routes: [{ match: {}, to: ['pager'] }], store });
    await first.alerting.route([alert(1), alert(2)]);
    await first.alerting.outbox.deliverDue();
    const up = scripted('pager', 'per-key');
    const second = createAlerting({
      repo: store,
      routes: [{ match: {}, to: ['pager'] }],
      notifiers: new Map([['pager', up.notifier]]),
      modes: new Map([['pager', 'per-key' as const]]),
      log: createMemoryLog().log,
      groupWindowMs: 0,
      clock: () => new Date('2026-11-28T11:00:00.000Z'),
    });
    await second.open();
    await second.outbox.deliverDue();
    expect(up.sent.map((delivery) => delivery.alerts[0]?.target).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await store.alerts.listOutbox()).toEqual([]);
  });

  it('mutes silence new listings on a target or zone but never a delisting', async () => {
    const pager = scripted('pager', 'per-key');
    const { alerting, repo: store } = await setup([pager.notifier], {
      routes: [{ match: {}, to: ['pager'] }],
    });
    const mute = { createdAt: '2026-11-28T09:00:00.000Z', until: '2026-11-29T00:00:00.000Z' };
    await store.alerts.putMute({ ...mute, scope: 'target', value: '192.0.2.1' });
    await store.alerts.putMute({ ...mute, scope: 'zone', value: 'other.example' });
    await alerting.route([alert(1), alert(2), { ...alert(3), zone: 'other.example' }]);
    await alerting.route([{ ...alert(1, 'delisted'), id: 'run-2:000001' }]);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((d) => `${d.action} ${d.alerts[0]?.target}`).sort()).toEqual([
      'resolve 192.0.2.1',
      'trigger 192.0.2.2',
    ]);
  });

  it('after a crash between acceptance and removal, resends the same batch under the same id, newcomers apart', async () => {
    const store = await openStore('memory:');
    const chat = scripted('chat', 'grouped');
    const first = await setup([chat.notifier], { routes: [{ match: {}, to: ['chat'] }], window: 0, store });
    await first.alerting.route([alert(1), alert(2)]);
    // The receiver accepts, then the process dies before the items leave the store.
    const remove = store.alerts.removeOutbox.bind(store.alerts);
    store.alerts.removeOutbox = async () => {
      throw new Error('killed');
    };
    await first.alerting.outbox.deliverDue();
    store.alerts.removeOutbox = remove;
    const second = createAlerting({
      repo: store,
      routes: [{ match: {}, to: ['chat'] }],
      notifiers: new Map([['chat', chat.notifier]]),
      modes: new Map([['chat', 'grouped' as const]]),
      log: createMemoryLog().log,
      groupWindowMs: 0,
    });
    await second.open();
    await second.route([alert(3)]);
    await second.outbox.deliverDue();
    const byId = chat.sent.map(
      (delivery) => `${delivery.id}: ${delivery.alerts.map((a) => a.target).join(' ')}`,
    );
    expect(byId).toEqual([
      'batch:run-1:000001>chat: 192.0.2.1 192.0.2.2',
      'batch:run-1:000001>chat: 192.0.2.1 192.0.2.2',
      'batch:run-1:000003>chat: 192.0.2.3',
    ]);
  });

  it("sends a destination's groups in order: a delisting never overtakes the listing waiting on a retry", async () => {
    const chat = scripted('chat', 'grouped', [
      new DeliveryError(true, 'HTTP 429', { status: 429, retryAfterMs: 30_000 }),
    ]);
    const { alerting, advance } = await setup([chat.notifier], {
      routes: [{ match: {}, to: ['chat'] }],
      window: 0,
    });
    await alerting.route([alert(1)]);
    await alerting.outbox.deliverDue();
    await alerting.route([{ ...alert(1, 'delisted'), id: 'run-2:000001', runId: 'run-2' }]);
    expect(await alerting.outbox.deliverDue({ flush: true })).toMatchObject({ delivered: 0 });
    advance(30_000);
    await alerting.outbox.deliverDue();
    expect(chat.sent.map((delivery) => delivery.alerts[0]?.kind)).toEqual(['listed', 'delisted']);
  });

  it('picks up items another process queued, and stop() aborts sends in flight', async () => {
    const store = await openStore('memory:');
    repo = store;
    let inFlight: AbortSignal | undefined;
    const sent: string[] = [];
    const notifier: Notifier = {
      name: 'pager',
      type: 'test',
      mode: 'per-key',
      async send(delivery, signal) {
        if (delivery.alerts[0]?.target === '192.0.2.2') {
          inFlight = signal;
          await new Promise((resolve) => signal?.addEventListener('abort', resolve));
          throw new DeliveryError(true, 'cancelled');
        }
        sent.push(delivery.alerts[0]?.target ?? '');
      },
    };
    const alerting = createAlerting({
      repo: store,
      routes: [{ match: {}, to: ['pager'] }],
      notifiers: new Map([['pager', notifier]]),
      modes: new Map([['pager', 'per-key' as const]]),
      log: createMemoryLog().log,
      groupWindowMs: 0,
      pollMs: 100,
    });
    await alerting.open();
    alerting.outbox.start();
    // Another process (a one-shot scan, `alerts retry`) writes straight to the store.
    const other = createAlerting({
      repo: store,
      routes: [{ match: {}, to: ['pager'] }],
      notifiers: new Map(),
      modes: new Map([['pager', 'per-key' as const]]),
      log: createMemoryLog().log,
      groupWindowMs: 0,
    });
    await other.route([alert(1)]);
    await vi.waitFor(() => expect(sent).toEqual(['192.0.2.1']), { timeout: 5_000 });
    await other.route([alert(2)]);
    await vi.waitFor(() => expect(inFlight).toBeDefined(), { timeout: 5_000 });
    await alerting.outbox.stop();
    expect(inFlight?.aborted).toBe(true);
    // Still queued for the next start: nothing is lost by stopping.
    expect((await store.alerts.listOutbox()).map((item) => signalOf(item.payload)?.target)).toEqual([
      '192.0.2.2',
    ]);
  });

  it('wakes itself when a backoff ends, to the millisecond, and not before (fake time)', async () => {
    // The loop's timers and the clock it reads move together, and only when the test says so.
    vi.useFakeTimers({
      now: Date.parse('2026-11-28T10:00:00.000Z'),
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
    });
    try {
      const pager = scripted('pager', 'per-key', [new DeliveryError(true, 'HTTP 503', { status: 503 })]);
      repo = await openStore('memory:');
      const alerting = createAlerting({
        repo,
        routes: [{ match: {}, to: ['pager'] }],
        notifiers: new Map([['pager', pager.notifier]]),
        modes: new Map([['pager', 'per-key' as const]]),
        log: createMemoryLog().log,
        groupWindowMs: 0,
        random: () => 0.5,
        // Far off, so only the backoff can be what wakes the loop.
        pollMs: 24 * 3_600_000,
      });
      await alerting.open();
      alerting.outbox.start();
      await alerting.route([alert(1)]);
      await vi.waitFor(async () => expect((await repo?.alerts.listOutbox())?.[0]?.attempts).toBe(1));
      const [item] = (await repo?.alerts.listOutbox()) ?? [];
      const waitMs = Date.parse(item?.dueAt ?? '') - Date.now();
      expect(waitMs).toBeGreaterThan(1_000);

      await vi.advanceTimersByTimeAsync(waitMs - 1);
      expect(pager.sent).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(pager.sent).toHaveLength(1));
      await alerting.outbox.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes a page wherever it was opened, even when the routes no longer match the delisting', async () => {
    const pager = scripted('pager', 'per-key');
    const other = scripted('other-pager', 'per-key');
    const { alerting } = await setup([pager.notifier, other.notifier], {
      routes: [
        { match: { kind: ['listed'], labels: { team: ['mail'] } }, to: ['pager'] },
        { match: { kind: ['delisted'], labels: { team: ['web'] } }, to: ['other-pager'] },
      ],
    });
    await alerting.route([{ ...alert(1), labels: { team: 'mail' } }]);
    // Relabelled between listing and delisting: no route for the delisting names `pager` any more.
    await alerting.route([{ ...alert(1, 'delisted'), id: 'run-2:000001', labels: { team: 'web' } }]);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((delivery) => delivery.action)).toEqual(['trigger', 'resolve']);
    expect(other.sent.map((delivery) => delivery.action)).toEqual(['resolve']);
  });

  it('pages for notices about rblwatch itself only where a route names their kind', async () => {
    const pager = scripted('pager', 'per-key');
    const chat = scripted('chat', 'grouped');
    const { alerting } = await setup([pager.notifier, chat.notifier], { window: 0 });
    await alerting.scanFailed({
      id: 'run-9',
      startedAt: '2026-11-28T10:00:00.000Z',
      endedAt: '2026-11-28T10:01:00.000Z',
      status: 'failed',
      error: 'store unreachable',
    } as never);
    await alerting.outbox.deliverDue();
    expect(pager.sent).toEqual([]);
    expect(chat.sent.map((delivery) => delivery.alerts[0]?.kind)).toEqual(['scan-failed']);
  });

  it('resolves the pages of a target that stopped being watched, without telling chat it was delisted', async () => {
    const pager = scripted('pager', 'per-key');
    const chat = scripted('chat', 'grouped');
    const { alerting, repo: store } = await setup([pager.notifier, chat.notifier], { window: 0 });
    await store.putInventory({
      target: '192.0.2.1',
      kind: 'ip4',
      labels: {},
      source: 'store',
      addedAt: '2026-11-01T00:00:00.000Z',
    });
    await alerting.route([alert(1)]);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((d) => d.action)).toEqual(['trigger']);
    const run = { id: 'run-2' } as never;
    await alerting.publish([], run);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((d) => d.action)).toEqual(['trigger']);
    await store.removeInventory('192.0.2.1');
    await alerting.publish([], run);
    await alerting.outbox.deliverDue();
    expect(pager.sent.map((d) => `${d.action} ${d.dedupKey}`)).toEqual([
      'trigger rblwatch:192.0.2.1:bl.example',
      'resolve rblwatch:192.0.2.1:bl.example',
    ]);
    expect(chat.sent.map((d) => d.alerts[0]?.kind)).toEqual(['listed']);
    expect(await store.alerts.listPages()).toEqual([]);
  });
});
