import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DnsResponse } from '../../../src/dns/dns-resolver.ts';
import { parseResolverAddress } from '../../../src/dns/resolver-address.ts';
import { UdpResolver } from '../../../src/dns/udp-resolver.ts';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';

let server: FakeDnsServer;
let spare: FakeDnsServer;
const resolvers: UdpResolver[] = [];

function resolverFor(
  addresses: string[],
  options: { timeoutMs?: number; retries?: number } = {},
): UdpResolver {
  const resolver = new UdpResolver({
    servers: addresses.map(parseResolverAddress),
    timeoutMs: options.timeoutMs ?? 300,
    retries: options.retries ?? 1,
  });
  resolvers.push(resolver);
  return resolver;
}

beforeAll(async () => {
  server = await startFakeDnsServer();
  spare = await startFakeDnsServer();
});
afterEach(async () => {
  await Promise.all(resolvers.splice(0).map((r) => r.close()));
  server.questions.length = 0;
  spare.questions.length = 0;
});
afterAll(async () => {
  await server.close();
  await spare.close();
});

function answerOf(response: DnsResponse): { rcode: string; values: string[] } {
  if (response.kind !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(response)}`);
  return { rcode: response.rcode, values: response.records.map((r) => `${r.type} ${r.value}`) };
}

describe('UdpResolver against a DNS server on loopback', () => {
  it('returns every A record of a multi-record answer, in order', async () => {
    server.setHandler(
      serveZoneData({ '2.0.0.127.zen.test': { A: ['127.0.0.2', '127.0.0.4', '127.0.0.10'] } }),
    );
    const response = await resolverFor([server.address]).query('2.0.0.127.zen.test', 'A');
    expect(answerOf(response)).toEqual({
      rcode: 'NOERROR',
      values: ['A 127.0.0.2', 'A 127.0.0.4', 'A 127.0.0.10'],
    });
  });

  it('reads TXT, AAAA and MX records', async () => {
    server.setHandler(
      serveZoneData({
        'x.test': {
          TXT: ['Listed: see https://example.test/?x'],
          AAAA: ['2001:db8::25'],
          MX: ['10 mx.x.test'],
        },
      }),
    );
    const resolver = resolverFor([server.address]);
    expect(answerOf(await resolver.query('x.test', 'TXT')).values).toEqual([
      'TXT Listed: see https://example.test/?x',
    ]);
    expect(answerOf(await resolver.query('x.test', 'AAAA')).values).toEqual(['AAAA 2001:db8::25']);
    expect(answerOf(await resolver.query('x.test', 'MX')).values).toEqual(['MX 10 mx.x.test']);
  });

  it('reports NXDOMAIN, NODATA, SERVFAIL and REFUSED as rcodes, not errors', async () => {
    server.setHandler((q) => {
      if (q.name.startsWith('servfail')) return { rcode: 'SERVFAIL' };
      if (q.name.startsWith('refused')) return { rcode: 'REFUSED' };
      if (q.name.startsWith('nodata')) return { answers: [] };
      return { rcode: 'NXDOMAIN' };
    });
    const resolver = resolverFor([server.address]);
    expect(answerOf(await resolver.query('nx.test', 'A'))).toEqual({ rcode: 'NXDOMAIN', values: [] });
    expect(answerOf(await resolver.query('nodata.test', 'A'))).toEqual({ rcode: 'NOERROR', values: [] });
    expect(answerOf(await resolver.query('servfail.test', 'A')).rcode).toBe('SERVFAIL');
    expect(answerOf(await resolver.query('refused.test', 'A')).rcode).toBe('REFUSED');
  });

  it('times out after the first try and every retry', async () => {
    server.setHandler(() => ({ drop: true }));
    const response = await resolverFor([server.address], { timeoutMs: 100, retries: 2 }).query('x.test', 'A');
    expect(response).toEqual({ kind: 'timeout', attempts: 3 });
    expect(server.questions).toHaveLength(3);
  });

  it('answers after a lost packet when a retry gets through', async () => {
    let seen = 0;
    server.setHandler(() =>
      seen++ === 0 ? { drop: true } : { answers: [{ name: 'x.test', type: 'A', value: '127.0.0.2' }] },
    );
    const response = await resolverFor([server.address], { timeoutMs: 100, retries: 1 }).query('x.test', 'A');
    expect(answerOf(response).values).toEqual(['A 127.0.0.2']);
  });

  it('falls back to TCP when the UDP reply is truncated', async () => {
    const long = 'x'.repeat(600);
    server.setHandler(() => ({ truncate: true, answers: [{ name: 'big.test', type: 'TXT', value: long }] }));
    const response = await resolverFor([server.address]).query('big.test', 'TXT');
    expect(answerOf(response).values).toEqual([`TXT ${long}`]);
    expect(server.questions.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('ignores a reply to another question and times out instead of trusting it', async () => {
    server.setHandler(() => ({
      wrongQuestion: 'other.test',
      answers: [{ name: 'other.test', type: 'A', value: '127.0.0.2' }],
    }));
    const response = await resolverFor([server.address], { timeoutMs: 100, retries: 0 }).query('x.test', 'A');
    expect(response.kind).toBe('timeout');
  });

  it('reports a malformed reply as an error', async () => {
    const header = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c]);
    server.setHandler(() => ({ raw: header }));
    const response = await resolverFor([server.address]).query('x.test', 'A');
    expect(response.kind).toBe('error');
  });

  it('moves to the next server on timeout', async () => {
    server.setHandler(() => ({ drop: true }));
    spare.setHandler(serveZoneData({ 'x.test': { A: ['127.0.0.3'] } }));
    const response = await resolverFor([server.address, spare.address], { timeoutMs: 100, retries: 1 }).query(
      'x.test',
      'A',
    );
    expect(answerOf(response).values).toEqual(['A 127.0.0.3']);
    expect(response.kind === 'answer' && response.server).toBe(spare.address);
  });

  it('asks another server after SERVFAIL but keeps the SERVFAIL when nobody does better', async () => {
    server.setHandler(() => ({ rcode: 'SERVFAIL' }));
    spare.setHandler(() => ({ drop: true }));
    const response = await resolverFor([server.address, spare.address], { timeoutMs: 100, retries: 1 }).query(
      'x.test',
      'A',
    );
    expect(answerOf(response).rcode).toBe('SERVFAIL');
    expect(spare.questions).toHaveLength(1);
  });

  it('keeps many questions in flight on a few sockets and matches every reply', async () => {
    server.setHandler((q) => ({
      answers: [{ name: q.name, type: 'A', value: `127.0.0.${q.name.split('.')[0]}` }],
    }));
    const resolver = resolverFor([server.address]);
    // 200 at a time: more than the kernel's default socket buffer holds would be dropped, by design of UDP.
    for (let batch = 0; batch < 10; batch++) {
      const ids = Array.from({ length: 200 }, (_, i) => batch * 200 + i);
      const responses = await Promise.all(ids.map((i) => resolver.query(`${i % 250}.n${i}.test`, 'A')));
      responses.forEach((response, j) => {
        expect(answerOf(response).values).toEqual([`A 127.0.0.${(ids[j] ?? 0) % 250}`]);
      });
    }
  });

  it('ends pending questions when closed', async () => {
    server.setHandler(() => ({ drop: true }));
    const resolver = resolverFor([server.address], { timeoutMs: 5000 });
    const pending = resolver.query('x.test', 'A');
    await resolver.close();
    expect(await pending).toEqual({ kind: 'error', message: 'resolver closed' });
  });
});
