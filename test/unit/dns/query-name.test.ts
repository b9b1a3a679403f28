import { describe, expect, it } from 'vitest';
import { buildQueryName } from '../../../src/dns/query-name.ts';

describe('buildQueryName (RFC 5782 §2)', () => {
  it('reverses IPv4 octets', () => {
    expect(buildQueryName('ip4', '203.0.113.7', 'zen.example')).toBe('7.113.0.203.zen.example');
  });

  it('writes all 32 nibbles of an IPv6 address in reverse (RFC 5782 §2.4 example)', () => {
    expect(buildQueryName('ip6', '2001:db8:1:2:3:4:567:89ab', 'ugly.example.com')).toBe(
      'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com',
    );
    expect(buildQueryName('ip6', '::ffff:7f00:2', 'bl.test').split('.')).toHaveLength(34);
  });

  it('puts domains in front of the zone as they are', () => {
    expect(buildQueryName('domain', 'mail.example.com', 'dbl.example')).toBe('mail.example.com.dbl.example');
  });
});
