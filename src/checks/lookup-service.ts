import type { LookupService } from '../command-api/command.ts';
import type { DnsResolver } from '../dns/dns-resolver.ts';
import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import type { Target } from '../domain/target.ts';
import { zoneAccepts } from '../domain/target.ts';
import type { Zone } from '../domain/zone.ts';
import { probeZones, runChecks } from './run-check.ts';

export interface LookupServiceOptions {
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  readonly concurrency: number;
  /** How long a zone-health probe is reused, in ms: chat lookups should not re-probe every list each time. */
  readonly healthTtlMs?: number;
  /** Milliseconds clock, injectable for tests. */
  readonly now?: () => number;
}

/** The lookup engine behind the {@link LookupService} port, for commands that check a few targets on demand. */
export function createLookupService(options: LookupServiceOptions): LookupService {
  const ttl = options.healthTtlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; health: Map<string, ZoneHealthReport> } | undefined;

  return {
    async check(targets: readonly Target[]) {
      const zones = options.zones.filter((zone) =>
        targets.some((target) => zoneAccepts(zone.kind, target.kind)),
      );
      if (!cached || now() - cached.at > ttl) {
        cached = { at: now(), health: await probeZones(options.zones, options.resolver) };
      }
      const health = cached.health;
      const results: CheckResult[] = [];
      const items = targets.map((target) => ({ target }));
      for await (const result of runChecks(items, { ...options, zones, health })) results.push(result);
      const order = new Map(targets.map((target, i) => [target.value, i]));
      results.sort(
        (a, b) => (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0) || a.zone.localeCompare(b.zone),
      );
      return {
        results,
        zones: zones.map((zone) => health.get(zone.zone)).filter((h): h is ZoneHealthReport => !!h),
      };
    },
  };
}
