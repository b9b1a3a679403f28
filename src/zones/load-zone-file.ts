/**
 * Reads a user zone file (YAML, or JSON for `.json` files) and validates it with {@link zoneFileSchema}. Every
 * problem becomes a `ZONES_FILE_INVALID` {@link UserError} whose message names the file, the entry and the field, so
 * the user can fix the file without reading a stack trace.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, UserError } from '../errors.ts';
import { zoneFileSchema } from './zone-file-schema.ts';
import type { ZoneSpec } from './zone-spec.ts';

/** At most this many problems are listed; past that the user is better served fixing the first ones. */
const MAX_REPORTED_ISSUES = 10;

/**
 * Loads and validates a zone file.
 * @param path - file path as the user gave it; messages repeat it verbatim so they point at what was typed.
 * @returns the zone specs, in file order, with defaults applied.
 * @throws UserError `ZONES_FILE_INVALID` when the file cannot be read, does not parse, or fails validation.
 */
export async function loadZoneFile(path: string): Promise<ZoneSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(
      ErrorCode.ZONES_FILE_INVALID,
      `${path}: cannot read the zone file (${osReason(error)})`,
      {
        cause: error,
      },
    );
  }

  let document: unknown;
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const kind = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new UserError(ErrorCode.ZONES_FILE_INVALID, `${path}: not valid ${kind}: ${firstLine(error)}`, {
      cause: error,
    });
  }

  const result = zoneFileSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    throw new UserError(
      ErrorCode.ZONES_FILE_INVALID,
      formatZoneFileIssues(path, document, result.error.issues),
      {
        cause: result.error,
      },
    );
  }
  return result.data;
}

/**
 * Turns zod issues into one line per problem: `<file>: entry <n> (<zone>): <field>: <problem>`. Entries are
 * numbered from 1, as a person counts them in the file.
 */
export function formatZoneFileIssues(
  file: string,
  document: unknown,
  issues: readonly z.core.$ZodIssue[],
): string {
  const lines = flattenIssues(issues).map((issue) => formatIssue(file, document, issue));
  const unique = [...new Set(lines)];
  if (unique.length > MAX_REPORTED_ISSUES) {
    const hidden = unique.length - MAX_REPORTED_ISSUES;
    return [...unique.slice(0, MAX_REPORTED_ISSUES), `${file}: ... and ${hidden} more problem(s)`].join('\n');
  }
  return unique.join('\n');
}

/**
 * A union (`testPoints: true | false | {...}`) reports one vague issue with each branch's issues nested. When the
 * value had the right shape for a branch (all its issues sit below the value), those issues are the useful ones.
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    // A bad record key ("10.0.0.1" under codes) nests the key schema's own, more precise, issues.
    if (issue.code === 'invalid_key') {
      return flattenIssues(
        issue.issues.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] })),
      );
    }
    if (issue.code !== 'invalid_union') return [issue];
    const shapedBranch = issue.errors.find(
      (branch) => branch.length > 0 && branch.every((nested) => nested.path.length > 0),
    );
    if (shapedBranch === undefined) return [issue];
    return flattenIssues(
      shapedBranch.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] })),
    );
  });
}

function formatIssue(file: string, document: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path;
  let prefix = file;
  let fieldPath: readonly PropertyKey[] = path;
  if (path[0] === 'zones' && typeof path[1] === 'number') {
    const index = path[1];
    const zone = entryZoneName(document, index);
    prefix = `${file}: entry ${index + 1}${zone === undefined ? '' : ` (${zone})`}`;
    fieldPath = path.slice(2);
  }

  if (issue.code === 'unrecognized_keys') {
    const where = fieldPath.length === 0 ? '' : `${formatPath(fieldPath)}.`;
    const keys = issue.keys.map((key) => `${where}${formatSegment(key)}`).join(', ');
    const scope = path.length === 0 ? ' at the top level (only `zones:` is allowed)' : '';
    return `${prefix}: ${keys}: unknown key${issue.keys.length > 1 ? 's' : ''}${scope}`;
  }

  const field = fieldPath.length === 0 ? '' : `${formatPath(fieldPath)}: `;
  return `${prefix}: ${field}${describe(issue)}`;
}

/** Zod's default type message ("Invalid input: expected string, received undefined") reworded for people. */
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined && issue.path.length > 0) return 'is required';
    if (issue.message.startsWith('Invalid input')) return `must be ${article(issue.expected)}`;
  }
  return issue.message;
}

function article(expected: string): string {
  const noun = expected === 'array' ? 'list' : expected === 'object' ? 'mapping' : expected;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : formatSegment(segment)))
    .join('.');
}

/** Plain words stay bare; anything else (IP-address keys such as "10.0.0.1") is quoted. */
function formatSegment(segment: PropertyKey): string {
  const text = String(segment);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? text : JSON.stringify(text);
}

/** The raw `zone` of entry `index`, if the document has one, so messages can name the entry. */
function entryZoneName(document: unknown, index: number): string | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const zones: unknown = (document as { zones?: unknown }).zones;
  if (!Array.isArray(zones)) return undefined;
  const entry: unknown = zones[index];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const zone: unknown = (entry as { zone?: unknown }).zone;
  return typeof zone === 'string' && zone.trim() !== '' ? zone.trim() : undefined;
}

/** "ENOENT: no such file or directory" without the path Node appends (the message already names the file). */
function osReason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const head = error.message.split(',')[0] ?? error.message;
    return code !== undefined && !head.startsWith(code) ? `${code}: ${head}` : head;
  }
  return String(error);
}

/** The first line of a parser message; the yaml package follows it with a source excerpt, introduced by ':'. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? message;
  return line.replace(/:\s*$/, '');
}
