import type { ConfigIssues } from './issues.ts';

/**
 * What every section's `resolve` works in: where the file is, the environment, and the one issue list. Sections
 * are the modules under `sections/`, one per part of `rblwatch.yml` (store, dns, zones, ...); each owns its zod
 * schema, uses it for the file, for its `RBLWATCH_*` variables and for command-line flags where one exists, and
 * turns what was parsed into its part of the frozen config.
 */
export interface SectionContext {
  /** The config file as the user named it (`rblwatch.yml`): what file problems start with. */
  readonly file: string;
  /** What relative paths in the file are relative to: the file's directory. */
  readonly baseDir: string;
  /** What relative paths in the environment are relative to: the working directory. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly issues: ConfigIssues;
}
