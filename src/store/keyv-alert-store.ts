/**
 * The {@link AlertStore} over the same keyv instance as the listings.
 *
 * Keys (under the store's namespace; values are JSON):
 *
 * | key                 | value                                         |
 * | ------------------- | --------------------------------------------- |
 * | `outbox`            | ids of pending and failed items, oldest first |
 * | `outbox:<id>`       | `OutboxItem` (older stores: the flat shape)   |
 * | `mutes`             | `Mute[]`                                      |
 * | `routed-through`    | run id: events up to this run are routed      |
 * | `pages`             | open pages, `<destination>|<dedup key>`        |
 *
 * Every write runs in one store transaction (`exclusive`), so the index and its items change together: an update
 * from one writer cannot bring back an item another removed (it finds the id gone from the index), and two adds
 * never drop each other's ids. A store of the previous version may still hold an id whose item is gone (it wrote
 * these in separate steps); readers skip such an id.
 */

import { z } from 'zod';
import type { Mute } from '../domain/mute.ts';
import type { OutboxItem } from '../domain/outbox-item.ts';
import type { AlertStore } from './alert-store.ts';
import { readOutboxItem } from './stored-outbox-item.ts';
import { readChecked } from './stored-values.ts';

/** The repository's guarded access to its keyv instance (error mapping, transactions). */
export interface KeyValueAccess {
  read<T>(key: string, check: (value: unknown, key: string) => T): Promise<T | undefined>;
  write(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  /** Runs a read-only operation. */
  query<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Runs a writing operation as one store transaction; `fn` may run more than once (see TransactionalStore). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const alertKeys = {
  outbox: 'outbox',
  item: (id: string): string => `outbox:${id}`,
  mutes: 'mutes',
  routedThrough: 'routed-through',
  pages: 'pages',
} as const;

/**
 * What an outbox item must have for the outbox to route and send it; the rest of {@link OutboxItem} (and what the
 * alert carries) is the outbox's business, and passes as stored.
 */

const mutesSchema = z.array(
  z.object({ scope: z.enum(['target', 'zone']), value: z.string(), until: z.string() }),
);
const idsSchema = z.array(z.string());

/** Failed items kept for `alerts pending`; older ones are dropped first. */
const MAX_FAILED = 1000;
/** Items read in parallel. */
const READ_BATCH = 32;

export class KeyvAlertStore implements AlertStore {
  readonly #kv: KeyValueAccess;

  constructor(access: KeyValueAccess) {
    this.#kv = access;
  }

  listOutbox(): Promise<OutboxItem[]> {
    return this.#kv.query('listOutbox', async () => this.#readItems(await this.#readIndex()));
  }

  addOutbox(items: readonly OutboxItem[]): Promise<OutboxItem[]> {
    return this.#kv.exclusive('addOutbox', async () => {
      const index = await this.#readIndex();
      const present = new Set(index);
      const added = items.filter((item) => !present.has(item.id) && present.add(item.id));
      if (added.length === 0) return [];
      for (const item of added) await this.#kv.write(alertKeys.item(item.id), item);
      await this.#kv.write(alertKeys.outbox, [...index, ...added.map((item) => item.id)]);
      return added;
    });
  }

