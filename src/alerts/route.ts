import type { AlertKind, Signal } from '../domain/alert.ts';
import type { Labels } from '../domain/inventory.ts';
import type { Severity } from '../domain/zone.ts';

/** Which alerts a route takes. Every field given must match; a field left out matches everything. */
export interface RouteMatch {
  readonly kind?: readonly AlertKind[];
  readonly severity?: readonly Severity[];
  /** Zone names, normalised (lowercase, no trailing dot). */
  readonly zone?: readonly string[];
  /** Each label given must have one of the listed values; `tags` matches when the target has any of them. */
  readonly labels?: {
    readonly owner?: readonly string[];
    readonly team?: readonly string[];
    readonly customer?: readonly string[];
    readonly tags?: readonly string[];
  };
  /**
   * `true`: only listings found on a target's first scan (they existed before watching began). Left out or `false`:
   * only listings found after watching began, so a first scan is silent unless a route asks for it.
   */
  readonly initial?: boolean;
}

export interface Route {
  readonly match: RouteMatch;
  /** Destination names; each is checked against `destinations` at start. */
  readonly to: readonly string[];
}

/** What a route is matched against: an alert's or a notice's kind, severity, zone and (alerts only) labels. */
export type RouteSubject = Pick<Signal, 'kind' | 'severity' | 'zone'> & {
  readonly initial?: boolean;
  readonly labels?: Labels;
};

export function routeMatches(match: RouteMatch, alert: RouteSubject): boolean {
  if (match.kind && !match.kind.includes(alert.kind)) return false;
  if (match.severity && !match.severity.includes(alert.severity)) return false;
  if (match.zone && (alert.zone === undefined || !match.zone.includes(alert.zone))) return false;
  // Hosted monitors make the first check silent: what was listed before watching began is recorded and reported,
  // not announced, unless a route opts in.
  if ((alert.initial === true) !== (match.initial === true)) return false;
  if (match.labels && !labelsMatch(match.labels, alert.labels)) return false;
  return true;
}

function labelsMatch(wanted: NonNullable<RouteMatch['labels']>, labels: Labels | undefined): boolean {
  for (const key of ['owner', 'team', 'customer'] as const) {
    const values = wanted[key];
    if (values && (labels?.[key] === undefined || !values.includes(labels[key]))) return false;
  }
  if (wanted.tags && !wanted.tags.some((tag) => labels?.tags?.includes(tag))) return false;
  return true;
}

/** The destinations for an alert: the union over every matching route, in first-mention order. */
export function destinationsFor(routes: readonly Route[], alert: RouteSubject): string[] {
  const names = new Set<string>();
  for (const route of routes) {
    if (routeMatches(route.match, alert)) for (const name of route.to) names.add(name);
  }
  return [...names];
}
