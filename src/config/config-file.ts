/**
 * Finding, reading and parsing `rblwatch.yml`, and replacing `${VAR}` in it: what every config load starts with,
 * whichever sections it then reads.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ErrorCode, UserError } from '../errors.ts';
import { expandEnvReferences } from './expand-env.ts';
import { nonEmpty } from './fields.ts';
import type { ConfigIssues } from './issues.ts';

/** The file read when none is named. */
export const DEFAULT_CONFIG_FILE = 'rblwatch.yml';

/** Substituted values shorter than this are not masked in messages: they are not secrets and would mangle text. */
const MIN_REDACTED_LENGTH = 4;

export interface ConfigFileOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Directory the file name is resolved against. */
  readonly cwd: string;
  /** Config file path; else `RBLWATCH_CONFIG`; else `rblwatch.yml`. A path named here or in the variable must exist. */
  readonly file?: string | undefined;
  /** Refuse a missing file even when none was named. */
  readonly requireFile?: boolean | undefined;
}

/** The file as found: its name as shown in messages, where it is, and the document in it. */
export interface ConfigFile {
  /** As the user named it (`rblwatch.yml`, `etc/watch.yml`): the prefix of every message about it. */
  readonly shown: string;
  /** Absolute path of the file read; `undefined` when none existed and defaults apply. */
  readonly path: string | undefined;
  /** What relative paths in the file are relative to: its directory (the working directory without a file). */
  readonly baseDir: string;
  /** The parsed document, before `${VAR}` expansion (`{}` for no file or an empty one). */
  readonly document: unknown;
}

/**
 * Finds and parses the file.
 * @throws UserError `CONFIG_INVALID` for a named file that is missing or unreadable, or YAML that does not parse
 *   (with the line and column, never an excerpt: the file may hold anything).
 */
export async function readConfigFile(options: ConfigFileOptions): Promise<ConfigFile> {
  const fromVariable = nonEmpty(options.env.RBLWATCH_CONFIG);
  const given = nonEmpty(options.file);
  const named = given ?? fromVariable;
  const shown = named ?? DEFAULT_CONFIG_FILE;
  const absolute = resolve(options.cwd, shown);
  const text = await readText(absolute, shown, {
    optional: named === undefined && options.requireFile !== true,
    namedBy: given === undefined && fromVariable !== undefined ? 'RBLWATCH_CONFIG' : undefined,
  });
  return {
    shown,
    path: text === undefined ? undefined : absolute,
    baseDir: text === undefined ? options.cwd : dirname(absolute),
    document: text === undefined ? {} : (parseDocument(text, shown) ?? {}),
  };
}

/**
 * Replaces `${VAR}` in the document (only under `keys`, when given: a load that reads some sections must not fail
 * on a variable another section needs), recording a problem per reference that cannot be replaced.
 * @returns the expanded document, and the variables substituted (name -> value), for {@link makeRedactor}.
 */
export function expandConfig(
  document: unknown,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssues,
  keys?: readonly string[],
): { value: unknown; used: ReadonlyMap<string, string> } {
  const scoped =
    keys !== undefined && typeof document === 'object' && document !== null && !Array.isArray(document)
      ? Object.fromEntries(Object.entries(document).filter(([key]) => keys.includes(key)))
      : document;
  const expansion = expandEnvReferences(scoped, env);
  for (const problem of expansion.problems) issues.inFile(problem.path, problem.message);
  return { value: expansion.value, used: expansion.used };
}

/**
 * Masks the values of substituted variables (and any extra secrets) in messages, putting the reference back: a
 * message that quotes `redis://:hunter22@db` after `${REDIS_PASSWORD}` was expanded must not print the password.
 */
export function makeRedactor(
  used: ReadonlyMap<string, string>,
  secrets: readonly string[] = [],
): (text: string) => string {
  const pairs: Array<[string, string]> = [...used]
    .filter(([, value]) => value.length >= MIN_REDACTED_LENGTH)
    .map(([name, value]): [string, string] => [value, `\${${name}}`]);
  for (const secret of secrets) if (secret.length >= MIN_REDACTED_LENGTH) pairs.push([secret, '[redacted]']);
  // Longest first, so a value containing another is replaced whole.
  pairs.sort((a, b) => b[0].length - a[0].length);
  return (text) => pairs.reduce((out, [value, replacement]) => out.replaceAll(value, replacement), text);
}

async function readText(
  absolute: string,
  shown: string,
  how: { optional: boolean; namedBy: string | undefined },
): Promise<string | undefined> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (how.optional) return undefined;
      const by = how.namedBy === undefined ? '' : ` (named by ${how.namedBy})`;
      throw new UserError(ErrorCode.CONFIG_INVALID, `${shown}: config file not found${by}`, { cause: error });
    }
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `${shown}: cannot read the config file (${code ?? (error instanceof Error ? error.message : String(error))})`,
      { cause: error },
    );
  }
}

function parseDocument(text: string, shown: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    // The first line only: the yaml package follows it with an excerpt of the file, which may hold anything.
    const reason = (error.message.split('\n')[0] ?? error.message).replace(
      / at line \d+, column \d+:?\s*$/,
      '',
    );
    const position = error.linePos?.[0];
    const where = position === undefined ? '' : ` line ${position.line}, column ${position.col}:`;
    throw new UserError(ErrorCode.CONFIG_INVALID, `${shown}:${where} not valid YAML: ${reason}`, {
      cause: error,
    });
  }
}
