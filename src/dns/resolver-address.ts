import { isIP } from 'node:net';
import { ErrorCode, UserError } from '../errors.ts';

/** A DNS server to send questions to. `host` is an IP literal: DNSBL queries must not depend on another lookup. */
export interface ResolverAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port` for logs and output; IPv6 in brackets. */
export function formatResolverAddress(address: ResolverAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * Parse `host`, `host:port`, `[v6]` or `[v6]:port` (the forms `dig`, `/etc/resolv.conf` and Node's
 * `dns.getServers()` use). Port defaults to 53.
 */
export function parseResolverAddress(text: string): ResolverAddress {
  const input = text.trim();
  const fail = (why: string): never => {
    throw new UserError(ErrorCode.DNSBL_RESOLVER_INVALID, `invalid resolver "${text}": ${why}`);
  };
  let host = input;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(input);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (isIP(input) !== 6 && input.includes(':')) {
    const colon = input.lastIndexOf(':');
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
  }
  if (isIP(host) === 0) fail('expected an IP address, optionally with :port ([v6]:port for IPv6)');
  let port = 53;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) fail('port must be 1-65535');
  }
  return { host: host.toLowerCase(), port };
}

/**
 * Well-known public resolvers. DNSBLs such as Spamhaus, URIBL and SURBL refuse or mis-answer queries that come
 * through them (Spamhaus answers 127.255.255.254), so results through them are unreliable.
 * @see https://www.spamhaus.org/news/article/788
 */
const publicResolvers = new Set([
  '8.8.8.8',
  '8.8.4.4',
  '2001:4860:4860::8888',
  '2001:4860:4860::8844',
  '1.1.1.1',
  '1.0.0.1',
  '2606:4700:4700::1111',
  '2606:4700:4700::1001',
  '9.9.9.9',
  '149.112.112.112',
  '2620:fe::fe',
  '2620:fe::9',
  '208.67.222.222',
  '208.67.220.220',
  '64.6.64.6',
  '64.6.65.6',
  '94.140.14.14',
  '94.140.15.15',
  '76.76.2.0',
  '76.76.10.0',
  '185.228.168.9',
  '185.228.169.9',
  '8.26.56.26',
  '8.20.247.20',
]);

export function isPublicResolver(address: ResolverAddress): boolean {
  return publicResolvers.has(address.host);
}
