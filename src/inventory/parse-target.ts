import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { canonicalIpv6, formatIpv4, parseIpv4 } from '../domain/ip-text.ts';
import type { Target } from '../domain/target.ts';
import { ErrorCode, UserError } from '../errors.ts';

/** What one line of user input names: a single target, or an IPv4 range to expand. */
export type ParsedTarget =
  | { readonly kind: 'single'; readonly target: Target }
  | { readonly kind: 'cidr'; readonly network: string; readonly prefix: number; readonly size: number };

/** The smallest prefix length (largest range) ever accepted: a /16 is 65,536 addresses. */
export const widestPrefix = 16;
/** Ranges wider than this need an explicit allowance (`--max-cidr`). */
export const defaultMaxPrefix = 24;

/** Quote user input for an error message: JSON-escaped (no control characters reach a terminal), shortened. */
export function quoteInput(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(short);
}

function invalid(text: string, why: string): UserError {
  return new UserError(ErrorCode.TARGET_INVALID, `invalid target ${quoteInput(text)}: ${why}`);
}

/**
 * Validate a domain target and return its ASCII (IDNA) form, lowercase, without a trailing dot.
 * DNSBL domain lists take registered names and hosts, so a single label or a numeric top-level label is refused.
 */
function parseDomain(text: string): Target | UserError {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  if (/[\s\p{Cc}]/u.test(trimmed)) return invalid(text, 'contains spaces or control characters');
  if (/^[\d.]+$/.test(trimmed)) {
    const why = parseIpv4(trimmed);
    return invalid(text, typeof why === 'string' ? why : 'not a valid address');
  }
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '') return invalid(text, 'not a valid domain name or IP address');
  if (ascii.length > 253) return invalid(text, `name is ${ascii.length} octets long; the limit is 253`);
  const labels = ascii.split('.');
  if (labels.length < 2) return invalid(text, 'a domain needs at least two labels (example.com)');
  for (const label of labels) {
    if (label.length === 0) return invalid(text, 'empty label (two dots in a row)');
    if (label.length > 63) return invalid(text, `label "${label.slice(0, 20)}..." is over 63 octets`);
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label)) {
      return invalid(text, `label "${label}" may only hold letters, digits and inner hyphens`);
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return invalid(text, 'the top-level label is numeric');
  // "1.2.3.4.evil.com" is a legal name but almost always an address with junk appended; checking it as a
  // domain would silently skip the IP the user meant.
  if (labels.length > 4 && labels.slice(0, 4).every((label) => /^\d{1,3}$/.test(label))) {
    return invalid(text, 'starts with an IPv4 address; give the address or the domain on its own');
  }
  return { kind: 'domain', value: ascii };
}

/**
 * Parse one target as typed by a user: IPv4, IPv6 (any form), an IPv4 CIDR range, or a domain (IDN allowed).
 * Throws {@link UserError} with a message naming the input.
 * @param options.maxPrefix ranges wider than /maxPrefix are refused (default /24; never wider than /16)
 */
export function parseTarget(text: string, options: { maxPrefix?: number } = {}): ParsedTarget {
  const input = text.trim();
  if (input === '') throw invalid(text, 'empty');
  if (input.length > 1024) throw invalid(text, 'longer than any valid target');
  const slash = input.indexOf('/');
  if (slash !== -1) return parseCidr(input, slash, options.maxPrefix ?? defaultMaxPrefix);
  const v4 = parseIpv4(input);
  if (typeof v4 === 'number') return { kind: 'single', target: { kind: 'ip4', value: formatIpv4(v4) } };
  if (input.includes(':')) {
    if (input.includes('%')) throw invalid(text, 'IPv6 zone ids (%eth0) are not addresses on the Internet');
    if (isIP(input) !== 6) throw invalid(text, 'not a valid IPv6 address');
    return { kind: 'single', target: { kind: 'ip6', value: canonicalIpv6(input) } };
  }
  const domain = parseDomain(input);
  if (domain instanceof UserError) throw domain;
  return { kind: 'single', target: domain };
}

function parseCidr(input: string, slash: number, maxPrefix: number): ParsedTarget {
  const address = input.slice(0, slash);
  const prefixText = input.slice(slash + 1);
  if (address.includes(':')) {
    throw invalid(input, 'IPv6 ranges are too large to check address by address; list the addresses in use');
  }
  const base = parseIpv4(address);
  if (typeof base === 'string') throw invalid(input, base);
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) throw invalid(input, 'prefix must be 0-32');
  const prefix = Number(prefixText);
  const allowed = Math.max(widestPrefix, Math.min(32, maxPrefix));
  const size = 2 ** (32 - prefix);
  if (prefix < allowed) {
    const hint =
      prefix >= widestPrefix
        ? `allow it with --max-cidr ${prefix}`
        : `the widest range accepted is /${widestPrefix}; split it`;
    throw new UserError(
      ErrorCode.TARGET_RANGE_TOO_LARGE,
      `range ${quoteInput(input)} has ${size.toLocaleString('en-US')} addresses, more than /${allowed} allows: ${hint}`,
    );
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { kind: 'cidr', network: formatIpv4((base & mask) >>> 0), prefix, size };
}

/** Every address of an IPv4 range, lazily, network address first. */
export function* expandCidr(network: string, prefix: number): Generator<Target> {
  const base = parseIpv4(network);
  if (typeof base === 'string') throw new RangeError(base);
  const size = 2 ** (32 - prefix);
  for (let i = 0; i < size; i++) yield { kind: 'ip4', value: formatIpv4(base + i) };
}
