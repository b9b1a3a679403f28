import { afterAll, beforeAll, expect, it } from 'vitest';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { InventoryEntry } from '../../../src/domain/inventory.ts';
import { defaultListingPolicy, type ListingEvent } from '../../../src/domain/listing.ts';
import type { Zone } from '../../../src/domain/zone.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { runScan } from '../../../src/watch/run-scan.ts';
import { type DnsProxy, startDnsProxy } from '../../helpers/dns-proxy.ts';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';
import { makeZone } from '../../helpers/zones.ts';

/**
 * The watch acceptance scenario against a real rbldnsd: scan, change what the lists say (list one IP, unlist
 * another, make one zone list everything, make one zone stop answering), scan again and again; the recorded events
 * must be exactly the true changes, in order, with their evidence, and nothing else.
 */
const header = ':127.0.0.2:Listed on $ see https://bl.example/$';
const data = {
  alpha: `${header}\n127.0.0.2\n10.0.0.5\n`,
  beta: `${header}\n127.0.0.2\n`,
  gamma: `${header}\n127.0.0.2/32\n10.0.0.9/32\n`,
  delta: `${header}\n127.0.0.2\n`,
};

let rbldnsd: RbldnsdServer;
let proxy: DnsProxy;
let resolver: UdpResolver;
let repo: ListingRepository;
const zones: Zone[] = ['alpha', 'beta', 'gamma', 'delta'].map((name) =>
  makeZone({ zone: `${name}.test`, delist: `https://${name}.example/?ip={target}` }),
);

describeWithService(await rbldnsdAvailability(), 'scan scenario against rbldnsd', () => {
  beforeAll(async () => {
    rbldnsd = await startRbldnsd([
      { name: 'alpha.test', type: 'ip4set', data: data.alpha },
      { name: 'beta.test', type: 'ip4set', data: data.beta },
      { name: 'gamma.test', type: 'ip4trie', data: data.gamma },
      { name: 'delta.test', type: 'ip4set', data: data.delta },
    ]);
    proxy = await startDnsProxy({ host: rbldnsd.host, port: rbldnsd.port });
    resolver = new UdpResolver({
      servers: [{ host: proxy.host, port: proxy.port }],
      timeoutMs: 300,
      retries: 1,
    });
    repo = await openStore('memory:');
    const at = { source: 'config' as const, addedAt: '2026-11-01T00:00:00.000Z' };
    for (const entry of [makeEntry('10.0.0.0/28', { team: 'mail' }, at), makeEntry('10.0.1.1', {}, at)]) {
      await repo.putInventory(entry);
    }
  });

  afterAll(async () => {
    await resolver?.close();
    await proxy?.close();
    await rbldnsd?.stop();
    await repo?.close();
  });

  let minute = 0;
  const scan = async (): Promise<string[]> => {
    minute++;
    const outcome = await runScan({
      repo,
      resolver,
      zones,
      concurrency: 32,
      policy: defaultListingPolicy,
      inventory: (): Promise<InventoryEntry[]> => repo.listInventory(),
      publisher: { publish: async () => {} },
      clock: () => new Date(Date.UTC(2026, 10, 28, 12, minute)),
    });
    expect(outcome.run.status).toBe('completed');
    return outcome.events.map(describe);
  };

  const describe = (event: ListingEvent): string =>
    [event.kind, event.target ?? '-', event.zone, event.initial ? 'initial' : '', event.health ?? '']
      .filter(Boolean)
      .join(' ');

  it('records exactly the true changes, in order, with evidence', async () => {
    // First scan: listings that already exist are recorded as such, not announced as new.
    expect(await scan()).toEqual([
      'listed 10.0.0.5 alpha.test initial',
      'listed 10.0.0.9 gamma.test initial',
    ]);

    await rbldnsd.update('beta.test', `${data.beta}10.0.0.7\n`);
    await rbldnsd.update('alpha.test', `${header}\n127.0.0.2\n`);
    await rbldnsd.update('gamma.test', `${header}\n0.0.0.0/0\n`);
    proxy.setDrop((name) => name.endsWith('.delta.test'));
    // The unlisting needs two clean scans (delistAfter 2); the broken zones are reported once.
    expect(await scan()).toEqual([
      'zone-degraded - gamma.test wildcard',
      'zone-degraded - delta.test unreachable',
      'listed 10.0.0.7 beta.test',
    ]);
    expect(await scan()).toEqual(['delisted 10.0.0.5 alpha.test']);
    expect(await scan()).toEqual([]);

    await rbldnsd.update('gamma.test', data.gamma);
    proxy.setDrop(() => false);
    // Recovery is announced; 10.0.0.9 was listed all along, so it is not news.
    expect(await scan()).toEqual(['zone-recovered - gamma.test ok', 'zone-recovered - delta.test ok']);
    expect(await scan()).toEqual([]);

    const history = await repo.listEvents({ target: '10.0.0.7' });
    expect(history.events).toHaveLength(1);
    expect(history.events[0]).toMatchObject({
      kind: 'listed',
      zone: 'beta.test',
      codes: ['127.0.0.2'],
      txt: ['Listed on 10.0.0.7 see https://bl.example/10.0.0.7'],
      delist: 'https://beta.example/?ip=10.0.0.7',
    });
    const all = await repo.listEvents({ limit: 1000 });
    expect(all.events.map(describe).reverse()).toEqual([
      'listed 10.0.0.5 alpha.test initial',
      'listed 10.0.0.9 gamma.test initial',
      'zone-degraded - gamma.test wildcard',
      'zone-degraded - delta.test unreachable',
      'listed 10.0.0.7 beta.test',
      'delisted 10.0.0.5 alpha.test',
      'zone-recovered - gamma.test ok',
      'zone-recovered - delta.test ok',
    ]);
    const states = [...(await repo.getStates()).values()]
      .filter((s) => s.status === 'listed')
      .map((s) => s.target);
    expect(states.sort()).toEqual(['10.0.0.7', '10.0.0.9']);
  });
});
