/**
 * The rbldnsd harness against a real rbldnsd: what each dataset type answers (A, TXT, NXDOMAIN, NODATA), that
 * `update()` makes new data visible, and that `stop()` leaves nothing listening. The zone data follows the
 * examples in `man rbldnsd`; the expected answers pin down rbldnsd's behaviour that rblwatch relies on.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5782 section 5 for the 127.0.0.2 / ::FFFF:7F00:2 / TEST test points
 */
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RbldnsdServer, type RbldnsdZone, startRbldnsd } from '../helpers/rbldnsd.ts';
import { describeWithService, rbldnsdAvailability } from '../helpers/services.ts';

const IP4SET: RbldnsdZone = {
  name: 'ip4set.rbl.test',
  type: 'ip4set',
  data: [
    ':127.0.0.2:Listed, see http://example.com/lookup?$',
    '127.0.0.2',
    '198.51.100.0/24 :127.0.0.3:Range listed, see http://example.com/range?$',
    '!198.51.100.7',
    '# A value with a trailing colon and no text: listed without a TXT record',
    '192.0.2.6 :6:',
  ].join('\n'),
};

const IP4TRIE: RbldnsdZone = {
  name: 'ip4trie.rbl.test',
  type: 'ip4trie',
  data: [
    ':127.0.0.2:Listed in trie: $',
    '127.0.0.2/32',
    '203.0.113.0/25 :127.0.0.4:Listed /25',
    '# The longest matching prefix decides the answer',
    '203.0.113.64/26 :127.0.0.5:Listed /26',
    '!203.0.113.100',
  ].join('\n'),
};

const IP6TRIE: RbldnsdZone = {
  name: 'ip6trie.rbl.test',
  type: 'ip6trie',
  data: [
    '# Default A and TXT template values',
    ':127.0.1.2: Listed, see http://example.com/lookup?$',
    '# RFC 5782 IPv6 test point',
    '::ffff:7f00:2',
    '# /64 range with non-default A and TXT values',
    '2001:db8::/64 :127.0.1.3: This one smells funny',
    '!2001:db8::bead   # exclusion',
  ].join('\n'),
};

const DNSET: RbldnsdZone = {
  name: 'dnset.rbl.test',
  type: 'dnset',
  data: [
    ':127.0.0.2:Domain $ is listed',
    '# RFC 5782 domain test point',
    'test',
    'example.com',
    '*.wild.example',
  ].join('\n'),
};

/** Reverse-nibble query names (RFC 5782 section 2.4), spelled out so this test does not trust a builder. */
const V6_TEST_POINT = `${'2.0.0.0.0.0.f.7.f.f.f.f'}.${'0.'.repeat(19)}0`; // ::ffff:7f00:2
const V6_NOT_LISTED = `${'1.0.0.0.0.0.f.7.f.f.f.f'}.${'0.'.repeat(19)}0`; // ::ffff:7f00:1
const V6_IN_RANGE = `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2`; // 2001:db8::1
const V6_EXCLUDED = `d.a.e.b.${'0.'.repeat(20)}8.b.d.0.1.0.0.2`; // 2001:db8::bead
const V6_NEXT_64 = `1.${'0.'.repeat(15)}1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2`; // 2001:db8:0:1::1

/** A resolver aimed at one rbldnsd, patient enough to ride out a dropped datagram. */
function resolverFor(server: RbldnsdServer): Resolver {
  const resolver = new Resolver({ timeout: 500, tries: 3 });
  resolver.setServers([server.address]);
  return resolver;
}

