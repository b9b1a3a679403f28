import { type Delivery, deliveryContent } from '../domain/alert.ts';
import { isDeliveryError } from '../domain/delivery-error.ts';
import type { OutboxItem } from '../domain/outbox-item.ts';
import type { Logger } from '../log.ts';
import type { AlertStore } from '../store/alert-store.ts';
import type { Notifier } from './notifiers/notifier.ts';

/** Retry policy. Defaults follow PagerDuty's advice (back off to minutes) and the 24 h give-up horizon. */
export interface RetryPolicy {
  /** First retry after about this long (default 10 s); doubled per attempt, with jitter. */
  readonly baseDelayMs: number;
  /** Longest wait between attempts (default 10 min). */
  readonly maxDelayMs: number;
  /** Give up on an item this long after it was routed (default 24 h). */
  readonly horizonMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  baseDelayMs: 10_000,
  maxDelayMs: 600_000,
  horizonMs: 86_400_000,
});

/** The longest `Retry-After` honoured; a service asking for more is asked again after this. */
const MAX_RETRY_AFTER_MS = 3_600_000;

export interface OutboxOptions {
  readonly store: AlertStore;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly log: Logger;
  readonly retry?: RetryPolicy;
  readonly clock?: () => Date;
  /** [0, 1); injectable so backoff is reproducible in tests. */
  readonly random?: () => number;
  /** Destinations sent to at once (default 4); each gets one request at a time. */
  readonly concurrency?: number;
  /** Longest wait between passes when nothing is due (default 30 s): picks up items another process queued. */
  readonly pollMs?: number;
  /** Most alerts in one grouped message (default 50); more become further messages. */
  readonly maxGroup?: number;
  /** Called for each delivered or given-up delivery (metrics). */
  readonly onResult?: (destination: string, result: 'delivered' | 'retry' | 'failed', items: number) => void;
  /** Called once per item given up on, after it is stored as failed: the place to tell other destinations. */
  readonly onGiveUp?: (items: readonly OutboxItem[], reason: string) => Promise<void>;
}

export interface PassResult {
  readonly delivered: number;
  readonly retried: number;
  readonly failed: number;
}

export interface Outbox {
  /** Reads pending items from the store: call once at start, before `start()` or `deliverDue()`. */
  load(): Promise<void>;
  /** Persists new items (ids already queued are ignored), then wakes the sender. */
  add(items: readonly OutboxItem[]): Promise<OutboxItem[]>;
  /**
   * One pass: sends every due unit once. `flush` ends grouping windows early (a one-shot `rblwatch scan` does not
   * wait a minute for company); backoff after a failure is always honoured.
   */
  deliverDue(options?: { flush?: boolean }): Promise<PassResult>;
  /** Items still pending and those given up on. */
  items(): readonly OutboxItem[];
  /** Sends in the background until `stop()`. */
  start(): void;
  /** Stops the background sender and waits for the pass in flight. */
  stop(): Promise<void>;
}

interface Unit {
  readonly notifier: Notifier;
  readonly items: OutboxItem[];
  readonly delivery: Delivery;
  /** A group formed in this pass: its membership is stored before the first attempt (see `send`). */
  readonly newBatch?: boolean;
}

