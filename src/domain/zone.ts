/**
 * A DNSBL zone as rblwatch understands it: what to query, how to read the answer, and how much a listing matters.
 * @see https://www.rfc-editor.org/rfc/rfc5782
 */

/** Which targets a zone accepts. `ip` means both IPv4 and IPv6. */
export type ZoneKind = 'ip4' | 'ip6' | 'ip' | 'domain';

/**
 * What one returned A record means on a zone.
 * - `listed`: the target is on the blocklist.
 * - `allow`: an allow-list or good-reputation answer (never a listing).
 * - `info`: informational (neutral reputation, age of a domain); never a listing.
 * - `error`: the list refuses to answer (quota, public resolver, bad key); the check is `unknown`.
 */
export type CodeClass = 'listed' | 'allow' | 'info' | 'error';

/** How much a listing on this zone hurts mail delivery; alert routing keys off it. */
export type Severity = 'critical' | 'major' | 'minor' | 'info';

/** What a listing on the zone says about: the address itself, its surrounding range, its whole network, a domain. */
export type ListingScope = 'ip' | 'range' | 'network' | 'domain';

export interface ZoneCode {
  readonly class: CodeClass;
  readonly meaning: string;
}

/**
 * RFC 5782 §5 test points. `listed` must be listed by a healthy zone, `unlisted` must not be.
 * Values are targets of the zone's family (an IPv4 or IPv6 address, or a domain name).
 */
export interface TestPoints {
  readonly listed: string;
  readonly unlisted: string;
}

export interface Zone {
  /** The zone's public DNS name (e.g. `zen.spamhaus.org`). Unique in a catalog; what users and output see. */
  readonly zone: string;
  /** Human name, e.g. "Spamhaus ZEN". */
  readonly name: string;
  readonly operator?: string;
  readonly kind: ZoneKind;
  /**
   * The DNS suffix actually queried. Equals `zone` except for Spamhaus DQS, where it carries the customer key
   * (`<key>.zen.dq.spamhaus.net`), so it is never printed or logged.
   */
  readonly queryHost: string;
  /**
   * Answer address -> class and meaning. Absent: any 127.0.0.0/8 answer other than 127.0.0.1 and
   * 127.255.255.0/24 is a listing. Present: an answer not in the table is `unknown` (`bad-answer`).
   */
  readonly codes?: Readonly<Record<string, ZoneCode>>;
  /**
   * The last octet of the answer is a bit field (SURBL, URIBL): each set bit is looked up in `codes` as
   * `127.0.0.<bit>`. Only meaningful with `codes`.
   */
  readonly bitmask?: boolean;
  readonly severity: Severity;
  readonly scope: ListingScope;
  readonly notes?: string;
  /** Delisting or lookup page; `{target}` is replaced with the URL-encoded target. */
  readonly delist?: string;
  /** The list only answers with a customer key (e.g. Spamhaus DQS) */
  readonly needsKey?: boolean;
  /** The list only answers resolvers whose address was registered with the operator (Barracuda). */
  readonly needsRegistration?: boolean;
  /** Spamhaus dataset name for DQS (`zen`, `dbl`, ...); set only on Spamhaus zones. */
  readonly dqs?: string;
  /** Test points to probe before trusting the zone, or `false` when the list has none (opt-out). */
  readonly testPoints: TestPoints | false;
}

/** The RFC 5782 §5 default test points for each family. */
export const defaultTestPoints = {
  ip4: { listed: '127.0.0.2', unlisted: '127.0.0.1' },
  ip6: { listed: '::ffff:7f00:2', unlisted: '::ffff:7f00:1' },
  domain: { listed: 'test', unlisted: 'invalid' },
} as const satisfies Record<string, TestPoints>;

/** The test-point family a zone is probed with: IPv4 points for `ip4` and `ip` zones. */
export function testFamilyOf(kind: ZoneKind): keyof typeof defaultTestPoints {
  if (kind === 'ip6') return 'ip6';
  if (kind === 'domain') return 'domain';
  return 'ip4';
}
