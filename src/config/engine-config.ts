/**
 * What `rblwatch check` and `rblwatch zones` take from the configuration: `resolvers`, `dns` and `zones` from
 * `rblwatch.yml` when there is one (or the file named by `--config` / `RBLWATCH_CONFIG`), under the same
 * `RBLWATCH_*` variables as `serve`; command-line flags win over both. Only these sections are read: a one-off
 * lookup does not fail on a destination whose secret is not set in this shell.
 */
import { z } from 'zod';
import type { ResolverAddress } from '../dns/resolver-address.ts';
import type { Secret } from '../domain/secret.ts';
import { expandConfig, makeRedactor, readConfigFile } from './config-file.ts';
import { ConfigIssues } from './issues.ts';
import type { SectionContext } from './section.ts';
import { type DnsConfig, dnsAllowedKeys, dnsKeys, readDnsEnv, resolveDns } from './sections/dns.ts';
import { readZonesEnv, resolveZones, type ZonesConfig, zonesKeys } from './sections/zones.ts';

export interface EngineConfig {
  /** The file as the user named it (`rblwatch.yml`), for messages. */
  readonly shown: string;
  /** Absolute path of the file read; `undefined` when there was none. */
  readonly file: string | undefined;
  /** Resolvers from the environment or the file; empty when neither names any. */
  readonly resolvers: readonly ResolverAddress[];
  readonly resolversFrom: 'env' | 'file' | undefined;
  readonly dns: DnsConfig;
  /** The file's zone catalog (`zones:`), the built-in one by default; not read when `zones` was false. */
  readonly zones: ZonesConfig | undefined;
  readonly spamhausDqsKey: Secret | undefined;
}

export interface LoadEngineConfigOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** `--config`; else `RBLWATCH_CONFIG`; else `rblwatch.yml` if it exists. */
  readonly file?: string | undefined;
  /** Read the file's `zones:` (false when `--zones` replaces it, so a broken zone file there is no obstacle). */
  readonly zones?: boolean;
}

/**
 * Reads the engine's sections of the config file and the environment.
 * @throws UserError `CONFIG_INVALID` naming the file and field, or the variable, of each problem.
 */
export async function loadEngineConfig(options: LoadEngineConfigOptions): Promise<EngineConfig> {
  const cwd = options.cwd ?? process.cwd();
  const withZones = options.zones !== false;
  const file = await readConfigFile({ env: options.env, cwd, file: options.file });
  const issues = new ConfigIssues(file.shown);
  const context: SectionContext = { file: file.shown, baseDir: file.baseDir, cwd, env: options.env, issues };
  const keys = withZones ? ['resolvers', 'dns', 'zones'] : ['resolvers', 'dns'];
  const expanded = expandConfig(file.document, options.env, issues, keys);
  // Only these keys are checked; the rest of the file is `serve`'s business.
  const schema = z.object({
    resolvers: dnsKeys.resolvers.nullish(),
    dns: dnsKeys.dns.nullish(),
    // Left out of the expanded document when `--zones` replaces it.
    zones: withZones ? zonesKeys.zones.nullish() : z.undefined().optional(),
  });
  const parsed = issues.count === 0 ? schema.safeParse(expanded.value) : undefined;
  if (parsed?.success === false) issues.fromZod(parsed.error.issues, expanded.value, new Map(dnsAllowedKeys));
  const fromEnv = { dns: readDnsEnv(context), zones: readZonesEnv(context) };
  const dqsKey = fromEnv.zones.dqsKey?.reveal();
  const redact = makeRedactor(expanded.used, dqsKey === undefined ? [] : [dqsKey]);
  issues.throwIfAny(redact);
  const data = parsed?.data ?? {};
  const dns = resolveDns(data, fromEnv.dns);
  const zones = withZones ? (await resolveZones(data, fromEnv.zones, context)).zones : undefined;
  issues.throwIfAny(redact);
  return {
    shown: file.shown,
    file: file.path,
    resolvers: dns.resolvers,
    resolversFrom: dns.resolversFrom,
    dns: dns.dns,
    zones,
    spamhausDqsKey: fromEnv.zones.dqsKey,
  };
}
