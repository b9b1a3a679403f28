/**
 * The zone catalog: the frozen set of zones a run may query, built once from the built-in list or a zone file.
 * Building it computes each zone's query host, which is where a Spamhaus DQS key is applied; the key lives only
 * in `queryHost` and never appears in a message.
 *
 * @see https://docs.spamhaus.com/datasets/docs/source/70-access-methods/data-query-service/040-dqs-queries.html
 */
import type { Zone, ZoneCode } from '../domain/zone.ts';
import { AppError, ErrorCode, UserError } from '../errors.ts';
import { normalizeZoneName } from './zone-file-schema.ts';
import type { ZoneSpec } from './zone-spec.ts';

/** An immutable, non-empty set of zones with unique names. */
export interface Catalog {
  /** The zones in declaration order. */
  readonly zones: readonly Zone[];
  /** The zone with this name (case-insensitive, trailing dot tolerated), if it is in the catalog. */
  get(zone: string): Zone | undefined;
}

/** Spamhaus DQS keys are 26 letters and digits; DNS is case-insensitive, so the key is lowercased. */
const DQS_KEY = /^[a-z0-9]{26}$/i;
const DQS_DATASET = /^[a-z0-9-]{1,63}$/;
const DQS_SUFFIX = 'dq.spamhaus.net';

/**
 * Zones left out of a catalog because they need a key that was not configured, so `selectZones` can say why a
 * name the user typed is missing instead of calling it unknown. Kept outside the frozen catalog object.
 */
const zonesNeedingKey = new WeakMap<Catalog, readonly string[]>();

/**
 * Builds the catalog.
 *
 * With `dqsKey`, every spec that names a Spamhaus `dqs` dataset is queried at `<key>.<dqs>.dq.spamhaus.net`.
 * Without it, specs with `needsKey` are left out (they cannot answer) and every other zone is queried at its own
 * name. An empty `dqsKey` counts as not configured, matching an empty variable in `.env`.
 *
 * @throws AppError `CONFIG_INVALID` when `specs` is empty, names a zone twice, or has a malformed `dqs` dataset.
 * @throws UserError `CONFIG_INVALID` when the DQS key is malformed (the key is not repeated in the message), or when
 *   every zone needs a key and none is configured.
 */
export function buildCatalog(specs: readonly ZoneSpec[], options: { dqsKey?: string } = {}): Catalog {
  if (specs.length === 0) {
    throw new AppError(ErrorCode.CONFIG_INVALID, 'the zone catalog is empty: at least one zone is required');
  }
  const dqsKey = parseDqsKey(options.dqsKey);

  const seen = new Set<string>();
  for (const spec of specs) {
    const name = normalizeZoneName(spec.zone);
    if (seen.has(name)) {
      throw new AppError(ErrorCode.CONFIG_INVALID, `the zone catalog declares ${name} more than once`);
    }
    seen.add(name);
    if (spec.dqs !== undefined && !DQS_DATASET.test(spec.dqs)) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `zone ${name}: dqs must be a Spamhaus dataset name such as zen`,
      );
    }
  }

  const usable = dqsKey === undefined ? specs.filter((spec) => spec.needsKey !== true) : specs;
  if (usable.length === 0) {
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      'every configured zone needs a Spamhaus DQS key, and none is configured',
    );
  }
  const zones = usable.map((spec) => freezeZone(spec, queryHostOf(spec, dqsKey)));
  const catalog = createCatalog(zones);
  if (usable.length < specs.length) {
    zonesNeedingKey.set(
      catalog,
      specs.filter((spec) => spec.needsKey === true).map((spec) => normalizeZoneName(spec.zone)),
    );
  }
  return catalog;
}

/**
 * Narrows a catalog to the zones named on the command line (`--zone NAME`, repeatable). Names match
 * case-insensitively, with or without a trailing dot; the result keeps catalog order and drops repeats.
 * An empty list selects every zone.
 *
 * @throws UserError `ZONES_UNKNOWN_ZONE` naming every unknown zone, with close matches when there are any.
 */
export function selectZones(catalog: Catalog, names: readonly string[]): Catalog {
  if (names.length === 0) return catalog;
  const wanted = new Set(names.map(normalizeZoneName));
  const unknown = [...wanted].filter((name) => catalog.get(name) === undefined);
  if (unknown.length > 0) {
    const needKey = zonesNeedingKey.get(catalog) ?? [];
    const problems = unknown.map((name) => describeUnknownZone(name, catalog, needKey));
    throw new UserError(ErrorCode.ZONES_UNKNOWN_ZONE, problems.join('; '));
  }
  return createCatalog(catalog.zones.filter((zone) => wanted.has(zone.zone)));
}

/**
 * The zone's delisting or lookup page for `target`, with `{target}` replaced by the URL-encoded target, or
 * undefined when the catalog has no page for the zone.
 */
export function renderDelist(zone: Zone, target: string): string | undefined {
  if (zone.delist === undefined) return undefined;
  return zone.delist.replaceAll('{target}', encodeURIComponent(target));
}

function parseDqsKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const trimmed = key.trim();
  if (trimmed === '') return undefined;
  // Never echo the key: it is a credential, and this message can reach a terminal, a log or a chat channel.
  if (!DQS_KEY.test(trimmed)) {
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `the Spamhaus DQS key is malformed: expected 26 letters and digits, got ${trimmed.length} characters`,
    );
  }
  return trimmed.toLowerCase();
}

function queryHostOf(spec: ZoneSpec, dqsKey: string | undefined): string {
  if (dqsKey !== undefined && spec.dqs !== undefined) return `${dqsKey}.${spec.dqs}.${DQS_SUFFIX}`;
  return normalizeZoneName(spec.zone);
}

function freezeZone(spec: ZoneSpec, queryHost: string): Zone {
  const codes =
    spec.codes === undefined
      ? undefined
      : Object.freeze(
          Object.fromEntries(
            Object.entries(spec.codes).map(([address, code]): [string, ZoneCode] => [
              address,
              Object.freeze({ ...code }),
            ]),
          ),
        );
  const testPoints = spec.testPoints === false ? false : Object.freeze({ ...spec.testPoints });
  const zone: Zone = {
    ...spec,
    zone: normalizeZoneName(spec.zone),
    queryHost,
    ...(codes === undefined ? {} : { codes }),
    testPoints,
  };
  return Object.freeze(zone);
}

function createCatalog(zones: readonly Zone[]): Catalog {
  const byName = new Map(zones.map((zone) => [zone.zone, zone]));
  return Object.freeze({
    zones: Object.freeze([...zones]),
    get: (name: string) => byName.get(normalizeZoneName(name)),
  });
}

function describeUnknownZone(name: string, catalog: Catalog, needKey: readonly string[]): string {
  if (needKey.includes(name)) {
    return `zone ${name} needs a Spamhaus DQS key, and none is configured`;
  }
  const matches = closeMatches(
    name,
    catalog.zones.map((zone) => zone.zone),
  );
  return matches.length === 0
    ? `unknown zone ${name} (list the zones with \`rblwatch zones\`)`
    : `unknown zone ${name}; did you mean ${matches.join(', ')}?`;
}

/** Up to three names that contain, or are contained in, `name`, or are within a few edits of it. */
function closeMatches(name: string, candidates: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 4));
  return candidates
    .map((candidate) => ({
      candidate,
      distance: candidate.includes(name) || name.includes(candidate) ? 0 : editDistance(name, candidate),
    }))
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

/** Levenshtein distance, two rows at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
