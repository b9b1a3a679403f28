import type { DnsResolver } from '../dns/dns-resolver.ts';
import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import type { LookupService } from '../domain/lookup-service.ts';
import type { Target } from '../domain/target.ts';
import { zoneAccepts } from '../domain/target.ts';
import type { Zone } from '../domain/zone.ts';
import { probeZones, runChecks, type ZoneProbe } from './run-check.ts';

export interface LookupServiceOptions {
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  readonly concurrency: number;
  /** The resolver's servers (`host:port`), named when the resolver is down or unusable. */
  readonly servers?: readonly string[];
}

/**
 * The lookup engine behind the {@link LookupService} port, for commands that check a few targets on demand.
 *
 * Every check probes the test points of the lists it uses, right before its lookups: a probe remembered from
 * minutes ago would let a resolver that has just started answering NXDOMAIN for everything pass for healthy, and
 * its answers for clean. Checks that arrive while a probe of the same lists is under way share it.
 */
export function createLookupService(options: LookupServiceOptions): LookupService {
  const probing = new Map<string, Promise<ZoneProbe>>();

  const probe = (zones: readonly Zone[]): Promise<ZoneProbe> => {
    const key = zones.map((zone) => zone.zone).join(' ');
    let shared = probing.get(key);
    if (!shared) {
      shared = probeZones(zones, options.resolver, {
        ...(options.servers ? { servers: options.servers } : {}),
      }).finally(() => probing.delete(key));
      probing.set(key, shared);
    }
    return shared;
  };

  return {
    async check(targets: readonly Target[]) {
      const zones = options.zones.filter((zone) =>
        targets.some((target) => zoneAccepts(zone.kind, target.kind)),
      );
      const health = await probe(zones);
      const results: CheckResult[] = [];
      const items = targets.map((target) => ({ target }));
      for await (const result of runChecks(items, { ...options, zones, health })) results.push(result);
      const order = new Map(targets.map((target, i) => [target.value, i]));
      results.sort(
        (a, b) => (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0) || a.zone.localeCompare(b.zone),
      );
      return {
        results,
        zones: zones.map((zone) => health.zones.get(zone.zone)).filter((h): h is ZoneHealthReport => !!h),
        resolver: health.resolver,
      };
    },
  };
}
