/**
 * `resolvers:` and `dns:`: which resolvers to ask, and how (per-attempt timeout, retries, lookups in flight). The
 * bounds are written here once: the file, `RBLWATCH_DNS_*`, `RBLWATCH_RESOLVERS` and the `--timeout`,
 * `--retries`, `--concurrency` flags all parse through these fields.
 */
import { z } from 'zod';
import {
  formatResolverAddress,
  isPublicResolver,
  parseResolverAddress,
  type ResolverAddress,
} from '../../dns/resolver-address.ts';
import { UserError } from '../../errors.ts';
import { type EnvVariable, readVariable } from '../environment.ts';
import { expected, wholeNumber } from '../fields.ts';
import type { SectionContext } from '../section.ts';

export interface DnsConfig {
  /** Per-attempt timeout, ms (50-60000). */
  readonly timeoutMs: number;
  /** Retries after the first attempt (0-10). */
  readonly retries: number;
  /** Lookups in flight at once (1-4096). */
  readonly concurrency: number;
}

/**
 * Defaults sized for rbldnsd and a local recursive resolver: rbldnsd starts dropping packets with more than about
 * 200 questions in flight, and a recursive resolver fans each miss out to the list's servers.
 */
export const dnsDefaults: DnsConfig = Object.freeze({ timeoutMs: 2000, retries: 2, concurrency: 100 });

/** The bounds of each DNS setting, inclusive. */
export const dnsBounds = Object.freeze({
  timeoutMs: Object.freeze({ min: 50, max: 60_000 }),
  retries: Object.freeze({ min: 0, max: 10 }),
  concurrency: Object.freeze({ min: 1, max: 4096 }),
});

/** Each DNS setting's field, numbers accepted as text (the environment, flags, `${VAR}`). */
export const dnsFields = {
  timeoutMs: wholeNumber(dnsBounds.timeoutMs.min, dnsBounds.timeoutMs.max),
  retries: wholeNumber(dnsBounds.retries.min, dnsBounds.retries.max),
  concurrency: wholeNumber(dnsBounds.concurrency.min, dnsBounds.concurrency.max),
};

const resolverField = z
  .string({ error: expected('a resolver address (host[:port])') })
  .transform((value, ctx) => {
    try {
      return parseResolverAddress(value);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });

/** A list of resolvers, or one comma- or space-separated string of them. */
const resolversField = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value),
  z.array(resolverField, { error: expected('a list of resolvers (host[:port])') }),
);

const dnsShape = {
  timeoutMs: dnsFields.timeoutMs.nullish(),
  retries: dnsFields.retries.nullish(),
  concurrency: dnsFields.concurrency.nullish(),
};

/** The top-level keys of this section in `rblwatch.yml`. */
export const dnsKeys = {
  resolvers: resolversField,
  dns: z.strictObject(dnsShape, { error: expected('a mapping') }),
};

export const dnsAllowedKeys = [['dns', Object.keys(dnsShape)]] as const;

const dnsVariables = {
  resolvers: { name: 'RBLWATCH_RESOLVERS', schema: resolversField },
  timeoutMs: { name: 'RBLWATCH_DNS_TIMEOUT_MS', schema: dnsFields.timeoutMs },
  retries: { name: 'RBLWATCH_DNS_RETRIES', schema: dnsFields.retries },
  concurrency: { name: 'RBLWATCH_DNS_CONCURRENCY', schema: dnsFields.concurrency },
} satisfies Record<string, EnvVariable<unknown>>;

export interface DnsFile {
  readonly resolvers?: readonly ResolverAddress[] | null | undefined;
  readonly dns?: Partial<Record<keyof DnsConfig, number | null | undefined>> | null | undefined;
}

export interface DnsSection {
  /** Resolvers to query; empty means the system's (`/etc/resolv.conf`). */
  readonly resolvers: readonly ResolverAddress[];
  /** Where `resolvers` came from: the environment, the file, or neither (then it is empty). */
  readonly resolversFrom: 'env' | 'file' | undefined;
  readonly dns: DnsConfig;
}

/** The environment's DNS settings, read once. */
export function readDnsEnv(context: Pick<SectionContext, 'env' | 'issues'>) {
  const read = <T>(variable: EnvVariable<T>) => readVariable(context.env, variable, context.issues);
  return {
    timeoutMs: read(dnsVariables.timeoutMs),
    retries: read(dnsVariables.retries),
    concurrency: read(dnsVariables.concurrency),
    resolvers: read(dnsVariables.resolvers),
  };
}

/** The environment over the file over the defaults. */
export function resolveDns(file: DnsFile, env: ReturnType<typeof readDnsEnv>): DnsSection {
  const fromEnv = env.resolvers !== undefined && env.resolvers.length > 0 ? env.resolvers : undefined;
  const fromFile = file.resolvers ?? undefined;
  return {
    resolvers: fromEnv ?? fromFile ?? [],
    resolversFrom: fromEnv ? 'env' : fromFile && fromFile.length > 0 ? 'file' : undefined,
    dns: {
      timeoutMs: env.timeoutMs ?? file.dns?.timeoutMs ?? dnsDefaults.timeoutMs,
      retries: env.retries ?? file.dns?.retries ?? dnsDefaults.retries,
      concurrency: env.concurrency ?? file.dns?.concurrency ?? dnsDefaults.concurrency,
    },
  };
}

/**
 * The warning for public resolvers among `resolvers` (DNSBLs refuse or mis-answer queries through them), or
 * `undefined` when there are none.
 * @param how - where the resolvers came from (`from the system configuration`) and how to set others.
 */
export function publicResolverWarning(
  resolvers: readonly ResolverAddress[],
  how: { readonly from?: string; readonly setWith?: string } = {},
): string | undefined {
  const publicOnes = resolvers.filter(isPublicResolver).map(formatResolverAddress);
  if (publicOnes.length === 0) return undefined;
  return (
    `${publicOnes.join(', ')} ${publicOnes.length === 1 ? 'is a public resolver' : 'are public resolvers'}` +
    `${how.from ? ` (${how.from})` : ''}: Spamhaus, URIBL, SURBL and others refuse or mis-answer queries through ` +
    'them, so their results will be unknown. Use your own recursive resolver (e.g. unbound)' +
    `${how.setWith ? ` ${how.setWith}` : ''}.`
  );
}