/**
 * Durable delivery. Items are stored before any attempt (by the router, through {@link Outbox.add}); an item
 * leaves the store only once its service accepted it, so a crash at any point means a resend (at least once),
 * never a loss. Paging items are sent strictly in order per dedup key: only the oldest pending item of a key is
 * ever in flight, so a resolve cannot overtake its trigger, even across retries and restarts.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const retry = options.retry ?? defaultRetryPolicy;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? 30_000;
  const maxGroup = options.maxGroup ?? 50;
  const log = options.log;
  /** Pending and failed items by id, in insertion order. */
  const queue = new Map<string, OutboxItem>();
  let running = false;
  /** Aborted by `stop()`: sends in flight give up (their items stay queued) and no new unit starts. */
  let stopping = new AbortController();
  let lastLoad = 0;
  /**
   * Per destination: consecutive retryable failures, and the time (ms) before which nothing more is sent to it. A
   * 429 or a failing service is the destination's state, not one item's: the items queued behind the one that
   * failed must wait too, or they would hammer it in the same second.
   */
  const destinations = new Map<string, { failures: number; blockedUntil: number }>();
  /**
   * Items a service accepted whose removal from the store is not recorded yet (in flight, or the store failed).
   * They are never sent again from here, and nothing queued behind them on their page (or, for a grouped
   * destination, at their destination) goes out before their removal is recorded: a trigger whose removal failed
   * would otherwise be re-read from the store and re-sent after its resolve, re-opening the incident.
   */
  const unrecorded = new Map<string, OutboxItem>();
  /** Removals of delivered items asked for in this event-loop turn, written together (see `recordDelivered`). */
  let removal: { ids: string[]; written: Promise<void> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> | undefined;
  let again = false;

  /**
   * What could be sent next, ignoring time: for a paging destination the oldest pending item of each dedup key (the
   * rest wait behind it, so a resolve never overtakes its trigger); for any other destination its oldest pending
   * group or batch (one at a time, in order, so a receiver sees a listing before its delisting). Items of
   * destinations this process has no notifier for are left alone.
   */
  function plan(): { notifier: Notifier; items: OutboxItem[] }[] {
    const heads: { notifier: Notifier; items: OutboxItem[] }[] = [];
    const seenKeys = new Set<string>();
    const groups = new Map<string, Map<string, OutboxItem[]>>();
    const held = new Set<string>();
    for (const item of unrecorded.values()) {
      held.add(`${item.destination}\u0000${item.key}`);
      held.add(item.destination);
    }
    for (const item of queue.values()) {
      if (item.status !== 'pending' || unrecorded.has(item.id)) continue;
      const notifier = options.notifiers.get(item.destination);
      if (!notifier) continue;
      if (held.has(notifier.mode === 'per-key' ? `${item.destination}\u0000${item.key}` : item.destination))
        continue;
      if (notifier.mode === 'per-key') {
        const slot = `${item.destination}\u0000${item.key}`;
        if (seenKeys.has(slot)) continue;
        seenKeys.add(slot);
        heads.push({ notifier, items: [item] });
        continue;
      }
      let byGroup = groups.get(item.destination);
      if (!byGroup) {
        byGroup = new Map();
        groups.set(item.destination, byGroup);
      }
      const slot = item.batch !== undefined ? `batch\u0000${item.batch}` : `group\u0000${item.key}`;
      const members = byGroup.get(slot);
      if (members) members.push(item);
      else byGroup.set(slot, [item]);
    }
    for (const byGroup of groups.values()) {
      // Map order is the order of each group's oldest item: the first entry is the destination's head.
      const [first] = byGroup.values();
      const notifier = first && options.notifiers.get((first[0] as OutboxItem).destination);
      if (first && notifier) heads.push({ notifier, items: first });
    }
    return heads;
  }

  function blockedUntil(destination: string): number {
    return destinations.get(destination)?.blockedUntil ?? 0;
  }

  function collectUnits(now: number, flush: boolean): Unit[] {
    const units: Unit[] = [];
    for (const { notifier, items } of plan()) {
      const first = items[0] as OutboxItem;
      if (blockedUntil(first.destination) > now) continue;
      // The grouping window runs from a group's first item; flushing ends it early, but backoff is always honoured.
      const due =
        Date.parse(first.dueAt) <= now || (flush && first.attempts === 0 && first.batch === undefined);
      if (!due) continue;
      if (notifier.mode === 'per-key') {
        units.push({
          notifier,
          items: [first],
          delivery: {
            id: first.id,
            destination: first.destination,
            action: first.action,
            dedupKey: first.key,
            ...deliveryContent([first.payload]),
          },
        });
      } else if (first.batch !== undefined) {
        units.push(groupUnit(first.batch, items));
      } else {
        const chunk = items.slice(0, maxGroup);
        const id = `batch:${first.id}`;
        const batched = chunk.map((item) => ({ ...item, batch: id }));
        for (const item of batched) queue.set(item.id, item);
        units.push({ ...groupUnit(id, batched), newBatch: true });
      }
    }
    return units;
  }

  function groupUnit(id: string, items: OutboxItem[]): Unit {
    const first = items[0] as OutboxItem;
    return {
      notifier: options.notifiers.get(first.destination) as Notifier,
      items,
      delivery: {
        id,
        destination: first.destination,
        action: 'notify',
        ...deliveryContent(items.map((item) => item.payload)),
      },
    };
  }

  function backoff(attempts: number, retryAfterMs: number | undefined): number {
    const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    // Jitter spreads the retries of many items that failed together (a service coming back is not stampeded).
    const jittered = exponential * (0.5 + random() / 2);
    // A Retry-After far in the future (a misconfigured proxy) must not make the item give up at once: cap it.
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  }

  async function send(unit: Unit): Promise<'delivered' | 'retry' | 'failed'> {
    const { notifier, items, delivery } = unit;
    const unitLog = log.child({ delivery: delivery.id, destination: delivery.destination });
    // The batch is stored before the first attempt: a process that dies after the receiver accepted it must resend
    // exactly these alerts under this id (which the receiver drops as a duplicate), never a bigger batch under the
    // same id (which it would drop whole, losing the newcomers).
    if (unit.newBatch) await options.store.updateOutbox(items);
    try {
      await notifier.send(delivery, stopping.signal);
    } catch (error) {
      const now = clock();
      const retryable = !isDeliveryError(error) || error.retryable;
      const reason = error instanceof Error ? error.message : String(error);
      const status = isDeliveryError(error) ? error.status : undefined;
      const attempts = (items[0] as OutboxItem).attempts + 1;
      const wait = backoff(attempts, isDeliveryError(error) ? error.retryAfterMs : undefined);
      if (retryable) blockDestination(delivery.destination, now.getTime(), error);
      const oldest = Math.min(...items.map((item) => Date.parse(item.createdAt)));
      const giveUp = !retryable || now.getTime() + wait - oldest > retry.horizonMs;
      const updated: OutboxItem[] = items.map((item) => ({
        ...item,
        attempts,
        lastError: reason.slice(0, 500),
        ...(status === undefined ? {} : { lastStatus: status }),
        ...(giveUp
          ? { status: 'failed' as const, failedAt: now.toISOString() }
          : { dueAt: new Date(now.getTime() + wait).toISOString() }),
      }));
      await options.store.updateOutbox(updated);
      for (const item of updated) queue.set(item.id, item);
      if (giveUp) {
        unitLog.error(
          { attempts, status, items: items.length },
          `gave up delivering to ${delivery.destination}: ${reason}`,
        );
        options.onResult?.(delivery.destination, 'failed', items.length);
        await options.onGiveUp?.(updated, reason);
        return 'failed';
      }
      unitLog.warn(
        { attempts, status, retryInMs: Math.round(wait) },
        `delivery failed, will retry: ${reason}`,
      );
      options.onResult?.(delivery.destination, 'retry', items.length);
      return 'retry';
    }
    destinations.delete(delivery.destination);
    // Out of the queue first, and remembered until the store agrees: should recording fail, they must not go out
    // again, and what follows them must wait (see `unrecorded`).
    for (const item of items) {
      queue.delete(item.id);
      unrecorded.set(item.id, item);
    }
    unitLog.info({ items: items.length, action: delivery.action }, `delivered to ${delivery.destination}`);
    options.onResult?.(delivery.destination, 'delivered', items.length);
    // Recorded before this destination gets its next request: a crash now repeats at most this one delivery.
    await recordDelivered(items.map((item) => item.id));
    return 'delivered';
  }

  /**
   * Back the whole destination off after a retryable failure: until its `Retry-After`, else by the destination's
   * own exponential backoff (consecutive failures, with jitter).
   */
  function blockDestination(destination: string, now: number, error: unknown): void {
    const failures = (destinations.get(destination)?.failures ?? 0) + 1;
    const wait = backoff(failures, isDeliveryError(error) ? error.retryAfterMs : undefined);
    destinations.set(destination, { failures, blockedUntil: now + wait });
  }

  /**
   * Removes delivered items from the store. Removals asked for in the same event-loop turn (deliveries to several
   * destinations finishing together) share one write; each caller waits for the write that covers its items.
   */
  function recordDelivered(ids: readonly string[]): Promise<void> {
    if (!removal) {
      const batch: { ids: string[]; written: Promise<void> } = { ids: [], written: Promise.resolve() };
      batch.written = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (removal === batch) removal = undefined;
        await options.store.removeOutbox(batch.ids);
        for (const id of batch.ids) unrecorded.delete(id);
      });
      removal = batch;
    }
    removal.ids.push(...ids);
    return removal.written;
  }

  async function runPass(flush: boolean): Promise<PassResult> {
    const counts = { delivered: 0, retried: 0, failed: 0 };
    if (unrecorded.size > 0) {
      try {
        await recordDelivered([...unrecorded.keys()]);
      } catch (error) {
        log.error(
          { err: error, items: unrecorded.size },
          'could not record delivered alerts yet; holding what follows them',
        );
        return counts;
      }
    }
    // Repeat while a pass unblocks more work (a trigger delivered lets its resolve go in the same pass).
    for (let round = 0; round < 100; round++) {
      const units = collectUnits(clock().getTime(), flush);
      if (units.length === 0) break;
      // One request in flight per destination, destinations side by side: a crash repeats at most the one request
      // in flight to a service, and a destination that starts failing stops getting requests at once.
      const lanes = new Map<string, Unit[]>();
      for (const unit of units) {
        const lane = lanes.get(unit.delivery.destination);
        if (lane) lane.push(unit);
        else lanes.set(unit.delivery.destination, [unit]);
      }
      const queues = [...lanes.values()];
      let next = 0;
      let progressed = false;
      const runLane = async (lane: readonly Unit[]): Promise<void> => {
        for (const unit of lane) {
          if (stopping.signal.aborted || blockedUntil(unit.delivery.destination) > clock().getTime()) return;
          let result: 'delivered' | 'retry' | 'failed';
          try {
            result = await send(unit);
          } catch (error) {
            // The store failed while recording the outcome: leave the rest of this lane for a later pass.
            log.error({ err: error, delivery: unit.delivery.id }, 'could not record a delivery outcome');
            counts.retried++;
            return;
          }
          if (result === 'delivered') counts.delivered++;
          else if (result === 'retry') counts.retried++;
          else counts.failed++;
          if (result !== 'retry') progressed = true;
        }
      };
      const worker = async (): Promise<void> => {
        while (next < queues.length && !stopping.signal.aborted) await runLane(queues[next++] as Unit[]);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
      if (!progressed || stopping.signal.aborted) break;
    }
    return counts;
  }

  /** Passes and reloads never overlap: each starts after the previous one settled. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = pass ?? Promise.resolve();
    const current = previous.then(work);
    pass = current.catch(() => undefined);
    return current;
  }

  function exclusivePass(flush: boolean): Promise<PassResult> {
    return exclusive(() => runPass(flush));
  }

  /** Until the next item that could actually go (a head of `plan()`), at most `pollMs`. */
  function nextWakeMs(): number {
    const now = clock().getTime();
    let next = now + pollMs;
    for (const { items } of plan()) {
      const first = items[0] as OutboxItem;
      next = Math.min(next, Math.max(Date.parse(first.dueAt), blockedUntil(first.destination)));
    }
    return Math.max(50, next - now);
  }

  /** The store is the truth: another process (`alerts retry`, a one-shot `scan`) may have queued or changed items. */
  async function reload(): Promise<void> {
    const stored = await options.store.listOutbox();
    queue.clear();
    for (const item of stored) if (!unrecorded.has(item.id)) queue.set(item.id, item);
    lastLoad = clock().getTime();
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      again = false;
      const stale = clock().getTime() - lastLoad >= pollMs;
      (stale ? exclusive(reload) : Promise.resolve())
        .then(() => exclusivePass(false))
        .catch((error: unknown) => log.error({ err: error }, 'outbox pass failed'))
        .finally(() => schedule(again ? 0 : nextWakeMs()));
    }, delayMs);
    timer.unref?.();
  }

  return {
    async load() {
      await reload();
      const unknown = [...queue.values()].filter(
        (item) => item.status === 'pending' && !options.notifiers.has(item.destination),
      );
      if (unknown.length > 0) {
        log.warn(
          { destinations: [...new Set(unknown.map((item) => item.destination))], items: unknown.length },
          'queued alerts name destinations no longer configured; they stay queued until the destination returns',
        );
      }
    },
    async add(items) {
      const added = await options.store.addOutbox(items);
      for (const item of added) queue.set(item.id, item);
      if (added.length > 0) {
        again = true;
        schedule(0);
      }
      return added;
    },
    deliverDue(passOptions = {}) {
      return exclusivePass(passOptions.flush === true);
    },
    items() {
      return [...queue.values()];
    },
    start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      stopping.abort();
      await pass;
    },
  };
}
