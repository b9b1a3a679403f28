import type { LookupService } from '../command-api/command.ts';
import type { DnsResolver } from '../dns/dns-resolver.ts';
import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import type { Target } from '../domain/target.ts';
import { zoneAccepts } from '../domain/target.ts';
import type { Zone } from '../domain/zone.ts';
import { probeZones, runChecks, type ZoneProbe } from './run-check.ts';

export interface LookupServiceOptions {
  readonly resolver: DnsResolver;
  readonly zones: readonly Zone[];
  readonly concurrency: number;
  /**
   * How long a probe whose resolver verdict is `ok` is reused, in ms: chat lookups should not re-probe every list
   * each time. A `down` or `unusable` verdict is never reused.
   */
  readonly healthTtlMs?: number;
  /** The resolver's servers (`host:port`), named when the resolver is down or unusable. */
  readonly servers?: readonly string[];
  /** Milliseconds clock, injectable for tests. */
  readonly now?: () => number;
}

/** The lookup engine behind the {@link LookupService} port, for commands that check a few targets on demand. */
export function createLookupService(options: LookupServiceOptions): LookupService {
  const ttl = options.healthTtlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; probe: ZoneProbe } | undefined;
  /** The probe under way, shared by every check that arrives before it ends. */
  let probing: Promise<ZoneProbe> | undefined;

  const currentProbe = async (): Promise<ZoneProbe> => {
    if (cached && now() - cached.at <= ttl) return cached.probe;
    probing ??= probeZones(options.zones, options.resolver, {
      ...(options.servers ? { servers: options.servers } : {}),
    }).finally(() => {
      probing = undefined;
    });
    const probe = await probing;
    // A dead or unusable resolver is not remembered: the next check probes again, so chat answers again as soon
    // as the resolver is fixed instead of repeating "resolver down" for the rest of the TTL.
    cached = probe.resolver.status === 'ok' ? { at: now(), probe } : undefined;
    return probe;
  };

  return {
    async check(targets: readonly Target[]) {
      const zones = options.zones.filter((zone) =>
        targets.some((target) => zoneAccepts(zone.kind, target.kind)),
      );
      const health = await currentProbe();
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
