import { getServers } from 'node:dns';
import { type EngineConfig, loadEngineConfig } from '../config/engine-config.ts';
import { dnsDefaults, publicResolverWarning } from '../config/sections/dns.ts';
import type { DnsResolver } from '../dns/dns-resolver.ts';
import { parseResolverAddress, type ResolverAddress } from '../dns/resolver-address.ts';
import { UdpResolver } from '../dns/udp-resolver.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { builtinZones } from '../zones/builtin-zones.ts';
import { buildCatalog, type Catalog, selectZones } from '../zones/catalog.ts';
import { loadZoneFile } from '../zones/load-zone-file.ts';
import type { CliIo } from './io.ts';

/** Flags shared by every command that queries DNSBLs. */
export interface EngineFlags {
  readonly resolver?: readonly string[];
  readonly timeout?: number;
  readonly retries?: number;
  readonly concurrency?: number;
  readonly zones?: string;
  readonly zone?: readonly string[];
  /** The config file whose `resolvers`, `dns` and `zones` apply (default: RBLWATCH_CONFIG or rblwatch.yml). */
  readonly config?: string;
}

/** The engine's defaults: those of the config's `dns` section. */
export const engineDefaults = dnsDefaults;

export interface EngineSetup {
  readonly resolver: DnsResolver;
  readonly servers: readonly ResolverAddress[];
  readonly catalog: Catalog;
  readonly concurrency: number;
  readonly warnings: readonly string[];
}

/** Resolvers from flags, else `RBLWATCH_RESOLVERS`, else the config file, else the system's (`/etc/resolv.conf`). */
export function chooseServers(
  flags: EngineFlags,
  configured: Pick<EngineConfig, 'resolvers' | 'resolversFrom' | 'shown'>,
  systemServers: () => string[] = getServers,
): { servers: ResolverAddress[]; warnings: string[] } {
  const fromFlags = flags.resolver?.length ? flags.resolver.map(parseResolverAddress) : undefined;
  const fromSystem = fromFlags === undefined && configured.resolvers.length === 0;
  const servers =
    fromFlags ?? (fromSystem ? systemServers().map(parseResolverAddress) : [...configured.resolvers]);
  if (servers.length === 0) {
    throw new UserError(
      ErrorCode.DNSBL_RESOLVER_INVALID,
      'no DNS resolver configured: pass --resolver HOST[:PORT]',
    );
  }
  const from = fromSystem
    ? 'from the system configuration'
    : fromFlags === undefined && configured.resolversFrom === 'file'
      ? `from ${configured.shown}`
      : undefined;
  const warning = publicResolverWarning(servers, {
    ...(from ? { from } : {}),
    setWith: 'with --resolver or RBLWATCH_RESOLVERS',
  });
  return { servers, warnings: warning === undefined ? [] : [warning] };
}

/**
 * Flags over the configuration (environment, then `rblwatch.yml`) into a ready resolver and zone catalog.
 * Validates everything before opening a socket.
 */
export async function setUpEngine(flags: EngineFlags, io: Pick<CliIo, 'env'>): Promise<EngineSetup> {
  const config = await loadEngineConfig({
    env: io.env,
    file: flags.config,
    zones: flags.zones === undefined,
  });
  const { servers, warnings } = chooseServers(flags, config);
  const specs = flags.zones ? await loadZoneFile(flags.zones) : (config.zones?.specs ?? builtinZones);
  let catalog = buildCatalog(specs, config.spamhausDqsKey ? { dqsKey: config.spamhausDqsKey.reveal() } : {});
  if (flags.zone?.length) catalog = selectZones(catalog, flags.zone);
  const resolver = new UdpResolver({
    servers,
    timeoutMs: flags.timeout ?? config.dns.timeoutMs,
    retries: flags.retries ?? config.dns.retries,
  });
  return { resolver, servers, catalog, concurrency: flags.concurrency ?? config.dns.concurrency, warnings };
}
