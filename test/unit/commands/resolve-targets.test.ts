import { describe, expect, it } from 'vitest';
import { isReservedAddress, resolveChatTargets } from '../../../src/command-api/resolve-targets.ts';

describe('resolveChatTargets', () => {
  it('accepts public IPs, small ranges and domains', () => {
    const resolved = resolveChatTargets('8.8.4.4, 2a00:1450::1 mail.example.com 1.1.1.0/30');
    expect(resolved.ok && resolved.value.map((t) => t.value)).toEqual([
      '8.8.4.4',
      '2a00:1450::1',
      'mail.example.com',
      '1.1.1.0',
      '1.1.1.1',
      '1.1.1.2',
      '1.1.1.3',
    ]);
  });

  it.each([
    ['10.1.2.3', 'private, loopback or reserved'],
    ['127.0.0.2', 'private, loopback or reserved'],
    ['fe80::1', 'private, loopback or reserved'],
    ['1.1.0.0/24', 'larger than /28'],
    ['300.1.1.1', 'octet 300'],
    ['', 'at least one'],
    ['<!channel> @everyone', 'invalid target'],
  ])('refuses %j with a message for the user', (input, message) => {
    const resolved = resolveChatTargets(input);
    expect(resolved.ok).toBe(false);
    expect(!resolved.ok && resolved.error).toContain(message);
  });

  it('caps the number of targets', () => {
    const many = Array.from({ length: 33 }, (_, i) => `1.1.1.${i}`).join(' ');
    expect(resolveChatTargets(many)).toEqual({ ok: false, error: 'at most 32 targets at a time' });
  });

  it('knows reserved space', () => {
    expect(isReservedAddress('192.168.1.1')).toBe(true);
    expect(isReservedAddress('2001:db8::1')).toBe(true);
    expect(isReservedAddress('::ffff:7f00:2')).toBe(true);
    expect(isReservedAddress('9.9.9.9')).toBe(false);
    expect(isReservedAddress('::ffff:909:909')).toBe(false);
    expect(isReservedAddress('2a00:1450::1')).toBe(false);
  });
});
