import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import { createLookupService } from '../../../src/checks/lookup-service.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import type { LookupService } from '../../../src/domain/lookup-service.ts';
import { type CommandHarness, type CommandRun, createCommandHarness } from '../../helpers/command-harness.ts';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { makeZone } from '../../helpers/zones.ts';

let server: FakeDnsServer;
let resolver: UdpResolver;

beforeAll(async () => {
  server = await startFakeDnsServer(
    serveZoneData({
      '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
      '4.4.8.8.bl.test': { A: ['127.0.0.2'], TXT: ['spam seen <!channel> @everyone\u001b[2J'] },
    }),
  );
  resolver = new UdpResolver({
    servers: [{ host: server.host, port: server.port }],
    timeoutMs: 200,
    retries: 1,
  });
});
afterAll(async () => {
  await resolver.close();
  await server.close();
});

let harness: CommandHarness;

beforeAll(async () => {
  const zone = makeZone({ zone: 'bl.test', delist: 'https://bl.test/?ip={target}' });
  harness = await createCommandHarness({
    zones: [zone],
    lookup: createLookupService({ resolver, zones: [zone], concurrency: 4 }),
  });
});
afterAll(() => harness.close());

function run(targets: string): Promise<CommandRun> {
  return harness.run(checkCommand, { targets });
}

describe('/rbl check through the lookup engine', () => {
  it('defers, looks up, and reports the listing with a clean TXT and the delist link', async () => {
    const { steps, reply } = await run('8.8.4.4 9.9.9.9');
    expect(steps).toEqual(['defer', 'reply']);
    expect(reply.title).toBe('1 listing found');
    expect(reply.tone).toBe('danger');
    expect(reply.ephemeral).toBe(true);
    const line = reply.lines[0] ?? '';
    expect(line).toContain('LISTED 8.8.4.4 on bl.test');
    // Plain text: control characters gone, mention syntax left for the platform renderer to escape.
    expect(line).toContain('"spam seen <!channel> @everyone [2J"');
    expect(line).not.toContain('\u001b');
    expect(line).not.toContain('\\');
    expect(reply.links).toEqual([{ label: 'Delist 8.8.4.4 (bl.test)', url: 'https://bl.test/?ip=8.8.4.4' }]);
    expect(reply.lines.at(-1)).toBe('1 listed, 0 unknown, 1 clean');
  });

  it('says clean when nothing is listed', async () => {
    const { reply } = await run('9.9.9.9');
    expect(reply).toMatchObject({ title: 'Clean on every list checked', tone: 'good' });
    expect(reply.links).toBeUndefined();
  });

  it('refuses reserved addresses without querying anything', async () => {
    const before = server.questions.length;
    const { steps, reply } = await run('192.168.0.1');
    expect(steps).toEqual(['reply']);
    expect(reply.lines[0]).toContain('private, loopback or reserved');
    expect(server.questions.length).toBe(before);
  });
});

describe('/rbl check when nothing, or nothing trustworthy, was looked up', () => {
  const zones = [
    makeZone({ zone: 'one.test' }),
    makeZone({ zone: 'two.test', delist: 'https://two.test/?ip={target}' }),
  ];
  const healthyData = serveZoneData({
    '2.0.0.127.one.test': { A: ['127.0.0.2'] },
    '2.0.0.127.two.test': { A: ['127.0.0.2'] },
  });
  let dns: FakeDnsServer;
  let dnsResolver: UdpResolver;
  let chat: CommandHarness;

  beforeAll(async () => {
    dns = await startFakeDnsServer(healthyData);
    dnsResolver = new UdpResolver({
      servers: [{ host: dns.host, port: dns.port }],
      timeoutMs: 100,
      retries: 1,
      retryBackoffMs: 10,
    });
    chat = await createCommandHarness({
      zones,
      lookup: createLookupService({ resolver: dnsResolver, zones, concurrency: 4, servers: [dns.address] }),
    });
  });
  afterAll(async () => {
    await chat.close();
    await dnsResolver.close();
    await dns.close();
  });

  it('says the resolver is down, once, and recovers at the next check once it answers again', async () => {
    dns.setHandler(() => ({ drop: true }));
    const down = await chat.run(checkCommand, { targets: '9.9.9.9' });
    expect(down.reply).toMatchObject({
      title: 'The resolver is down: nothing was checked',
      lines: [
        `no answer from ${dns.address} (2 attempts): the resolver is not running or not reachable`,
        '2 unknown',
      ],
      tone: 'warning',
    });
    // Every check probes again: the next one gets real answers.
    dns.setHandler(healthyData);
    const back = await chat.run(checkCommand, { targets: '9.9.9.9' });
    expect(back.reply).toMatchObject({ title: 'Clean on every list checked', tone: 'good' });
  });

  it('says the resolver cannot be used when it answers NXDOMAIN for every list, never "clean"', async () => {
    // The same service that has just seen the resolver healthy: that probe is not reused for the next check.
    dns.setHandler(healthyData);
    expect((await chat.run(checkCommand, { targets: '9.9.9.9' })).reply.tone).toBe('good');
    dns.setHandler(() => ({ rcode: 'NXDOMAIN' }));
    const harness = chat;
    {
      const { reply } = await harness.run(checkCommand, { targets: '9.9.9.9' });
      expect(reply.title).toBe('The resolver cannot be used: nothing was checked');
      expect(reply.lines[0]).toBe(
        `the resolver ${dns.address} answers NXDOMAIN for every list's test point: it is not resolving DNSBL ` +
          'zones; use a local recursive resolver, see README',
      );
      expect(reply.tone).toBe('warning');
    }
  });

  it('says nothing was checked when no list in use takes the target kind', async () => {
    dns.setHandler(healthyData);
    const { reply } = await chat.run(checkCommand, { targets: 'example.com' });
    expect(reply).toMatchObject({
      title: 'Nothing was checked',
      lines: ['No list in use takes domains, so nothing was looked up.'],
      tone: 'warning',
    });
  });

  it('says nothing could be checked when every list failed on its own', async () => {
    const failing: LookupService = {
      check: async (targets) => ({
        results: targets.map((target) => ({
          target: target.value,
          zone: 'one.test',
          status: 'unknown',
          reason: 'zone-unhealthy',
          detail: 'zone unreachable',
          codes: [],
          meanings: [],
          classes: [],
          txt: [],
          severity: 'major',
          ms: 0,
        })),
        zones: [],
        resolver: { status: 'ok', detail: '' },
      }),
    };
    const harness = await createCommandHarness({ zones, lookup: failing });
    try {
      const { reply } = await harness.run(checkCommand, { targets: '9.9.9.9' });
      expect(reply).toMatchObject({ title: 'Nothing could be checked', tone: 'warning' });
    } finally {
      await harness.close();
    }
  });
});
