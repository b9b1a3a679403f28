import { probeZones } from '../checks/run-check.ts';
import { formatResolverAddress } from '../dns/resolver-address.ts';
import type { ZoneHealthReport } from '../domain/check-result.ts';
import type { Zone } from '../domain/zone.ts';
import { type EngineFlags, setUpEngine } from './engine-options.ts';
import { type CliIo, ExitCode } from './io.ts';
import { printable } from './render-check.ts';
import { colourWanted, makeStyle } from './style.ts';

export interface ZonesFlags extends EngineFlags {
  readonly test?: boolean;
  readonly json?: boolean;
}

/** Health values that mean the zone's answers are not usable in a run. */
const broken = new Set(['wildcard', 'refused', 'unreachable']);

function zoneJson(zone: Zone, report: ZoneHealthReport | undefined): Record<string, unknown> {
  return {
    zone: zone.zone,
    name: zone.name,
    operator: zone.operator ?? null,
    kind: zone.kind,
    severity: zone.severity,
    scope: zone.scope,
    delist: zone.delist ?? null,
    needsKey: zone.needsKey ?? false,
    needsRegistration: zone.needsRegistration ?? false,
    testPoints: zone.testPoints !== false,
    codes: zone.codes ?? null,
    notes: zone.notes ?? null,
    ...(report ? { health: report.health, detail: report.detail } : {}),
  };
}

/** `rblwatch zones [--test]`: the catalog, and with --test each zone's health through the configured resolver. */
export async function runZonesCommand(flags: ZonesFlags, io: CliIo): Promise<number> {
  const engine = await setUpEngine(flags, io);
  try {
    if (flags.test) for (const warning of engine.warnings) io.stderr.write(`warning: ${warning}\n`);
    const zones = engine.catalog.zones;
    const probe = flags.test
      ? await probeZones(zones, engine.resolver, { servers: engine.servers.map(formatResolverAddress) })
      : undefined;
    const health: ReadonlyMap<string, ZoneHealthReport> = probe?.zones ?? new Map();
    if (flags.json) {
      const listing = {
        zones: zones.map((z) => zoneJson(z, health.get(z.zone))),
        ...(probe ? { resolver: probe.resolver } : {}),
      };
      io.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
    } else {
      const style = makeStyle(colourWanted(io));
      // The resolver's verdict first: when it is down or unusable, every zone's line below is its symptom.
      if (probe && probe.resolver.status !== 'ok') {
        io.stdout.write(
          `${style.listed(`Resolver ${probe.resolver.status}: ${printable(probe.resolver.detail)}.`)}\n`,
        );
      }
      const width = Math.max(...zones.map((z) => z.zone.length));
      const lines = zones.map((zone) => {
        const report = health.get(zone.zone);
        const needs = [
          zone.needsKey ? 'needs key' : '',
          zone.needsRegistration ? 'needs registered resolver' : '',
        ]
          .filter(Boolean)
          .join(', ');
        const healthText = report
          ? (broken.has(report.health) ? style.listed : report.health === 'ok' ? style.clean : style.unknown)(
              // 'no-test-point' is 13 characters: one more keeps a space before the zone name.
              report.health.padEnd(14),
            )
          : '';
        const base = `${healthText}${zone.zone.padEnd(width)}  ${zone.kind.padEnd(6)} ${zone.severity.padEnd(8)} ${zone.name}`;
        const extra = [needs, report && report.health !== 'ok' ? printable(report.detail) : ''].filter(
          Boolean,
        );
        return extra.length ? `${base}  (${extra.join('; ')})` : base;
      });
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    if (probe && probe.resolver.status !== 'ok') return ExitCode.unknown;
    if ([...health.values()].some((report) => broken.has(report.health))) return ExitCode.unknown;
    return ExitCode.ok;
  } finally {
    await engine.resolver.close();
  }
}
