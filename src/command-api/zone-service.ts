import type { ZoneHealthReport } from '../domain/check-result.ts';
import type { Zone } from '../domain/zone.ts';
import type { ListingRepository } from '../store/listing-repository.ts';
import type { ZoneService } from './command.ts';

export interface ZoneServiceOptions {
  /** The catalog in use, in declaration order. */
  readonly zones: readonly Zone[];
  readonly repo: Pick<ListingRepository, 'listRuns'>;
  /** Probes every zone's RFC 5782 test points now (live DNS). */
  readonly probe: () => Promise<readonly ZoneHealthReport[]>;
  /** How long a probe's answer is reused, in ms (default 5 minutes), so chat cannot trigger a probe per call. */
  readonly probeTtlMs?: number;
  /** Completed runs read back to find each zone's latest health (default 50). */
  readonly runsToRead?: number;
  /** Milliseconds clock, injectable for tests. */
  readonly now?: () => number;
}

/**
 * The {@link ZoneService} behind `/rbl zones` and friends. A zone's health comes from the newest completed scan that
 * probed it: zones can be paced (`zoneIntervals`), so one run may cover only some of them. Zones no completed run
 * has probed (a fresh install, a zone just added) are probed now, and that probe is cached for `probeTtlMs`.
 */
export function createZoneService(options: ZoneServiceOptions): ZoneService {
  const ttl = options.probeTtlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let probed: { at: number; reports: ReadonlyMap<string, ZoneHealthReport> } | undefined;
  /** The probe under way, shared by every caller that arrives before it ends; cleared when it settles. */
  let inFlight: Promise<ReadonlyMap<string, ZoneHealthReport>> | undefined;

  function probeNow(): Promise<ReadonlyMap<string, ZoneHealthReport>> {
    if (probed && now() - probed.at <= ttl) return Promise.resolve(probed.reports);
    if (!inFlight) {
      // One live probe at a time: concurrent callers (a burst of /rbl zones) share it. A failed probe is not
      // cached, so the next call probes again.
      const probing = (async () => {
        const reports = await options.probe();
        const map: ReadonlyMap<string, ZoneHealthReport> = new Map(
          reports.map((report) => [report.zone, report]),
        );
        probed = { at: now(), reports: map };
        return map;
      })();
      inFlight = probing;
      probing.then(
        () => {
          if (inFlight === probing) inFlight = undefined;
        },
        () => {
          if (inFlight === probing) inFlight = undefined;
        },
      );
    }
    return inFlight;
  }

  return {
    list: () => options.zones,

    async health() {
      const known = new Map<string, ZoneHealthReport>();
      for (const run of await options.repo.listRuns({ limit: options.runsToRead ?? 50 })) {
        if (run.status !== 'completed') continue;
        // Runs come newest first: the first report seen for a zone is its latest.
        for (const report of run.zoneHealth) if (!known.has(report.zone)) known.set(report.zone, report);
      }
      const missing = options.zones.some((zone) => !known.has(zone.zone));
      const fresh = missing ? await probeNow() : undefined;
      return options.zones
        .map((zone) => known.get(zone.zone) ?? fresh?.get(zone.zone))
        .filter((report): report is ZoneHealthReport => report !== undefined);
    },
  };
}
