import { randomBytes } from 'node:crypto';
import type { ResolverHealth } from '../domain/check-result.ts';
import type { DnsResponse } from './dns-resolver.ts';
import type { ZoneProbeEvidence } from './zone-health.ts';

/**
 * A question every working resolver answers somehow: an A query for a fresh random label under `invalid.`, which
 * RFC 6761 §6.4 reserves so that it never exists. Any reply (NXDOMAIN, as it should be, but REFUSED or SERVFAIL
 * too) shows the resolver is alive; the random label keeps a cache from answering for it.
 * @see https://www.rfc-editor.org/rfc/rfc6761#section-6.4
 */
export function canaryName(): string {
  return `rblwatch-${randomBytes(6).toString('hex')}.invalid`;
}

const ok: ResolverHealth = { status: 'ok', detail: '' };

/** Lists needed before "most fail alike" can outweigh a few that pass. */
const MOST_ALIKE_MIN_LISTS = 5;
/** Share of the tested lists failing the same way that makes the resolver the cause. */
const MOST_ALIKE_SHARE = 0.8;

/** How much of the probe set a failure covers: "every list's test point", or "5 of 7 lists' test points (...)". */
interface Scope {
  readonly points: string;
  readonly lists: string;
}

/** What a resolver that answers yet fails every list's test points is doing, keyed by the probes' symptom. */
function describeFailure(key: string, label: string, scope: Scope, canary: DnsResponse): string {
  const advice = 'use a local recursive resolver, see README';
  if (key === 'NXDOMAIN' || key === 'no address') {
    return `answers ${label} for ${scope.points}: it is not resolving DNSBL zones; ${advice}`;
  }
  if (key === 'REFUSED') {
    const what = canary.kind === 'answer' && canary.rcode === 'REFUSED' ? 'every query' : scope.points;
    return `refuses ${what} (REFUSED): it does not serve this host; ${advice}`;
  }
  if (key === 'SERVFAIL')
    return `answers SERVFAIL for ${scope.lists}: it cannot reach the lists' name servers`;
  if (key === 'timeout') {
    return `answers other questions but gets no answer for ${scope.points} (timeouts): it cannot reach the lists' name servers`;
  }
  if (key.startsWith('error-code ')) {
    return `answers error codes (${label}) for ${scope.points}: the lists refuse it; ${advice}`;
  }
  if (key === 'wildcard') {
    return `answers ${label} for ${scope.lists}: it rewrites answers for names that do not exist; ${advice}`;
  }
  return `answers ${label} for ${scope.points}: ${advice}`;
}

/**
 * Judge the resolver from one run's probes: the canary answer and every zone's test-point probes. The rules:
 * - `down`: no reply at all, to the canary and to every test-point probe. A zone whose probe got any reply, even a
 *   wrong one, shows the resolver is alive, so `down` needs total silence.
 * - `unusable`: it replies, but at least two zones with test points were probed and none of them is `ok`, or (of
 *   five or more) at least four in five fail the same way: the same resolver failing (nearly) every list is the
 *   resolver's fault, not the lists'. The detail names the most common failure
 *   (NXDOMAIN, REFUSED, SERVFAIL, an error code such as Spamhaus's 127.255.255.254, a rewritten answer).
 * - otherwise `ok`, and zones are judged one by one. With a single tested zone that fails, the zone is blamed
 *   (one list can be down on its own), unless the canary got no reply either.
 *
 * `servers` (`host:port`) name the resolver in the detail; without them the servers that replied are named.
 */
export function judgeResolver(
  canary: DnsResponse,
  zones: readonly ZoneProbeEvidence[],
  servers: readonly string[] = [],
): ResolverHealth {
  const tested = zones.filter((zone) => zone.tested);
  const alive = canary.kind === 'answer' || tested.some((zone) => zone.replied);
  if (!alive) {
    const attempts = canary.kind === 'timeout' ? ` (${canary.attempts} attempts)` : '';
    const why = canary.kind === 'error' ? ` (${canary.message})` : '';
    const subject = servers.length > 1 ? 'the resolvers are' : 'the resolver is';
    return {
      status: 'down',
      detail: `no answer from ${servers.join(', ') || 'the resolver'}${attempts}${why}: ${subject} not running or not reachable`,
    };
  }
  if (tested.length < 2) return ok;
  const healthy = tested.filter((zone) => zone.report.health === 'ok').length;

  const counts = new Map<string, { label: string; count: number }>();
  for (const zone of tested) {
    if (zone.report.health === 'ok') continue;
    const symptom = zone.symptom ?? { key: zone.report.health, label: zone.report.health };
    const entry = counts.get(symptom.key) ?? { label: symptom.label, count: 0 };
    entry.count++;
    counts.set(symptom.key, entry);
  }
  // Most common first; ties keep the order in which the zones (the catalog) met them.
  const ranked = [...counts.entries()].sort((a, b) => b[1].count - a[1].count);
  const [key, top] = ranked[0] ?? ['', { label: '', count: 0 }];
  // "Most lists fail the same way" blames the resolver: none passes, or (among enough lists that a few passing by
  // luck or exception is no alibi) at least four in five fail alike.
  const mostAlike = tested.length >= MOST_ALIKE_MIN_LISTS && top.count >= MOST_ALIKE_SHARE * tested.length;
  if (healthy > 0 && !mostAlike) return ok;
  const named = servers.length > 0 ? servers : [...new Set(tested.flatMap((zone) => zone.servers))];
  const subject = `${named.length > 1 ? 'the resolvers' : 'the resolver'}${named.length > 0 ? ` ${named.join(', ')}` : ''}`;
  const others = ranked
    .slice(1)
    .map(([, other]) => `${other.label} ${other.count}`)
    .join(', ');
  const rest = [others, healthy > 0 ? `ok ${healthy}` : ''].filter(Boolean).join(', ');
  const partial = `${top.count} of ${tested.length} lists' test points (the others: ${rest})`;
  const scope: Scope =
    top.count === tested.length
      ? { points: "every list's test point", lists: 'every list' }
      : { points: partial, lists: partial };
  return { status: 'unusable', detail: `${subject} ${describeFailure(key, top.label, scope, canary)}` };
}
