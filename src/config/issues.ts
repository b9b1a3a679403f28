/**
 * The one list of configuration problems and the one way they are worded: `<file>: <field>: <problem>` for the
 * config file (the field as people read it, `targets[2].labels.team`), `environment variable <NAME>: <problem>` for
 * the environment. Every section adds to the same list; the load stops with all of them (the first ten) at once.
 */
import type { z } from 'zod';
import { ErrorCode, UserError } from '../errors.ts';
import { formatConfigPath } from './format-path.ts';

/** Past this many problems the first ones are what the user needs to fix. */
const MAX_REPORTED_PROBLEMS = 10;

/** One problem: where it is (a field of the file, or a variable), and what is wrong. */
export type ConfigIssue =
  | { readonly source: 'file'; readonly path: readonly PropertyKey[]; readonly message: string }
  | { readonly source: 'env'; readonly variable: string; readonly message: string };

/** The keys a mapping allows, by path pattern (`policy`, `targets[]`, `targets[].labels`), for "unknown key". */
export type AllowedKeys = ReadonlyMap<string, readonly string[]>;

export class ConfigIssues {
  readonly #file: string;
  readonly #issues: ConfigIssue[] = [];

  /** @param file - the config file as the user named it (`rblwatch.yml`), the prefix of file problems. */
  constructor(file: string) {
    this.#file = file;
  }

  get file(): string {
    return this.#file;
  }

  get count(): number {
    return this.#issues.length;
  }

  /** A problem with a field of the file (`[]` for the file as a whole). */
  inFile(path: readonly PropertyKey[], message: string): void {
    this.#issues.push({ source: 'file', path, message });
  }

  /** A problem with an environment variable. */
  inEnv(variable: string, message: string): void {
    this.#issues.push({ source: 'env', variable, message });
  }

  /**
   * The issues of a failed zod parse of the file. `document` is what was parsed: where a path passes through a
   * string there, the rest is the schema's view of that string (`targets[2]` written as a bare address is
   * validated as `{ target: ... }`), so the path is cut there to point at what the user wrote.
   */
  fromZod(issues: readonly z.core.$ZodIssue[], document: unknown, allowedKeys: AllowedKeys): void {
    for (const issue of issues) {
      const path = userPath(document, issue.path);
      if (issue.code !== 'unrecognized_keys') {
        // Every type check sets its own message (`expected()`), including "is required" for a missing value.
        this.inFile(path, issue.message);
        continue;
      }
      const pattern = path
        .map((segment) => (typeof segment === 'number' ? '[]' : `.${String(segment)}`))
        .join('')
        .replace(/^\./, '');
      const allowed = allowedKeys.get(pattern);
      for (const key of issue.keys) {
        const hint = /dqs|spamhaus/i.test(key)
          ? ': the Spamhaus DQS key is read only from the RBLWATCH_SPAMHAUS_DQS_KEY environment variable'
          : allowed === undefined
            ? ''
            : ` (expected one of: ${allowed.join(', ')})`;
        this.inFile([...path, key], `unknown key${hint}`);
      }
    }
  }

  /** Every problem as a line, in the order found. */
  lines(): string[] {
    return this.#issues.map((issue) => formatIssue(this.#file, issue));
  }

  /**
   * Stops the load when anything was found.
   * @param redact - masks substituted secrets in the text.
   * @throws UserError `CONFIG_INVALID` listing every problem (the first ten, then how many more), one per line.
   */
  throwIfAny(redact: (text: string) => string = (text) => text): void {
    if (this.#issues.length === 0) return;
    const lines = this.lines();
    const shown =
      lines.length > MAX_REPORTED_PROBLEMS
        ? [
            ...lines.slice(0, MAX_REPORTED_PROBLEMS),
            `${this.#file}: ... and ${lines.length - MAX_REPORTED_PROBLEMS} more problem(s)`,
          ]
        : lines;
    throw new UserError(ErrorCode.CONFIG_INVALID, redact(shown.join('\n')));
  }
}

/** The one format: `<file>: <field>: <problem>`, `<file>: <problem>`, `environment variable <NAME>: <problem>`. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  if (issue.source === 'env') return `environment variable ${issue.variable}: ${issue.message}`;
  return issue.path.length === 0
    ? `${file}: ${issue.message}`
    : `${file}: ${formatConfigPath(issue.path)}: ${issue.message}`;
}

function userPath(document: unknown, path: readonly PropertyKey[]): readonly PropertyKey[] {
  let node: unknown = document;
  for (const [index, segment] of path.entries()) {
    if (typeof node === 'string') return path.slice(0, index);
    if (typeof node !== 'object' || node === null) return path;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return path;
}
