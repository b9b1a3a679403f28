import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { InventoryEntry } from '../../../src/domain/inventory.ts';
import { defaultListingPolicy, type ListingEvent } from '../../../src/domain/listing.ts';
import type { Zone } from '../../../src/domain/zone.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { runScan } from '../../../src/watch/run-scan.ts';
import {
  type FakeDnsServer,
  type FakeHandler,
  serveZoneData,
  startFakeDnsServer,
} from '../../helpers/fake-dns-server.ts';
import { makeZone } from '../../helpers/zones.ts';

/**
 * "The first scan is silent" holds per (target, zone): a listing that existed before rblwatch could look at that
 * pair is recorded as existing (`initial`), also when the zone was not due on the target's first scan (a zone
 * interval) or could not be queried then; and a listing that appears after the pair was checked is news.
 */
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-28T12:00:00.000Z');
const zones: Zone[] = [makeZone({ zone: 'often.test' }), makeZone({ zone: 'rare.test' })];

let dns: FakeDnsServer;
let resolver: UdpResolver;
let repo: ListingRepository;

/** Test points on both zones, and these (address, zone) pairs listed. */
function listing(pairs: readonly (readonly [string, string])[]): FakeHandler {
  const data: Record<string, { A: string[] }> = {
    '2.0.0.127.often.test': { A: ['127.0.0.2'] },
    '2.0.0.127.rare.test': { A: ['127.0.0.2'] },
  };
  for (const [ip, zone] of pairs) data[`${ip.split('.').reverse().join('.')}.${zone}`] = { A: ['127.0.0.2'] };
  return serveZoneData(data);
}

beforeAll(async () => {
  dns = await startFakeDnsServer();
  resolver = new UdpResolver({ servers: [{ host: dns.host, port: dns.port }], timeoutMs: 300, retries: 0 });
});
afterAll(async () => {
  await resolver?.close();
  await dns?.close();
});
afterEach(async () => {
  await repo?.close();
});

async function scan(at: number): Promise<string[]> {
  const outcome = await runScan({
    repo,
    resolver,
    zones,
    concurrency: 8,
    policy: defaultListingPolicy,
    inventory: (): Promise<InventoryEntry[]> => repo.listInventory(),
    publisher: { publish: async () => {} },
    clock: () => new Date(at),
    zoneIntervals: new Map([['rare.test', 6 * HOUR]]),
  });
  expect(outcome.run.status).toBe('completed');
  return outcome.events.map(summarize);
}

function summarize(event: ListingEvent): string {
  const what = [event.kind, event.target, event.zone].filter(Boolean).join(' ');
  return `${what}${event.initial ? ' (initial)' : ''}`;
}

async function watch(target: string, at: number): Promise<void> {
  await repo.putInventory(makeEntry(target, {}, { source: 'store', addedAt: new Date(at).toISOString() }));
}

describe('first checks', () => {
  it('keeps a pre-existing listing silent when its zone was not due on the first scan', async () => {
    repo = await openStore('memory:');
    dns.setHandler(
      listing([
        ['192.0.2.1', 'rare.test'],
        ['192.0.2.2', 'rare.test'],
      ]),
    );
    await watch('192.0.2.1', T0);
    expect(await scan(T0)).toEqual(['listed 192.0.2.1 rare.test (initial)']);
    // A target added while rare.test is not due: its first scan asks only often.test.
    await watch('192.0.2.2', T0 + HOUR);
    expect(await scan(T0 + HOUR)).toEqual([]);
    // When rare.test is asked again, 192.0.2.2's listing there is found for the first time: existing, not news.
    expect(await scan(T0 + 7 * HOUR)).toEqual(['listed 192.0.2.2 rare.test (initial)']);
    // A listing that appears after the pair was checked is news.
    dns.setHandler(
      listing([
        ['192.0.2.1', 'rare.test'],
        ['192.0.2.2', 'rare.test'],
        ['192.0.2.2', 'often.test'],
      ]),
    );
    expect(await scan(T0 + 8 * HOUR)).toEqual(['listed 192.0.2.2 often.test']);
  });

  it('keeps a pre-existing listing silent when its zone could not be queried on the first scan', async () => {
    repo = await openStore('memory:');
    const healthy = listing([['192.0.2.5', 'often.test']]);
    // often.test refuses its probes on the target's first scan: nothing is asked there.
    dns.setHandler((question) =>
      question.name.endsWith('often.test') ? { rcode: 'REFUSED' } : healthy(question),
    );
    await watch('192.0.2.5', T0);
    expect(await scan(T0)).toEqual(['zone-degraded often.test']);
    dns.setHandler(healthy);
    expect(await scan(T0 + HOUR)).toEqual([
      'zone-recovered often.test',
      'listed 192.0.2.5 often.test (initial)',
    ]);
  });
});
