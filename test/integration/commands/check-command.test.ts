import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import { createLookupService } from '../../../src/checks/lookup-service.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
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
