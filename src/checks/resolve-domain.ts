import { type DnsResolver, type DnsResponse, recordValues } from '../dns/dns-resolver.ts';
import type { CheckResult, UnknownReason } from '../domain/check-result.ts';
import { canonicalIpv6 } from '../domain/ip-text.ts';
import type { Severity } from '../domain/zone.ts';
import type { CheckTarget } from './run-check.ts';

/** Most MX hosts followed per domain; a domain publishing more is unusual and would multiply queries. */
const maxMxHosts = 10;

export interface ResolvedDomain {
  /** The domain's mail-relevant addresses, each naming the record it came from. */
  readonly targets: readonly CheckTarget[];
  /** Lookups that failed (timeout, SERVFAIL): the domain may have addresses that were not checked. */
  readonly problems: readonly string[];
  /** Why the first failed lookup failed, when one did. */
  readonly reason?: UnknownReason;
}

interface Failure {
  readonly text: string;
  readonly reason: UnknownReason;
}

function describeFailure(name: string, type: string, response: DnsResponse): Failure | undefined {
  if (response.kind === 'timeout') return { text: `${name} ${type}: no reply`, reason: 'timeout' };
  if (response.kind === 'error') return { text: `${name} ${type}: ${response.message}`, reason: 'dns-error' };
  if (response.rcode === 'NOERROR' || response.rcode === 'NXDOMAIN') return undefined;
  const reason =
    response.rcode === 'SERVFAIL' ? 'servfail' : response.rcode === 'REFUSED' ? 'refused' : 'dns-error';
  return { text: `${name} ${type}: ${response.rcode}`, reason };
}

/** The `zone` of the result row that stands for a domain whose addresses `--resolve` could not find. */
export const resolveRowZone = '--resolve';

/**
 * The `unknown` result for a domain whose addresses could not all be found: the IP lists never saw them, so the
 * domain cannot be called clean on them. `severity` is that of the most severe IP list that missed them.
 */
export function unresolvedResult(domain: string, resolved: ResolvedDomain, severity: Severity): CheckResult {
  return {
    target: domain,
    zone: resolveRowZone,
    status: 'unknown',
    reason: resolved.reason ?? 'dns-error',
    detail: `could not find every address behind ${domain} (${resolved.problems.join('; ')}): the IP lists did not check them`,
    codes: [],
    meanings: [],
    classes: [],
    txt: [],
    severity,
    ms: 0,
  };
}

/**
 * Find the addresses behind a domain for `--resolve`: its A and AAAA records and the A and AAAA records of its MX
 * hosts, so the IPs that actually send and receive its mail are checked against the IP lists too.
 */
export async function resolveDomain(domain: string, resolver: DnsResolver): Promise<ResolvedDomain> {
  const targets: CheckTarget[] = [];
  const failures: Failure[] = [];
  const seen = new Set<string>();

  const addresses = async (host: string, via: string): Promise<void> => {
    const [a, aaaa] = await Promise.all([resolver.query(host, 'A'), resolver.query(host, 'AAAA')]);
    for (const [type, response] of [
      ['A', a],
      ['AAAA', aaaa],
    ] as const) {
      const failure = describeFailure(host, type, response);
      if (failure) failures.push(failure);
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
  if (failure) failures.push(failure);
  const hosts = recordValues(mxResponse, 'MX')
    .map((value) => value.split(' ')[1] ?? '')
    // RFC 7505 null MX (".") means the domain accepts no mail.
    .filter((host) => host !== '' && host !== '.')
    .slice(0, maxMxHosts);
  await Promise.all(hosts.map((host) => addresses(host, `${domain} MX ${host}`)));
  const first = failures[0];
  return { targets, problems: failures.map((f) => f.text), ...(first ? { reason: first.reason } : {}) };
}
