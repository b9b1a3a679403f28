/** `reports:`: the blacklist report, posted on a schedule to chat channels and webhooks. */
import { z } from 'zod';
import type { NotifierDefinition } from '../../alerts/notifiers/notifier.ts';
import { notifierFor, notifiers } from '../../alerts/notifiers/registry.ts';
import { checkCronExpression, oneOrMany } from '../fields.ts';
import type { SectionContext } from '../section.ts';

export interface ReportSchedule {
  /** node-cron, in the config's `timezone`. */
  readonly schedule: string;
  /** Chat and webhook destinations (pagers take alerts only). */
  readonly to: readonly string[];
}

const reportShape = {
  schedule: z.string({ error: 'must be a cron expression such as "0 8 * * 1"' }),
  to: oneOrMany(z.string().min(1)),
};

/** The top-level keys of this section in `rblwatch.yml`. */
export const reportsKeys = {
  reports: z.array(z.strictObject(reportShape), { error: 'must be a list of { schedule, to }' }),
};

export const reportsAllowedKeys = [['reports[]', Object.keys(reportShape)]] as const;

export interface ReportsFile {
  readonly reports?:
    | readonly { readonly schedule: string; readonly to: readonly string[] }[]
    | null
    | undefined;
}

/**
 * The schedules, each sending only to destinations that take reports: grouped ones (a pager takes one alert per
 * incident, never a report).
 * @param types - every destination's name and type, as written.
 */
export function resolveReports(
  file: ReportsFile,
  types: ReadonlyMap<string, string>,
  context: SectionContext,
  registry: readonly NotifierDefinition[] = notifiers,
): ReportSchedule[] {
  const reports: ReportSchedule[] = [];
  for (const [index, entry] of (file.reports ?? []).entries()) {
    const cronProblem = checkCronExpression(entry.schedule);
    if (cronProblem) context.issues.inFile(['reports', index, 'schedule'], cronProblem);
    for (const [position, name] of entry.to.entries()) {
      const type = types.get(name);
      const path = ['reports', index, 'to', position];
      if (type === undefined) {
        context.issues.inFile(path, `unknown destination "${name}"`);
      } else if (notifierFor(type, registry)?.mode === 'per-key') {
        context.issues.inFile(path, `${name} is a pager (${type}); reports go to chat channels and webhooks`);
      }
    }
    reports.push({ schedule: entry.schedule.trim().split(/\s+/).join(' '), to: entry.to });
  }
  return reports;
}
