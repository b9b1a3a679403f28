/**
 * IP address text: strict IPv4 parsing, RFC 5952 IPv6 forms. Shared by input parsing (inventory) and the DNS
 * wire code, so it lives in the vocabulary that both may import.
 */

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parse a strict dotted-quad IPv4 address to a 32-bit number, or explain why not. */
export function parseIpv4(text: string): number | string {
  const match = ipv4Pattern.exec(text);
  if (!match) return 'not a dotted-quad IPv4 address';
  let value = 0;
  for (const part of match.slice(1)) {
    // Leading zeros are octal to some parsers and decimal to others; refuse rather than guess.
    if (part.length > 1 && part.startsWith('0')) return `octet "${part}" has a leading zero`;
    const octet = Number(part);
    if (octet > 255) return `octet ${octet} is larger than 255`;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** Expand any valid IPv6 text form (including embedded IPv4) into eight 16-bit numbers. */
export function ipv6Groups(text: string): number[] {
  let address = text.toLowerCase();
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Embedded IPv4 (::ffff:192.0.2.1) becomes its two hex groups.
    const v4 = parseIpv4(tail);
    if (typeof v4 === 'string') throw new RangeError(`bad embedded IPv4 in ${text}`);
    address = `${address.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : fill).fill('0'), ...restGroups];
  const numbers = groups.map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? Number.parseInt(group, 16) : -1));
  if (numbers.length !== 8 || numbers.some((n) => !(n >= 0 && n <= 0xffff))) {
    throw new RangeError(`bad IPv6 address ${text}`);
  }
  return numbers;
}

/** Canonical (RFC 5952) text of an IPv6 address. */
export function canonicalIpv6(text: string): string {
  return compressIpv6(ipv6Groups(text).map((n) => n.toString(16)));
}

/** RFC 5952 text form from eight 16-bit groups already in lowercase hex. */
export function compressIpv6(groups: readonly string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
