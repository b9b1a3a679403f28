import { describe, expect, it } from 'vitest';
import { canonicalIpv6 } from '../../../src/domain/ip-text.ts';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import { expandCidr, parseTarget } from '../../../src/inventory/parse-target.ts';

function single(text: string): { kind: string; value: string } {
  const parsed = parseTarget(text);
  if (parsed.kind !== 'single') throw new Error('expected a single target');
  return parsed.target;
}

function rejection(text: string, maxPrefix?: number): UserError {
  try {
    parseTarget(text, maxPrefix === undefined ? {} : { maxPrefix });
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseTarget', () => {
  it('accepts IPv4 addresses', () => {
    expect(single(' 203.0.113.7 ')).toEqual({ kind: 'ip4', value: '203.0.113.7' });
  });

  it.each([
    ['2001:db8::25', '2001:db8::25'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0025', '2001:db8::25'],
    ['::ffff:127.0.0.2', '::ffff:7f00:2'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::1', '::1'],
  ])('accepts IPv6 %s in any text form and canonicalises it to %s', (input, canonical) => {
    expect(single(input)).toEqual({ kind: 'ip6', value: canonical });
  });

  it('converts internationalised domain names to ASCII and lowercases', () => {
    expect(single('Mail.Bücher.example.')).toEqual({ kind: 'domain', value: 'mail.xn--bcher-kva.example' });
  });

  it('expands IPv4 ranges up to /24 by default and normalises the network address', () => {
    expect(parseTarget('198.51.100.7/28')).toEqual({
      kind: 'cidr',
      network: '198.51.100.0',
      prefix: 28,
      size: 16,
    });
    const all = [...expandCidr('198.51.100.0', 30)].map((t) => t.value);
    expect(all).toEqual(['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('refuses ranges wider than the allowance, and anything wider than /16 outright', () => {
    const wide = rejection('198.51.0.0/20');
    expect(wide.code).toBe(ErrorCode.TARGET_RANGE_TOO_LARGE);
    expect(wide.message).toContain('--max-cidr 20');
    expect(parseTarget('198.51.0.0/20', { maxPrefix: 16 })).toMatchObject({ kind: 'cidr', size: 4096 });
    expect(rejection('10.0.0.0/8', 8).message).toContain('widest range accepted is /16');
  });

  it.each([
    ['300.1.1.1', 'octet 300 is larger than 255'],
    ['1.2.3', 'not a dotted-quad'],
    ['01.2.3.4', 'leading zero'],
    ['1.2.3.4.evil.com', 'starts with an IPv4 address'],
    ['', 'empty'],
    ['   ', 'empty'],
    [`${'a'.repeat(64)}.example.com`, 'over 63 octets'],
    [`${'abcdefghi.'.repeat(26)}com`, 'the limit is 253'],
    ['localhost', 'at least two labels'],
    ['exa mple.com', 'spaces or control characters'],
    ['evil.com\n\u001b[31m', 'spaces or control characters'],
    ['-bad.example.com', 'inner hyphens'],
    ['2001:db8::/64', 'IPv6 ranges'],
    ['fe80::1%eth0', 'zone ids'],
    ['2001:db8:::1', 'not a valid IPv6'],
    ['1.2.3.4/33', 'prefix must be 0-32'],
  ])('refuses %j with a message naming it (%s)', (input, why) => {
    const error = rejection(input);
    expect(error.message).toContain(why);
    expect(error.message).toContain(
      JSON.stringify(input.trim().length > 80 ? input.slice(0, 77) : input).slice(0, 20),
    );
    expect(error.message).not.toContain(String.fromCharCode(27));
  });
});

describe('canonicalIpv6', () => {
  it('compresses the longest run of zero groups only', () => {
    expect(canonicalIpv6('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonicalIpv6('0:0:0:0:0:0:0:0')).toBe('::');
  });
});
