import { formatConfigPath } from './format-path.ts';

/** A `${VAR}` that could not be replaced, with the field it sits in. */
export interface ExpansionProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface Expansion {
  /** The document with every reference in a string value replaced (keys are left alone). */
  readonly value: unknown;
  readonly problems: readonly ExpansionProblem[];
  /** Variable name -> value, for every variable substituted, so messages can hide the values again. */
  readonly used: ReadonlyMap<string, string>;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` in every string value of a parsed YAML document with `env.VAR`; `$$` stands for a literal `$`,
 * and any other `$` is kept as it is. An unset or empty variable is a problem naming the variable and the field
 * (empty counts as unset, as it does for `.env` files).
 *
 * Expansion runs on parsed values, not on the file text (as gatus does): a value with a newline, a quote or `: `
 * then stays one string and cannot change the document's structure, and YAML errors never quote a secret.
 */
export function expandEnvReferences(document: unknown, env: NodeJS.ProcessEnv): Expansion {
  const problems: ExpansionProblem[] = [];
  const used = new Map<string, string>();

  function expandString(text: string, path: readonly PropertyKey[]): string {
    if (!text.includes('$')) return text;
    let out = '';
    let i = 0;
    while (i < text.length) {
      const char = text[i];
      const next = text[i + 1];
      if (char === '$' && next === '$') {
        out += '$';
        i += 2;
      } else if (char === '$' && next === '{') {
        const close = text.indexOf('}', i + 2);
        if (close === -1) {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the config file's own syntax.
          problems.push({ path, message: 'unclosed "${": write ${NAME}, or $$ for a literal $' });
          return text;
        }
        const name = text.slice(i + 2, close);
        if (!VARIABLE_NAME.test(name)) {
          problems.push({
            path,
            message: `${JSON.stringify(`\${${name}}`)} is not a variable reference: names are letters, digits and _ (write $$ for a literal $)`,
          });
        } else {
          const value = env[name];
          if (value === undefined || value === '') {
            problems.push({
              path,
              message: `environment variable ${name} is not set (referenced as \${${name}})`,
            });
          } else {
            used.set(name, value);
            out += value;
          }
        }
        i = close + 1;
      } else {
        out += char;
        i++;
      }
    }
    return out;
  }

  function walk(value: unknown, path: readonly PropertyKey[]): unknown {
    if (typeof value === 'string') return expandString(value, path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return value;
  }

  return { value: walk(document, []), problems, used };
}

/** `path: message`, for callers that prefix the file name. */
export function formatExpansionProblem(problem: ExpansionProblem): string {
  return problem.path.length === 0
    ? problem.message
    : `${formatConfigPath(problem.path)}: ${problem.message}`;
}
