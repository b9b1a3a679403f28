import type { CodeClass, Severity } from './zone.ts';

/** The three outcomes of one (target, zone) check. There is no fourth, and `unknown` is never shown as either. */
export type CheckStatus = 'listed' | 'clean' | 'unknown';

/**
 * Why a check is `unknown`.
 * - `timeout`: no answer after every retry.
 * - `servfail`, `refused`: the resolver said so (SERVFAIL, REFUSED).
 * - `dns-error`: any other failure (FORMERR, NOTIMP, a malformed answer, a network error).
 * - `error-code`: the list answered with an error code (127.255.255.x, or one its catalog entry marks `error`).
 * - `bad-answer`: an answer outside 127.0.0.0/8, 127.0.0.1, or a code missing from the zone's code table.
 * - `zone-unhealthy`: the zone failed its RFC 5782 test points in this run, so its answer cannot be trusted (a
 *   wildcard zone's positives, a refusing or unreachable zone's lookups, a zone without its must-list point's
 *   clean answers).
 * - `resolver-down`: the resolver answered nothing at all in this run; nothing was looked up.
 * - `resolver-unusable`: the resolver answers, but no list's test points came back right through it (it answers
 *   NXDOMAIN for DNSBL zones, refuses, fails or gets error codes); nothing was looked up.
 */
export type UnknownReason =
  | 'timeout'
  | 'servfail'
  | 'refused'
  | 'dns-error'
  | 'error-code'
  | 'bad-answer'
  | 'zone-unhealthy'
  | 'resolver-down'
  | 'resolver-unusable';

/**
 * What one run's probes say about the resolver itself, apart from the lists behind it.
 * - `ok`: it answers, and the lists can be judged one by one.
 * - `down`: no reply at all, to the canary question and to every test-point probe.
 * - `unusable`: it replies, but at least two lists with test points were probed and none of them came back `ok`:
 *   the resolver is the problem, not the lists.
 */
export interface ResolverHealth {
  readonly status: 'ok' | 'down' | 'unusable';
  /** One plain sentence for people naming the resolver(s) and what they do; '' when ok. */
  readonly detail: string;
}

/**
 * Health of a zone in one run, from its RFC 5782 §5 test points.
 * - `ok`: lists the must-list point and not the must-not-list point.
 * - `wildcard`: answers for the must-not-list point, so it "lists" everything; its positives are not trusted.
 * - `refused`: refuses the probe or answers it with an error code.
 * - `unreachable`: no usable answer (timeout, SERVFAIL).
 * - `no-test-point`: does not list its must-list point; results are kept but flagged.
 * - `untested`: the catalog opts the zone out of test points.
 */
export type ZoneHealth = 'ok' | 'wildcard' | 'refused' | 'unreachable' | 'no-test-point' | 'untested';

export interface ZoneHealthReport {
  readonly zone: string;
  readonly health: ZoneHealth;
  /** One line for people: what the probe saw. */
  readonly detail: string;
}

export interface CheckResult {
  /** The target as queried: canonical IP or ASCII domain. */
  readonly target: string;
  /** The zone's public name. */
  readonly zone: string;
  readonly status: CheckStatus;
  /** Every A record the list returned, in answer order (deduplicated). Empty when clean by NXDOMAIN/NODATA. */
  readonly codes: readonly string[];
  /** The meaning of each code, same order as `codes`. */
  readonly meanings: readonly string[];
  /** The class of each code, same order as `codes`. */
  readonly classes: readonly CodeClass[];
  /** TXT strings for a listing (fetched only when listed). */
  readonly txt: readonly string[];
  /** Set exactly when `status` is `unknown`. */
  readonly reason?: UnknownReason;
  /** Human detail for unknowns and flags ("answer 10.0.0.1 is outside 127.0.0.0/8"). */
  readonly detail?: string;
  /** Delisting or lookup page for this target, when the zone has one. */
  readonly delist?: string;
  readonly severity: Severity;
  /** How the IP was found when it came from `--resolve` ("mail.example.com MX mx1.example.com A"). */
  readonly via?: string;
  /** Zone health in this run, when not `ok`, so a flagged result says so. */
  readonly zoneHealth?: ZoneHealth;
  /** Wall time of the lookup in milliseconds (A plus TXT). */
  readonly ms: number;
}

/** "127.0.0.2 SBL: ...; 127.0.0.4 XBL: ..." from parallel code and meaning lists, for one-line summaries. */
export function formatCodes(codes: readonly string[], meanings: readonly string[]): string {
  return codes.map((code, i) => `${code} ${meanings[i] ?? ''}`.trim()).join('; ');
}
