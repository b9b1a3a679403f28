import { z } from 'zod';
import { ErrorCode, UserError } from '../errors.ts';

/**
 * Environment variables read by the lookup engine and the CLI, validated once at the edge.
 * Every variable is listed with a comment in `.env.example`.
 */
const envSchema = z.object({
  /** Comma- or space-separated `host[:port]` list; overrides the system's resolvers. */
  RBLWATCH_RESOLVERS: z.string().trim().optional(),
  /** Spamhaus Data Query Service key; Spamhaus zones are then queried as `<key>.<zone>.dq.spamhaus.net`. */
  RBLWATCH_SPAMHAUS_DQS_KEY: z.string().trim().optional(),
  /** Per-attempt DNS timeout in milliseconds. */
  RBLWATCH_DNS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).optional(),
  /** Retries after the first attempt. */
  RBLWATCH_DNS_RETRIES: z.coerce.number().int().min(0).max(10).optional(),
  /** Lookups in flight at once. */
  RBLWATCH_DNS_CONCURRENCY: z.coerce.number().int().min(1).max(4096).optional(),
});

export interface EngineEnv {
  readonly resolvers: readonly string[];
  readonly dqsKey: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly retries: number | undefined;
  readonly concurrency: number | undefined;
}

/** Read and validate the engine's environment. Empty strings count as unset, as in `.env` files. */
export function readEngineEnv(env: NodeJS.ProcessEnv = process.env): EngineEnv {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key.startsWith('RBLWATCH_') && value !== undefined && value !== '',
    ),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'environment');
    throw new UserError(
      ErrorCode.CONFIG_INVALID,
      `environment variable ${key}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const data = parsed.data;
  return Object.freeze({
    resolvers: data.RBLWATCH_RESOLVERS ? data.RBLWATCH_RESOLVERS.split(/[\s,]+/).filter(Boolean) : [],
    dqsKey: data.RBLWATCH_SPAMHAUS_DQS_KEY || undefined,
    timeoutMs: data.RBLWATCH_DNS_TIMEOUT_MS,
    retries: data.RBLWATCH_DNS_RETRIES,
    concurrency: data.RBLWATCH_DNS_CONCURRENCY,
  });
}