  updateOutbox(items: readonly OutboxItem[]): Promise<void> {
    return this.#kv.exclusive('updateOutbox', async () => {
      const index = await this.#readIndex();
      const present = new Set(index);
      for (const item of items) {
        if (present.has(item.id)) await this.#kv.write(alertKeys.item(item.id), item);
      }
      // Only a new failure can push the kept failures over the cap; reading every item on each retry would make an
      // outage quadratic in the backlog.
      if (!items.some((item) => item.status === 'failed')) return;
      const failed = (await this.#readItems(index)).filter((item) => item.status === 'failed');
      if (failed.length > MAX_FAILED) await this.#drop(index, failed.slice(0, failed.length - MAX_FAILED));
    });
  }

  removeOutbox(ids: readonly string[]): Promise<void> {
    return this.#kv.exclusive('removeOutbox', async () => {
      const index = await this.#readIndex();
      await this.#drop(
        index,
        ids.map((id) => ({ id })),
      );
    });
  }

  listPages(): Promise<string[]> {
    return this.#kv.query('listPages', () => this.#readPages());
  }

  updatePages(open: readonly string[], closed: readonly string[]): Promise<void> {
    return this.#kv.exclusive('updatePages', async () => {
      if (open.length === 0 && closed.length === 0) return;
      const pages = new Set(await this.#readPages());
      for (const page of closed) pages.delete(page);
      for (const page of open) pages.add(page);
      await this.#kv.write(alertKeys.pages, [...pages]);
    });
  }

  async #readPages(): Promise<string[]> {
    const pages = await this.#kv.read(alertKeys.pages, (value, key) =>
      readChecked<string[]>(idsSchema, value, key, { problem: 'expected a list of pages' }),
    );
    return pages ?? [];
  }

  getRoutedThrough(): Promise<string | undefined> {
    return this.#kv.query('getRoutedThrough', () => this.#readRoutedThrough());
  }

  #readRoutedThrough(): Promise<string | undefined> {
    return this.#kv.read(alertKeys.routedThrough, (value, key) =>
      readChecked<string>(z.string(), value, key, { problem: 'expected a run id' }),
    );
  }

  setRoutedThrough(runId: string): Promise<void> {
    // Only forward: two processes routing at once must not move the cursor back over what one of them routed.
    return this.#kv.exclusive('setRoutedThrough', async () => {
      const current = await this.#readRoutedThrough();
      if (current === undefined || runId > current) await this.#kv.write(alertKeys.routedThrough, runId);
    });
  }

  listMutes(now: Date): Promise<Mute[]> {
    return this.#kv.query('listMutes', async () => inForce(await this.#readMutes(), now));
  }

  putMute(mute: Mute): Promise<void> {
    return this.#kv.exclusive('putMute', async () => {
      const kept = inForce(await this.#readMutes(), new Date(mute.createdAt)).filter(
        (other) => other.scope !== mute.scope || other.value !== mute.value,
      );
      await this.#kv.write(alertKeys.mutes, [...kept, mute]);
    });
  }

  removeMute(scope: Mute['scope'], value: string, now: Date): Promise<boolean> {
    return this.#kv.exclusive('removeMute', async () => {
      const mutes = inForce(await this.#readMutes(), now);
      const kept = mutes.filter((mute) => mute.scope !== scope || mute.value !== value);
      await this.#kv.write(alertKeys.mutes, kept);
      return kept.length !== mutes.length;
    });
  }

  async #drop(index: readonly string[], items: readonly { id: string }[]): Promise<void> {
    const gone = new Set(items.map((item) => item.id));
    const kept = index.filter((id) => !gone.has(id));
    if (kept.length === index.length) return;
    await this.#kv.write(alertKeys.outbox, kept);
    for (const id of index) if (gone.has(id)) await this.#kv.remove(alertKeys.item(id));
  }

  async #readIndex(): Promise<string[]> {
    const index = await this.#kv.read(alertKeys.outbox, (value, key) =>
      readChecked<string[]>(idsSchema, value, key, { problem: 'expected a list of ids' }),
    );
    return index ?? [];
  }

  async #readItems(ids: readonly string[]): Promise<OutboxItem[]> {
    const items: OutboxItem[] = [];
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const batch = await Promise.all(
        ids.slice(start, start + READ_BATCH).map((id) => this.#kv.read(alertKeys.item(id), readOutboxItem)),
      );
      // An id whose item is gone was being removed when a process died: skip it.
      for (const item of batch) if (item !== undefined) items.push(item);
    }
    return items;
  }

  async #readMutes(): Promise<Mute[]> {
    const mutes = await this.#kv.read(alertKeys.mutes, (value, key) =>
      readChecked<Mute[]>(mutesSchema, value, key, {
        problem: Array.isArray(value) ? 'a mute lacks scope, value or until' : 'expected a list of mutes',
      }),
    );
    return mutes ?? [];
  }
}

function inForce(mutes: readonly Mute[], now: Date): Mute[] {
  return mutes.filter((mute) => Date.parse(mute.until) > now.getTime());
}
