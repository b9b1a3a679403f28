/** `routes:`: which alerts go to which destinations (every matching route adds its destinations). */
import { z } from 'zod';
import type { Route } from '../../alerts/route.ts';
import { type AlertKind, alertKinds } from '../../domain/alert.ts';
import { normalizeZoneName } from '../../zones/zone-file-schema.ts';
import type { ZoneSpec } from '../../zones/zone-spec.ts';
import { oneOrMany } from '../fields.ts';
import type { SectionContext } from '../section.ts';

const severities = ['critical', 'major', 'minor', 'info'] as const;
const labelValues = oneOrMany(z.string().min(1));

const matchShape = {
  kind: oneOrMany(z.enum(alertKinds as [AlertKind, ...AlertKind[]])).optional(),
  severity: oneOrMany(z.enum(severities)).optional(),
  zone: oneOrMany(z.string().min(1)).optional(),
  labels: z
    .strictObject({
      owner: labelValues.optional(),
      team: labelValues.optional(),
      customer: labelValues.optional(),
      tags: labelValues.optional(),
    })
    .optional(),
  initial: z.boolean().optional(),
};

const routeShape = { match: z.strictObject(matchShape).nullish(), to: oneOrMany(z.string().min(1)) };

/** The top-level keys of this section in `rblwatch.yml`. */
export const routesKeys = {
  routes: z.array(z.strictObject(routeShape), { error: 'must be a list of routes' }),
};

export const routesAllowedKeys = [
  ['routes[]', Object.keys(routeShape)],
  ['routes[].match', Object.keys(matchShape)],
] as const;

export interface RoutesFile {
  readonly routes?: readonly z.output<z.ZodObject<typeof routeShape>>[] | null | undefined;
}

/** The routes, each naming only destinations defined (`known`: every name under `destinations`). */
export function resolveRoutes(
  file: RoutesFile,
  known: ReadonlySet<string>,
  context: SectionContext,
): Route[] {
  const routes: Route[] = [];
  for (const [index, route] of (file.routes ?? []).entries()) {
    for (const [position, name] of route.to.entries()) {
      if (!known.has(name)) {
        const list =
          known.size > 0 ? ` (destinations: ${[...known].join(', ')})` : ' (no destinations are defined)';
        context.issues.inFile(['routes', index, 'to', position], `unknown destination "${name}"${list}`);
      }
    }
    const match = route.match ?? {};
    routes.push({
      to: route.to,
      match: {
        ...(match.kind ? { kind: match.kind } : {}),
        ...(match.severity ? { severity: match.severity } : {}),
        ...(match.zone ? { zone: match.zone.map(normalizeZoneName) } : {}),
        ...(match.labels ? { labels: match.labels } : {}),
        ...(match.initial === undefined ? {} : { initial: match.initial }),
      },
    });
  }
  return routes;
}

/** A route naming a zone the catalog does not have could never match: almost always a typo. */
export function checkRouteZones(
  routes: readonly Route[],
  specs: readonly ZoneSpec[],
  context: SectionContext,
): void {
  if (specs.length === 0) return;
  const known = new Set(specs.map((spec) => normalizeZoneName(spec.zone)));
  for (const [index, route] of routes.entries()) {
    for (const [position, zone] of (route.match.zone ?? []).entries()) {
      if (!known.has(zone)) {
        context.issues.inFile(
          ['routes', index, 'match', 'zone', position],
          `${zone} is not a zone in use (\`rblwatch zones\` lists them)`,
        );
      }
    }
  }
}
