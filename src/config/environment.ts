/**
 * The one reader of configuration from the environment. Each section declares its variables with the very schema
 * its file field uses (`RBLWATCH_DNS_TIMEOUT_MS` is `dns.timeoutMs`), and reads them through {@link readVariable}:
 * empty counts as unset (as in `.env` files), and a refusal is one issue naming the variable.
 */
import type { z } from 'zod';
import { nonEmpty } from './fields.ts';
import type { ConfigIssues } from './issues.ts';

/** One variable: its name and the schema of the setting it overrides. */
export interface EnvVariable<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /**
   * How a refusal reads when it is not the schema's own message: a message operators know, quoting the value as
   * the environment gave it (`"70000" is not a port (1-65535)`).
   */
  readonly refusal?: (value: string) => string;
}

/** The variable's value through its schema; `undefined` when unset, empty, or refused (with an issue recorded). */
export function readVariable<T>(
  env: NodeJS.ProcessEnv,
  variable: EnvVariable<T>,
  issues: ConfigIssues,
): T | undefined {
  const text = nonEmpty(env[variable.name]);
  if (text === undefined) return undefined;
  const parsed = variable.schema.safeParse(text);
  if (parsed.success) return parsed.data;
  issues.inEnv(variable.name, variable.refusal?.(text) ?? parsed.error.issues[0]?.message ?? 'invalid');
  return undefined;
}
