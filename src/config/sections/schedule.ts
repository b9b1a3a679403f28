/** `schedule:`, `jitterSeconds:` and `timezone:`: when `serve` scans. */
import { z } from 'zod';
import { type EnvVariable, readVariable } from '../environment.ts';
import { cronField, expected, wholeNumber } from '../fields.ts';
import type { SectionContext } from '../section.ts';

export interface ScheduleConfig {
  /** node-cron expression, 5 fields or 6 with seconds first, single-spaced. */
  readonly cron: string;
  /** IANA time zone (canonical spelling); `undefined` means the process's zone. */
  readonly timezone: string | undefined;
  /** Upper bound (ms, exclusive) of the random delay before each scheduled scan; from `jitterSeconds`. */
  readonly jitterMs: number;
}

/**
 * On the hour; the 300 s jitter spreads the many monitors that pick the same minute, so DNSBLs do not see them all
 * in the same second.
 */
export const scheduleDefaults = Object.freeze({ schedule: '0 * * * *', jitterSeconds: 300 });

function canonicalTimeZone(name: string): string | undefined {
  if (name === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const scheduleField = cronField('0 * * * *');

/** The top-level keys of this section in `rblwatch.yml`. */
export const scheduleKeys = {
  schedule: scheduleField,
  jitterSeconds: wholeNumber(0, 3600),
  timezone: z
    .string({ error: expected('an IANA time zone such as UTC or Europe/Berlin') })
    .transform((value, ctx) => {
      const zone = canonicalTimeZone(value.trim());
      if (zone !== undefined) return zone;
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a time zone: use an IANA name such as UTC or Europe/Berlin`,
      });
      return z.NEVER;
    }),
};

const scheduleVariable: EnvVariable<string> = { name: 'RBLWATCH_SCHEDULE', schema: scheduleField };

export interface ScheduleFile {
  readonly schedule?: string | null | undefined;
  readonly jitterSeconds?: number | null | undefined;
  readonly timezone?: string | null | undefined;
}

/** `RBLWATCH_SCHEDULE`, read once. */
export function readScheduleEnv(context: Pick<SectionContext, 'env' | 'issues'>): {
  schedule: string | undefined;
} {
  return { schedule: readVariable(context.env, scheduleVariable, context.issues) };
}

/** The environment's schedule over the file's over the default. */
export function resolveSchedule(file: ScheduleFile, env: { schedule: string | undefined }): ScheduleConfig {
  return {
    cron: env.schedule ?? file.schedule ?? scheduleDefaults.schedule,
    timezone: file.timezone ?? undefined,
    jitterMs: (file.jitterSeconds ?? scheduleDefaults.jitterSeconds) * 1000,
  };
}
