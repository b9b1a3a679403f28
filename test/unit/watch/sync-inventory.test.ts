/**
 * syncConfigInventory: the config file's targets into the store, as one atomic inventory change (linear in the
 * inventory, and safe against a `watch add` from another process at the same moment).
 */
import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../../../src/domain/ip-text.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import { openMemory } from '../../../src/store/backends/memory.ts';
import { KeyvListingRepository } from '../../../src/store/keyv-repository.ts';
import { syncConfigInventory } from '../../../src/watch/sync-inventory.ts';
import { instrumentKeyv } from '../../contract/instrumented-store.ts';

const meta = { addedAt: '2026-11-28T10:00:00.000Z' };
const config = (text: string, team = 'mail') => makeEntry(text, { team }, { ...meta, source: 'config' });
const stored = (text: string) => makeEntry(text, {}, { ...meta, source: 'store', addedBy: 'cli' });

describe('syncConfigInventory', () => {
  it('adds new config entries, updates changed labels, removes dropped ones and leaves store entries alone', async () => {
    const repo = await KeyvListingRepository.open({ keyv: await openMemory(), backend: 'memory' });
    await repo.changeInventory(() => ({
      put: [config('192.0.2.1'), config('192.0.2.2'), config('192.0.2.3'), stored('203.0.113.7')],
    }));
    const synced = await syncConfigInventory(repo, [
      config('192.0.2.1'),
      config('192.0.2.2', 'edge'),
      config('198.51.100.0/28'),
    ]);
    expect(synced).toEqual({ added: ['198.51.100.0/28'], updated: ['192.0.2.2'], removed: ['192.0.2.3'] });
    expect((await repo.listInventory()).map((entry) => [entry.target, entry.labels.team])).toEqual([
      ['192.0.2.1', 'mail'],
      ['192.0.2.2', 'edge'],
      ['203.0.113.7', undefined],
      ['198.51.100.0/28', 'mail'],
    ]);
    await repo.close();
  });

  it('syncs 65,536 single IPs in one write, in linear time', async () => {
    const keyv = await openMemory();
    const { keyv: counted, store } = instrumentKeyv(keyv);
    const repo = new KeyvListingRepository({ keyv: counted, backend: 'memory' });
    const entries = Array.from({ length: 65_536 }, (_, n) => config(formatIpv4((10 << 24) + n)));
    const started = performance.now();
    const synced = await syncConfigInventory(repo, entries);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(synced.added).toHaveLength(65_536);
    expect(store.writes).toHaveLength(1);
    // Unchanged: a read only, no transaction (a read-only command takes no write lock).
    expect(await syncConfigInventory(repo, entries)).toEqual({ added: [], updated: [], removed: [] });
    expect({ writes: store.writes.length, transactions: store.transactions }).toEqual({
      writes: 1,
      transactions: 1,
    });
  });

  it('loses no `watch add` made by another process during the sync', async () => {
    const keyv = await openMemory({ namespace: 'rblwatch' });
    const serve = await KeyvListingRepository.open({ keyv, backend: 'memory' });
    const cli = await KeyvListingRepository.open({
      keyv: new Keyv({ store: keyv.store, namespace: 'rblwatch', throwOnErrors: true }),
      backend: 'memory',
    });
    const entries = Array.from({ length: 2_000 }, (_, n) => config(formatIpv4((10 << 24) + n)));
    await Promise.all([
      syncConfigInventory(serve, entries),
      ...Array.from({ length: 20 }, (_, n) => cli.putInventory(stored(`203.0.113.${n}`))),
    ]);
    expect(await serve.listInventory()).toHaveLength(2_020);
    await cli.close();
    await serve.close();
  });
});
