import { type DnsResolver, recordValues } from '../dns/dns-resolver.ts';
import { canonicalIpv6 } from '../inventory/parse-target.ts';
import type { CheckTarget } from './run-check.ts';

/** Most MX hosts followed per domain; a domain publishing more is unusual and would multiply queries. */
const maxMxHosts = 10;

export interface ResolvedDomain {
  /** The domain's mail-relevant addresses, each naming the record it came from. */
  readonly targets: readonly CheckTarget[];
  /** Lookups that failed (timeout, SERVFAIL): the domain may have addresses that were not checked. */
  readonly problems: readonly string[];
}

function describeFailure(
  name: string,
  type: string,
  response: Awaited<ReturnType<DnsResolver['query']>>,
): string | undefined {
  if (response.kind === 'timeout') return `${name} ${type}: no reply`;
  if (response.kind === 'error') return `${name} ${type}: ${response.message}`;
  if (response.rcode !== 'NOERROR' && response.rcode !== 'NXDOMAIN')
    return `${name} ${type}: ${response.rcode}`;
  return undefined;
}

/**
 * Find the addresses behind a domain for `--resolve`: its A and AAAA records and the A and AAAA records of its MX
 * hosts, so the IPs that actually send and receive its mail are checked against the IP lists too.
 */
export async function resolveDomain(domain: string, resolver: DnsResolver): Promise<ResolvedDomain> {
  const targets: CheckTarget[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();

  const addresses = async (host: string, via: string): Promise<void> => {
    const [a, aaaa] = await Promise.all([resolver.query(host, 'A'), resolver.query(host, 'AAAA')]);
    for (const [type, response] of [
      ['A', a],
      ['AAAA', aaaa],
    ] as const) {
      const failure = describeFailure(host, type, response);
      if (failure) problems.push(failure);
      for (const value of recordValues(response, type)) {
        const target =
          type === 'A'
            ? { kind: 'ip4' as const, value }
            : { kind: 'ip6' as const, value: canonicalIpv6(value) };
        const key = `${target.kind}:${target.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        targets.push({ target, via: `${via} ${type}` });
      }
    }
  };

  const mx = resolver.query(domain, 'MX');
  await addresses(domain, domain);
  const mxResponse = await mx;
  const failure = describeFailure(domain, 'MX', mxResponse);
  if (failure) problems.push(failure);
  const hosts = recordValues(mxResponse, 'MX')
    .map((value) => value.split(' ')[1] ?? '')
    // RFC 7505 null MX (".") means the domain accepts no mail.
    .filter((host) => host !== '' && host !== '.')
    .slice(0, maxMxHosts);
  await Promise.all(hosts.map((host) => addresses(host, `${domain} MX ${host}`)));
  return { targets, problems };
}
