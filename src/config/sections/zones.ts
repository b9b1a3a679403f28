/**
 * `zones:` (the built-in catalog or a zone file) and `zoneIntervals:` (the least time between lookups on a zone),
 * and the Spamhaus DQS key, which comes only from `RBLWATCH_SPAMHAUS_DQS_KEY`: a credential does not belong in a
 * file that gets copied and committed.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../../domain/duration.ts';
import { Secret } from '../../domain/secret.ts';
import { UserError } from '../../errors.ts';
import { builtinZones } from '../../zones/builtin-zones.ts';
import { loadZoneFile } from '../../zones/load-zone-file.ts';
import { normalizeZoneName } from '../../zones/zone-file-schema.ts';
import type { ZoneSpec } from '../../zones/zone-spec.ts';
import { type EnvVariable, readVariable } from '../environment.ts';
import { expected } from '../fields.ts';
import type { SectionContext } from '../section.ts';

/** The zone specs to build the catalog from (with the DQS key, at start), and where they came from. */
export interface ZonesConfig {
  readonly source: 'builtin' | 'file';
  /** Absolute path of the zone file; absent for the built-in catalog. */
  readonly file?: string;
  readonly specs: readonly ZoneSpec[];
}

/** Longest `zoneIntervals` value; longer would mean a zone is effectively never checked. */
const MAX_ZONE_INTERVAL_MS = 30 * 86_400_000;
/** Spamhaus DQS keys are 26 letters and digits (the catalog checks the same when it applies the key). */
const DQS_KEY = /^[a-z0-9]{26}$/i;

const zoneIntervalField = z
  .string({ error: expected('a duration such as 30m, 6h or 1d') })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms !== undefined && ms > 0 && ms <= MAX_ZONE_INTERVAL_MS) return ms;
    ctx.addIssue({
      code: 'custom',
      message:
        ms === undefined
          ? `${JSON.stringify(value)} is not a duration: use a number and a unit (s, m, h, d), e.g. 30m, 6h or 1d`
          : `${JSON.stringify(value)} is out of range: use more than 0 and at most 30d`,
    });
    return z.NEVER;
  });

/** The top-level keys of this section in `rblwatch.yml`. */
export const zonesKeys = {
  zones: z
    .string({ error: expected('"builtin" or the path of a zone file') })
    .trim()
    .min(1, 'must be "builtin" or the path of a zone file'),
  zoneIntervals: z.record(z.string(), zoneIntervalField, { error: expected('a mapping of zone: duration') }),
};

const dqsKeyVariable: EnvVariable<Secret> = {
  name: 'RBLWATCH_SPAMHAUS_DQS_KEY',
  // Never echo the key, not even part of it: only its length.
  schema: z.string().transform((value, ctx) => {
    if (DQS_KEY.test(value)) return new Secret(value);
    ctx.addIssue({
      code: 'custom',
      message: `malformed: expected 26 letters and digits, got ${value.length} characters`,
    });
    return z.NEVER;
  }),
};

export interface ZonesFile {
  readonly zones?: string | null | undefined;
  readonly zoneIntervals?: Readonly<Record<string, number>> | null | undefined;
}

export interface ZonesSection {
  readonly zones: ZonesConfig;
  /** Normalised zone name -> minimum time between lookups of a target on that zone, ms. */
  readonly zoneIntervalsMs: Readonly<Record<string, number>>;
  readonly spamhausDqsKey: Secret | undefined;
}

/** The DQS key from the environment, read once. */
export function readZonesEnv(context: Pick<SectionContext, 'env' | 'issues'>): {
  dqsKey: Secret | undefined;
} {
  return { dqsKey: readVariable(context.env, dqsKeyVariable, context.issues) };
}

/** Loads the zone file (relative to the config file) or copies the built-in catalog, and checks `zoneIntervals`. */
export async function resolveZones(
  file: ZonesFile,
  env: { dqsKey: Secret | undefined },
  context: SectionContext,
): Promise<ZonesSection> {
  const zones = await loadZones(file.zones ?? 'builtin', context);
  return {
    zones,
    zoneIntervalsMs: checkZoneIntervals(file.zoneIntervals ?? {}, zones, context),
    spamhausDqsKey: env.dqsKey,
  };
}

async function loadZones(setting: string, context: SectionContext): Promise<ZonesConfig> {
  // A copy: the config is frozen deeply, and freezing the shared module constant would reach into other modules.
  if (setting.toLowerCase() === 'builtin') return { source: 'builtin', specs: structuredClone(builtinZones) };
  const path = resolve(context.baseDir, setting);
  try {
    return { source: 'file', file: path, specs: await loadZoneFile(path) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    context.issues.inFile(['zones'], error.message);
    return { source: 'file', file: path, specs: [] };
  }
}

function checkZoneIntervals(
  intervals: Readonly<Record<string, number>>,
  zones: ZonesConfig,
  context: SectionContext,
): Record<string, number> {
  const known = new Set(zones.specs.map((spec) => normalizeZoneName(spec.zone)));
  const result: Record<string, number> = {};
  for (const [name, ms] of Object.entries(intervals)) {
    const zone = normalizeZoneName(name);
    const path = ['zoneIntervals', name];
    if (Object.hasOwn(result, zone)) {
      context.issues.inFile(path, `names ${zone} a second time`);
    } else if (!known.has(zone) && zones.specs.length > 0) {
      const catalog = zones.source === 'builtin' ? 'the built-in catalog' : 'the zone file';
      context.issues.inFile(path, `${zone} is not a zone in ${catalog} (\`rblwatch zones\` lists them)`);
    } else {
      result[zone] = ms;
    }
  }
  return result;
}
