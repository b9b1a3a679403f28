import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../../commands/check.ts';
import { createLookupService } from '../../../src/checks/lookup-service.ts';
import type { CommandContext, Reply } from '../../../src/command-api/command.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
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

function run(targets: string): Promise<{ steps: string[]; replies: Reply[] }> {
  const steps: string[] = [];
  const replies: Reply[] = [];
  const zone = makeZone({ zone: 'bl.test', delist: 'https://bl.test/?ip={target}' });
  const context: CommandContext = {
    args: { targets },
    user: { id: 'U1', name: 'alice', platform: 'cli' },
    defer: async () => {
      steps.push('defer');
    },
    reply: async (reply) => {
      steps.push('reply');
      replies.push(reply);
    },
    services: { lookup: createLookupService({ resolver, zones: [zone], concurrency: 4 }) },
  };
  return checkCommand.run(context).then(() => ({ steps, replies }));
}

describe('/rbl check through the lookup engine', () => {
  it('defers, looks up, and reports the listing with a safe TXT and the delist link', async () => {
    const { steps, replies } = await run('8.8.4.4 9.9.9.9');
    expect(steps).toEqual(['defer', 'reply']);
    expect(replies[0]?.title).toBe('1 listing found');
    const line = replies[0]?.lines[0] ?? '';
    expect(line).toContain('LISTED 8.8.4.4 on bl.test');
    expect(line).toContain('delist: https://bl.test/?ip=8.8.4.4');
    expect(line).toContain('\\<!channel\\> \\@everyone');
    expect(line).not.toContain('\u001b');
    expect(replies[0]?.lines.at(-1)).toBe('1 listed, 0 unknown, 1 clean');
  });

  it('refuses reserved addresses without querying anything', async () => {
    const before = server.questions.length;
    const { steps, replies } = await run('192.168.0.1');
    expect(steps).toEqual(['reply']);
    expect(replies[0]?.lines[0]).toContain('private, loopback or reserved');
    expect(server.questions.length).toBe(before);
  });
});
