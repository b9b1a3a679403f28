import { ipv6Groups } from '../domain/ip-text.ts';
import type { TargetKind } from '../domain/target.ts';

/**
 * The DNS name to ask a DNSBL about a target (RFC 5782 §2):
 * - IPv4: octets reversed, `7.113.0.203.<zone>`;
 * - IPv6: all 32 nibbles reversed, dot-separated (`ip6.arpa` style);
 * - domain: the name as-is in front of the zone.
 * `value` must already be canonical (see parse-target); test points such as `test` are accepted as domains.
 * @see https://www.rfc-editor.org/rfc/rfc5782#section-2.4
 */
export function buildQueryName(kind: TargetKind, value: string, queryHost: string): string {
  switch (kind) {
    case 'ip4':
      return `${value.split('.').reverse().join('.')}.${queryHost}`;
    case 'ip6':
      return `${reversedNibbles(value)}.${queryHost}`;
    case 'domain':
      return `${value}.${queryHost}`;
  }
}

function reversedNibbles(address: string): string {
  const nibbles: string[] = [];
  for (const group of ipv6Groups(address)) {
    nibbles.push(...group.toString(16).padStart(4, '0'));
  }
  return nibbles.reverse().join('.');
}
