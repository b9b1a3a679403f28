import { BlockList, isIP } from 'node:net';
import type { Target } from '../domain/target.ts';
import { isUserError } from '../errors.ts';
import { expandCidr, parseTarget, quoteInput } from '../inventory/parse-target.ts';

export type Resolved<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/** Limits for targets typed in chat, tighter than the CLI's so the bot cannot be used to hammer DNSBLs. */
export interface ChatTargetLimits {
  /** Widest range accepted (default /28, 16 addresses). */
  readonly maxPrefix: number;
  /** Most targets after expansion. */
  readonly maxTargets: number;
}

export const defaultChatLimits: ChatTargetLimits = { maxPrefix: 28, maxTargets: 32 };

/**
 * Private, loopback, link-local, shared, documentation and multicast space: no public DNSBL lists these, and a
 * lookup would only leak internal addressing to the lists' operators.
 */
const reserved = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  reserved.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  reserved.addSubnet(network, prefix, 'ipv6');
}

export function isReservedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged by its IPv4 address.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mapped) {
    const high = Number.parseInt(mapped[1] ?? '0', 16);
    const low = Number.parseInt(mapped[2] ?? '0', 16);
    return reserved.check(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`, 'ipv4');
  }
  return reserved.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Resolve the targets argument of a chat command: whitespace- or comma-separated IPs, small IPv4 ranges and
 * domains. Pure: returns an error message for the user instead of throwing.
 */
export function resolveChatTargets(
  text: string,
  limits: ChatTargetLimits = defaultChatLimits,
): Resolved<Target[]> {
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return { ok: false, error: 'give at least one IP address, range or domain' };
  if (words.length > limits.maxTargets)
    return { ok: false, error: `at most ${limits.maxTargets} targets at a time` };
  const targets: Target[] = [];
  for (const word of words) {
    try {
      const parsed = parseTarget(word, { maxPrefix: 16 });
      if (parsed.kind === 'cidr' && parsed.prefix < limits.maxPrefix) {
        return {
          ok: false,
          error: `range ${quoteInput(word)} is larger than /${limits.maxPrefix}; use the CLI`,
        };
      }
      const expanded =
        parsed.kind === 'single' ? [parsed.target] : [...expandCidr(parsed.network, parsed.prefix)];
      for (const target of expanded) {
        if (target.kind !== 'domain' && isReservedAddress(target.value)) {
          return {
            ok: false,
            error: `${quoteInput(word)} is a private, loopback or reserved address; no public blocklist lists it`,
          };
        }
        targets.push(target);
      }
    } catch (error) {
      if (isUserError(error)) return { ok: false, error: error.message };
      throw error;
    }
  }
  if (targets.length > limits.maxTargets)
    return { ok: false, error: `at most ${limits.maxTargets} targets at a time` };
  return { ok: true, value: targets };
}
