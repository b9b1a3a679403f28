import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Alerting, createAlerting } from '../../../src/alerts/alerting.ts';
import { createNotifiers } from '../../../src/alerts/notifiers/registry.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { Delivery } from '../../../src/domain/alert.ts';
import type { ChannelPoster } from '../../../src/domain/channel-poster.ts';
import { defaultListingPolicy } from '../../../src/domain/listing.ts';
import { type Message, toPlainText } from '../../../src/domain/message.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { makeEntry } from '../../../src/inventory/inventory.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { runScan } from '../../../src/watch/run-scan.ts';
import { type FakePagerDuty, startFakePagerDuty } from '../../helpers/fake-alert-receivers.ts';
import { createMemoryLog } from '../../helpers/memory-log.ts';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';
import { makeZone } from '../../helpers/zones.ts';

/**
 * The alerting acceptance scenario, from listing to delisting against a real rbldnsd: a watched address and a
 * watched /28 get listed, then delisted. PagerDuty must see exactly one incident for the address, triggered and
 * then resolved with the same dedup key; the channel must get one grouped message for the range's listings, not
 * one per address.
 */
const header = ':127.0.0.2:Listed for spam, see https://bl.example/lookup?ip=$';
const clean = `${header}\n127.0.0.2\n`;
const ROUTING_KEY = 'r'.repeat(32);

let rbldnsd: RbldnsdServer;
let resolver: UdpResolver;
let repo: ListingRepository;
let pagerduty: FakePagerDuty;
let dispatcher: Agent;
let alerting: Alerting;
const posted: { channel: string; message: Message }[] = [];
const delivered: Delivery[] = [];
const zones = [
  makeZone({ zone: 'bl.test', severity: 'critical', delist: 'https://bl.example/remove?ip={target}' }),
];

describeWithService(await rbldnsdAvailability(), 'paging scenario against rbldnsd', () => {
  beforeAll(async () => {
    rbldnsd = await startRbldnsd([{ name: 'bl.test', type: 'ip4set', data: clean }]);
    resolver = new UdpResolver({
      servers: [{ host: rbldnsd.host, port: rbldnsd.port }],
      timeoutMs: 500,
      retries: 1,
    });
    repo = await openStore('memory:');
    const at = { source: 'config' as const, addedAt: '2026-11-01T00:00:00.000Z' };
    await repo.putInventory(makeEntry('10.0.0.5', { team: 'core' }, at));
    await repo.putInventory(makeEntry('10.0.2.0/28', { team: 'mail', customer: 'acme' }, at));
    pagerduty = await startFakePagerDuty();
    dispatcher = new Agent();
    const poster: ChannelPoster = {
      platform: 'slack',
      post: async (channel, message) => {
        posted.push({ channel, message });
      },
    };
    const notifiers = createNotifiers(
      [
        {
          type: 'pagerduty',
          name: 'pager',
          routingKey: new Secret(ROUTING_KEY),
          url: pagerduty.url,
        },
        { type: 'slack', name: 'mail-ops', channel: 'C0MAILOPS1' },
      ],
      { http: { dispatcher, timeoutMs: 2000, clock: () => new Date() }, chat: { slack: poster } },
    );
    const recording = new Map(
      [...notifiers].map(([name, notifier]) => [
        name,
        {
          ...notifier,
          send: async (delivery: Delivery) => {
            await notifier.send(delivery);
            delivered.push(delivery);
          },
        },
      ]),
    );
    alerting = createAlerting({
      repo,
      routes: [
        { match: { kind: ['listed', 'delisted'], labels: { team: ['core'] } }, to: ['pager'] },
        { match: { kind: ['listed', 'delisted'] }, to: ['mail-ops'] },
      ],
      modes: new Map([
        ['pager', 'per-key'],
        ['mail-ops', 'grouped'],
      ]),
      notifiers: recording,
      log: createMemoryLog().log,
      groupWindowMs: 60_000,
    });
    await alerting.open();
  });

  afterAll(async () => {
    await resolver?.close();
    await rbldnsd?.stop();
    await repo?.close();
    await pagerduty?.close();
    await dispatcher?.close();
  });

  let minute = 0;
  const scanAndDeliver = async (): Promise<number> => {
    minute++;
    const outcome = await runScan({
      repo,
      resolver,
      zones,
      concurrency: 16,
      policy: defaultListingPolicy,
      inventory: () => repo.listInventory(),
      publisher: alerting,
      clock: () => new Date(Date.UTC(2026, 10, 28, 3, minute)),
    });
    expect(outcome.run.status).toBe('completed');
    // The process ends its grouping window early only here, where the test stands in for the passing minute.
    await alerting.outbox.deliverDue({ flush: true });
    return outcome.events.length;
  };

  it('pages once for the address, resolves it on delisting, and posts one grouped message per change', async () => {
    expect(await scanAndDeliver()).toBe(0);

    const range = Array.from({ length: 8 }, (_, i) => `10.0.2.${i}`);
    await rbldnsd.update('bl.test', `${clean}10.0.0.5\n${range.join('\n')}\n`);
    expect(await scanAndDeliver()).toBe(9);

    expect(pagerduty.requests).toHaveLength(1);
    const trigger = pagerduty.requests[0]?.json as Record<string, unknown> & {
      payload: Record<string, unknown>;
    };
    expect(trigger).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'rblwatch:10.0.0.5:bl.test',
      links: [{ href: 'https://bl.example/remove?ip=10.0.0.5' }],
    });
    expect(trigger.payload).toMatchObject({ severity: 'critical', source: '10.0.0.5', component: 'bl.test' });
    expect(JSON.stringify(trigger.payload)).toContain(
      'Listed for spam, see https://bl.example/lookup?ip=10.0.0.5',
    );
    expect(pagerduty.incidents.get('rblwatch:10.0.0.5:bl.test')).toBe('triggered');

    // One message for the nine listings, each still named.
    expect(posted).toHaveLength(1);
    const text = toPlainText(posted[0]?.message as Message);
    expect(posted[0]?.channel).toBe('C0MAILOPS1');
    for (const target of ['10.0.0.5', ...range]) expect(text).toContain(target);
    const grouped = delivered.filter((delivery) => delivery.destination === 'mail-ops');
    expect(grouped).toHaveLength(1);
    expect(grouped[0]?.alerts.map((alert) => alert.id)).toHaveLength(9);
    expect(
      grouped[0]?.alerts.filter((alert) => 'entry' in alert && alert.entry === '10.0.2.0/28'),
    ).toHaveLength(8);

    // Unlisted: the first clean scan is not yet a delisting (delistAfter 2), the second is.
    await rbldnsd.update('bl.test', clean);
    expect(await scanAndDeliver()).toBe(0);
    expect(pagerduty.requests).toHaveLength(1);
    expect(await scanAndDeliver()).toBe(9);

    expect(
      pagerduty.requests.map((request) => (request.json as { event_action: string }).event_action),
    ).toEqual(['trigger', 'resolve']);
    expect(pagerduty.requests[1]?.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'rblwatch:10.0.0.5:bl.test',
    });
    expect([...pagerduty.incidents]).toEqual([['rblwatch:10.0.0.5:bl.test', 'resolved']]);
    expect(posted).toHaveLength(2);
    expect(toPlainText(posted[1]?.message as Message)).toContain('delisted');
    expect(await repo.alerts.listOutbox()).toEqual([]);
  });
});
