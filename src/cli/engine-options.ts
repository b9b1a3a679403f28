import { getServers } from 'node:dns';
import { configDefaults } from '../config/app-config.ts';
import type { EngineEnv } from '../config/env.ts';
import type { DnsResolver } from '../dns/dns-resolver.ts';
import {
  formatResolverAddress,
  isPublicResolver,
  parseResolverAddress,
  type ResolverAddress,
} from '../dns/resolver-address.ts';
import { UdpResolver } from '../dns/udp-resolver.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { builtinZones } from '../zones/builtin-zones.ts';
import { buildCatalog, type Catalog, selectZones } from '../zones/catalog.ts';
import { loadZoneFile } from '../zones/load-zone-file.ts';

/** Flags shared by every command that queries DNSBLs. */
export interface EngineFlags {
  readonly resolver?: readonly string[];
  readonly timeout?: number;
  readonly retries?: number;
  readonly concurrency?: number;
  readonly zones?: string;
  readonly zone?: readonly string[];
}

/**
 * Defaults sized for rbldnsd and a local recursive resolver: rbldnsd starts dropping packets with more than about
 * 200 questions in flight, and a recursive resolver fans each miss out to the list's servers.
 */
export const engineDefaults = configDefaults.dns;

export interface EngineSetup {
  readonly resolver: DnsResolver;
  readonly servers: readonly ResolverAddress[];
  readonly catalog: Catalog;
  readonly concurrency: number;
  readonly warnings: readonly string[];
}

/** Resolvers from flags, else `RBLWATCH_RESOLVERS`, else the system's (`/etc/resolv.conf`). */
export function chooseServers(
  flags: EngineFlags,
  env: EngineEnv,
  systemServers: () => string[] = getServers,
): { servers: ResolverAddress[]; warnings: string[] } {
  const configured = flags.resolver?.length ? flags.resolver : env.resolvers;
  const fromSystem = configured.length === 0;
  const texts = fromSystem ? systemServers() : configured;
  if (texts.length === 0) {
    throw new UserError(
      ErrorCode.DNSBL_RESOLVER_INVALID,
      'no DNS resolver configured: pass --resolver HOST[:PORT]',
    );
  }
  const servers = texts.map(parseResolverAddress);
  const warnings: string[] = [];
  const publicOnes = servers.filter(isPublicResolver).map(formatResolverAddress);
  if (publicOnes.length > 0) {
    warnings.push(
      `${publicOnes.join(', ')} ${publicOnes.length === 1 ? 'is a public resolver' : 'are public resolvers'}` +
        `${fromSystem ? ' (from the system configuration)' : ''}: Spamhaus, URIBL, SURBL and others refuse or ` +
        'mis-answer queries through them, so their results will be unknown. Use your own recursive resolver ' +
        '(e.g. unbound) with --resolver or RBLWATCH_RESOLVERS.',
    );
  }
  return { servers, warnings };
}

/** Resolve flags and environment into a ready resolver and zone catalog. Validates before opening sockets. */
export async function setUpEngine(flags: EngineFlags, env: EngineEnv): Promise<EngineSetup> {
  const { servers, warnings } = chooseServers(flags, env);
  const specs = flags.zones ? await loadZoneFile(flags.zones) : builtinZones;
  let catalog = buildCatalog(specs, env.dqsKey ? { dqsKey: env.dqsKey } : {});
  if (flags.zone?.length) catalog = selectZones(catalog, flags.zone);
  const concurrency = flags.concurrency ?? env.concurrency ?? engineDefaults.concurrency;
  const resolver = new UdpResolver({
    servers,
    timeoutMs: flags.timeout ?? env.timeoutMs ?? engineDefaults.timeoutMs,
    retries: flags.retries ?? env.retries ?? engineDefaults.retries,
  });
  return { resolver, servers, catalog, concurrency, warnings };
}