/** The DNS error code a lookup fails with (ENOTFOUND is NXDOMAIN, ENODATA is NOERROR with no records). */
async function failureCode(lookup: Promise<unknown>): Promise<string | undefined> {
  try {
    await lookup;
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

describeWithService(await rbldnsdAvailability(), 'rbldnsd harness', () => {
  describe('serving every dataset type', () => {
    let server: RbldnsdServer | undefined;
    let resolver: Resolver | undefined;

    beforeAll(async () => {
      server = await startRbldnsd([IP4SET, IP4TRIE, IP6TRIE, DNSET]);
      resolver = resolverFor(server);
    });

    afterAll(async () => {
      await server?.stop();
    });

    function dns(): Resolver {
      if (resolver === undefined) throw new Error('beforeAll did not start rbldnsd');
      return resolver;
    }

    it('listens on a loopback port', () => {
      expect(server?.host).toBe('127.0.0.1');
      expect(server?.address).toBe(`127.0.0.1:${server?.port}`);
    });

    it('ip4set: A and TXT with $ substituted, ranges, exclusions, NXDOMAIN, NODATA', async () => {
      await expect(dns().resolve4('2.0.0.127.ip4set.rbl.test', { ttl: true })).resolves.toEqual([
        { address: '127.0.0.2', ttl: 1 },
      ]);
      await expect(dns().resolveTxt('2.0.0.127.ip4set.rbl.test')).resolves.toEqual([
        ['Listed, see http://example.com/lookup?127.0.0.2'],
      ]);
      await expect(dns().resolve4('42.100.51.198.ip4set.rbl.test')).resolves.toEqual(['127.0.0.3']);
      await expect(dns().resolveTxt('42.100.51.198.ip4set.rbl.test')).resolves.toEqual([
        ['Range listed, see http://example.com/range?198.51.100.42'],
      ]);
      expect(await failureCode(dns().resolve4('7.100.51.198.ip4set.rbl.test'))).toBe('ENOTFOUND');
      // RFC 5782: 127.0.0.1 must never be listed.
      expect(await failureCode(dns().resolve4('1.0.0.127.ip4set.rbl.test'))).toBe('ENOTFOUND');
      expect(await failureCode(dns().resolveTxt('1.0.0.127.ip4set.rbl.test'))).toBe('ENOTFOUND');
      await expect(dns().resolve4('6.2.0.192.ip4set.rbl.test')).resolves.toEqual(['127.0.0.6']);
      expect(await failureCode(dns().resolveTxt('6.2.0.192.ip4set.rbl.test'))).toBe('ENODATA');
    });

    it('ip4trie: longest prefix wins, exclusions, NXDOMAIN outside', async () => {
      await expect(dns().resolve4('2.0.0.127.ip4trie.rbl.test')).resolves.toEqual(['127.0.0.2']);
      await expect(dns().resolveTxt('2.0.0.127.ip4trie.rbl.test')).resolves.toEqual([
        ['Listed in trie: 127.0.0.2'],
      ]);
      await expect(dns().resolve4('10.113.0.203.ip4trie.rbl.test')).resolves.toEqual(['127.0.0.4']);
      await expect(dns().resolve4('70.113.0.203.ip4trie.rbl.test')).resolves.toEqual(['127.0.0.5']);
      await expect(dns().resolveTxt('70.113.0.203.ip4trie.rbl.test')).resolves.toEqual([['Listed /26']]);
      expect(await failureCode(dns().resolve4('100.113.0.203.ip4trie.rbl.test'))).toBe('ENOTFOUND');
      expect(await failureCode(dns().resolve4('200.113.0.203.ip4trie.rbl.test'))).toBe('ENOTFOUND');
    });

    it('ip6trie: 32 reversed nibbles, the RFC 5782 test point, a /64 and an exclusion', async () => {
      for (const name of [V6_TEST_POINT, V6_NOT_LISTED, V6_IN_RANGE, V6_EXCLUDED, V6_NEXT_64]) {
        expect(name.split('.')).toHaveLength(32);
      }
      await expect(dns().resolve4(`${V6_TEST_POINT}.ip6trie.rbl.test`)).resolves.toEqual(['127.0.1.2']);
      // $ expands to the compressed IPv6 text, and the space after the A value's colon is dropped.
      await expect(dns().resolveTxt(`${V6_TEST_POINT}.ip6trie.rbl.test`)).resolves.toEqual([
        ['Listed, see http://example.com/lookup?::ffff:7f00:2'],
      ]);
      await expect(dns().resolve4(`${V6_IN_RANGE}.ip6trie.rbl.test`)).resolves.toEqual(['127.0.1.3']);
      await expect(dns().resolveTxt(`${V6_IN_RANGE}.ip6trie.rbl.test`)).resolves.toEqual([
        ['This one smells funny'],
      ]);
      expect(await failureCode(dns().resolve4(`${V6_NOT_LISTED}.ip6trie.rbl.test`))).toBe('ENOTFOUND');
      expect(await failureCode(dns().resolve4(`${V6_EXCLUDED}.ip6trie.rbl.test`))).toBe('ENOTFOUND');
      expect(await failureCode(dns().resolve4(`${V6_NEXT_64}.ip6trie.rbl.test`))).toBe('ENOTFOUND');
    });

    it('dnset: exact names, wildcards that exclude their apex, case-insensitive keys', async () => {
      await expect(dns().resolve4('test.dnset.rbl.test')).resolves.toEqual(['127.0.0.2']);
      await expect(dns().resolveTxt('test.dnset.rbl.test')).resolves.toEqual([['Domain test is listed']]);
      await expect(dns().resolveTxt('EXAMPLE.com.dnset.rbl.test')).resolves.toEqual([
        ['Domain example.com is listed'],
      ]);
      // An exact entry does not cover subdomains.
      expect(await failureCode(dns().resolve4('www.example.com.dnset.rbl.test'))).toBe('ENOTFOUND');
      await expect(dns().resolve4('a.b.wild.example.dnset.rbl.test')).resolves.toEqual(['127.0.0.2']);
      // For a wildcard hit, $ is the listed base name, not the name that was queried.
      await expect(dns().resolveTxt('a.b.wild.example.dnset.rbl.test')).resolves.toEqual([
        ['Domain wild.example is listed'],
      ]);
      expect(await failureCode(dns().resolve4('wild.example.dnset.rbl.test'))).toBe('ENOTFOUND');
      // RFC 5782: INVALID must never be listed.
      expect(await failureCode(dns().resolve4('invalid.dnset.rbl.test'))).toBe('ENOTFOUND');
    });

    it('refuses names outside its zones and answers SOA at each apex', async () => {
      expect(await failureCode(dns().resolve4('2.0.0.127.not-served.test'))).toBe('EREFUSED');
      const soa = await dns().resolveSoa('dnset.rbl.test');
      expect(soa).toMatchObject({ nsname: 'ns.dnset.rbl.test', serial: expect.any(Number), minttl: 0 });
    });
  });

  it('serves the remaining dataset types (ip4tset, ip6tset, generic)', async () => {
    const server = await startRbldnsd([
      { name: 'ip4tset.rbl.test', type: 'ip4tset', data: ':127.0.0.2:Listed $\n127.0.0.2\n' },
      { name: 'ip6tset.rbl.test', type: 'ip6tset', data: '2001:db8:0:1\n' },
      { name: 'generic.rbl.test', type: 'generic', data: 'www A 127.0.0.8\n@ TXT "about this list"\n' },
    ]);
    try {
      const dns = resolverFor(server);
      await expect(dns.resolveTxt('2.0.0.127.ip4tset.rbl.test')).resolves.toEqual([['Listed 127.0.0.2']]);
      expect(await failureCode(dns.resolve4('3.0.0.127.ip4tset.rbl.test'))).toBe('ENOTFOUND');
      // ip6tset lists whole /64s; with no default line the A value is 127.0.0.2.
      const inRange = `f.f.f.f.${'0.'.repeat(12)}1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6tset.rbl.test`;
      await expect(dns.resolve4(inRange)).resolves.toEqual(['127.0.0.2']);
      await expect(dns.resolve4('www.generic.rbl.test')).resolves.toEqual(['127.0.0.8']);
      await expect(dns.resolveTxt('generic.rbl.test')).resolves.toEqual([['about this list']]);
    } finally {
      await server.stop();
    }
  });

  it('update() serves the new data once it resolves, even for several updates within one second', async () => {
    const server = await startRbldnsd([IP4SET, DNSET]);
    try {
      const dns = resolverFor(server);
      await expect(dns.resolve4('42.100.51.198.ip4set.rbl.test')).resolves.toEqual(['127.0.0.3']);
      expect(await failureCode(dns.resolve4('9.2.0.192.ip4set.rbl.test'))).toBe('ENOTFOUND');

      // Unlist the /24 and list a new address.
      await server.update('ip4set.rbl.test', ':127.0.0.2:Listed $\n127.0.0.2\n192.0.2.9 :127.0.0.10:New $\n');
      expect(await failureCode(dns.resolve4('42.100.51.198.ip4set.rbl.test'))).toBe('ENOTFOUND');
      await expect(dns.resolve4('9.2.0.192.ip4set.rbl.test')).resolves.toEqual(['127.0.0.10']);
      await expect(dns.resolveTxt('9.2.0.192.ip4set.rbl.test')).resolves.toEqual([['New 192.0.2.9']]);

      // rbldnsd only reloads a file whose mtime second changed; back-to-back updates must still land.
      await server.update('ip4set.rbl.test', '127.0.0.2\n');
      await server.update('ip4set.rbl.test', '127.0.0.2\n192.0.2.10\n');
      expect(await failureCode(dns.resolve4('9.2.0.192.ip4set.rbl.test'))).toBe('ENOTFOUND');
      await expect(dns.resolve4('10.2.0.192.ip4set.rbl.test')).resolves.toEqual(['127.0.0.2']);

      // The other zone is untouched, and the zone name is matched case-insensitively.
      await expect(dns.resolve4('test.dnset.rbl.test')).resolves.toEqual(['127.0.0.2']);
      await server.update('DNSet.rbl.test.', 'example.com\n');
      expect(await failureCode(dns.resolve4('test.dnset.rbl.test'))).toBe('ENOTFOUND');
      await expect(dns.resolve4('example.com.dnset.rbl.test')).resolves.toEqual(['127.0.0.2']);

      await expect(server.update('nope.rbl.test', '127.0.0.2\n')).rejects.toThrow(
        /unknown zone nope\.rbl\.test/,
      );
    } finally {
      await server.stop();
    }
  });

  it('stop() ends rbldnsd, frees the port and can be called twice', async () => {
    const server = await startRbldnsd([IP4SET]);
    const dns = new Resolver({ timeout: 300, tries: 1 });
    dns.setServers([server.address]);
    await expect(dns.resolve4('2.0.0.127.ip4set.rbl.test')).resolves.toEqual(['127.0.0.2']);

    await server.stop();
    await server.stop();

    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    // Loopback answers a datagram to a closed port with ICMP port unreachable; a timeout would also do.
    expect(['ECONNREFUSED', 'ETIMEOUT']).toContain(
      await failureCode(dns.resolve4('2.0.0.127.ip4set.rbl.test')),
    );
    await expect(server.update('ip4set.rbl.test', '127.0.0.2\n')).rejects.toThrow(/stopped/);
  });

  it('logs bad data lines instead of failing, and the log says so', async () => {
    const server = await startRbldnsd([
      { name: 'typo.rbl.test', type: 'ip4set', data: '127.0.0.2\n300.1.2.3\n' },
    ]);
    try {
      // The caller's line 2 is the file's line 4: the harness's comment and $SOA lines come first.
      expect(server.log()).toMatch(/file typo\.rbl\.test\.ip4set\(4\): invalid address/);
      await expect(resolverFor(server).resolve4('2.0.0.127.typo.rbl.test')).resolves.toEqual(['127.0.0.2']);
    } finally {
      await server.stop();
    }
  });

  it('rejects with the command and rbldnsd output when rbldnsd exits during start', async () => {
    const started = startRbldnsd([IP4SET], { extraArgs: ['-t', '0'] });
    // Should rbldnsd ever accept the option, stop the server rather than leak it.
    started.then((server) => server.stop()).catch(() => undefined);
    await expect(started).rejects.toThrow(/rbldnsd exited[\s\S]*command: \S*rbldnsd [\s\S]*invalid ttl/);
  });
});
