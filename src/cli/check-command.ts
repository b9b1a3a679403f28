import { abortable } from '../checks/abortable.ts';
import {
  type ResolvedDomain,
  resolveDomain,
  resolveRowZone,
  unresolvedResult,
} from '../checks/resolve-domain.ts';
import {
  type CheckTarget,
  countLookups,
  probeZones,
  runChecks,
  type ZoneProbe,
} from '../checks/run-check.ts';
import { formatResolverAddress } from '../dns/resolver-address.ts';
import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import { type Target, targetKindNames, zoneAccepts } from '../domain/target.ts';
import type { Severity } from '../domain/zone.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { expandCidr, type ParsedTarget, parseTarget } from '../inventory/parse-target.ts';
import { type EngineFlags, setUpEngine } from './engine-options.ts';
import { type CliIo, ExitCode } from './io.ts';
import { createProgress } from './progress.ts';
import { readTargetLines } from './read-lines.ts';
import type { CheckSummary } from './render-check.ts';
import { printable, renderCheckTable } from './render-check.ts';
import { colourWanted, makeStyle } from './style.ts';

export interface CheckFlags extends EngineFlags {
  readonly json?: boolean;
  readonly maxCidr?: number;
  readonly resolve?: boolean;
  readonly progress?: boolean;
}

/** Runs with at most this many lookups keep every result and print them sorted; larger runs stream. */
const sortedJsonLimit = 20_000;

/** Parse every input before anything is queried; all bad inputs are reported together. */
export async function collectInputs(
  args: readonly string[],
  io: CliIo,
  maxPrefix: number | undefined,
): Promise<ParsedTarget[]> {
  const texts: string[] = [];
  for (const arg of args) {
    if (arg === '-') texts.push(...(await readTargetLines(io.stdin)));
    else texts.push(arg);
  }
  if (texts.length === 0)
    throw new UserError(ErrorCode.USAGE, 'no targets: give IPs, ranges or domains, or - to read stdin');
  const parsed: ParsedTarget[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    try {
      parsed.push(parseTarget(text, maxPrefix === undefined ? {} : { maxPrefix }));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
    throw new UserError(ErrorCode.TARGET_INVALID, shown.join('\nrblwatch: '));
  }
  return parsed;
}

/** Unique targets in input order, CIDR ranges expanded lazily. */
function* uniqueTargets(parsed: readonly ParsedTarget[], seen: Set<string>): Generator<Target> {
  for (const item of parsed) {
    const targets = item.kind === 'single' ? [item.target] : expandCidr(item.network, item.prefix);
    for (const target of targets) {
      const key = `${target.kind}:${target.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield target;
    }
  }
}

/** Severity order, most severe first, to pick the severity of a row that stands for several lists. */
const severityRank: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

/** Nothing to look up, so nothing to probe: the resolver is not judged. */
const unprobed: ZoneProbe = { zones: new Map(), resolver: { status: 'ok', detail: '' } };

export async function runCheckCommand(
  args: readonly string[],
  flags: CheckFlags,
  io: CliIo,
): Promise<number> {
  const started = performance.now();
  const parsed = await collectInputs(args, io, flags.maxCidr);
  const engine = await setUpEngine(flags, io);
  const warnings = [...engine.warnings];
  const warn = (warning: string): void => {
    warnings.push(warning);
    io.stderr.write(`warning: ${warning}\n`);
  };
  for (const warning of engine.warnings) io.stderr.write(`warning: ${warning}\n`);
  const servers = engine.servers.map(formatResolverAddress);

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const seen = new Set<string>();
    const order = new Map<string, number>();
    const counts = { ip4: 0, ip6: 0, domain: 0 };
    const items: CheckTarget[] = [];
    const domains: string[] = [];
    /** Rows for domains whose addresses `--resolve` could not all find. */
    const unresolved: CheckResult[] = [];
    for (const target of uniqueTargets(parsed, seen)) {
      order.set(target.value, order.size);
      counts[target.kind]++;
      items.push({ target });
      if (target.kind === 'domain') domains.push(target.value);
    }
    if (flags.resolve) {
      const ipZones = engine.catalog.zones.filter((zone) => zone.kind !== 'domain');
      const severity = severityRank.find((rank) => ipZones.some((zone) => zone.severity === rank)) ?? 'major';
      // Domains are resolved side by side (results are merged in input order), so a slow or dead resolver costs
      // one timeout for the batch, not one per domain.
      const resolvedAll: ResolvedDomain[] = [];
      for (let i = 0; i < domains.length; i += 32) {
        const batch = domains.slice(i, i + 32).map((domain) => resolveDomain(domain, engine.resolver));
        resolvedAll.push(...(await abortable(Promise.all(batch), abort.signal)));
      }
      for (const [i, domain] of domains.entries()) {
        const resolved = resolvedAll[i] ?? { targets: [], problems: [] };
        for (const problem of resolved.problems) {
          warn(`--resolve ${domain}: ${printable(problem)}; addresses behind it may be missing`);
        }
        if (resolved.problems.length > 0 && ipZones.length > 0) {
          unresolved.push(unresolvedResult(domain, resolved, severity));
        }
        for (const item of resolved.targets) {
          const key = `${item.target.kind}:${item.target.value}`;
          if (seen.has(key)) continue;
          seen.add(key);
          order.set(item.target.value, order.size);
          counts[item.target.kind]++;
          items.push(item);
        }
      }
    }

    const zones = engine.catalog.zones.filter((zone) =>
      (['ip4', 'ip6', 'domain'] as const).some((kind) => counts[kind] > 0 && zoneAccepts(zone.kind, kind)),
    );
    for (const kind of ['ip4', 'ip6', 'domain'] as const) {
      if (counts[kind] > 0 && !engine.catalog.zones.some((zone) => zoneAccepts(zone.kind, kind))) {
        const what = targetKindNames[kind];
        warn(`no zone in the catalog takes ${what}: ${counts[kind]} target(s) not checked`);
      }
    }
    const total = countLookups(counts, zones) + unresolved.length;
    // Ctrl-C here must end the command at once: the probe stops waiting, and closing the resolver (finally,
    // below) ends the questions in flight, instead of the user waiting out every timeout.
    const probe =
      zones.length === 0
        ? unprobed
        : await probeZones(zones, engine.resolver, { signal: abort.signal, servers });
    const health = probe.zones;
    const zoneOrder = new Map(zones.map((zone, i) => [zone.zone, i]));
    zoneOrder.set(resolveRowZone, zones.length);
    const progress =
      flags.progress === false ? createProgress(io, 0, '') : createProgress(io, total, 'lookups');

    const summary: CheckSummary = {
      targets: order.size,
      zones: zones.length,
      lookups: 0,
      listed: 0,
      clean: 0,
      unknown: 0,
      listedTargets: 0,
      unknownByReason: {},
      // When the resolver is to blame, no list is.
      unhealthyZones:
        probe.resolver.status === 'ok'
          ? [...health.values()].filter((h) => h.health !== 'ok' && h.health !== 'untested').length
          : 0,
      durationMs: 0,
      resolvers: servers,
      resolver: probe.resolver,
    };
    const listedTargets = new Set<string>();
    const count = (result: CheckResult): void => {
      summary.lookups++;
      summary[result.status]++;
      if (result.status === 'listed') listedTargets.add(result.target);
      if (result.reason)
        summary.unknownByReason[result.reason] = (summary.unknownByReason[result.reason] ?? 0) + 1;
      progress.tick();
    };
    const byInputOrder = (a: CheckResult, b: CheckResult): number =>
      (order.get(a.target) ?? 0) - (order.get(b.target) ?? 0) ||
      (zoneOrder.get(a.zone) ?? 0) - (zoneOrder.get(b.zone) ?? 0);

    const checked = runChecks(items, {
      resolver: engine.resolver,
      zones,
      health: probe,
      concurrency: engine.concurrency,
      signal: abort.signal,
    });
    const results = (async function* () {
      yield* unresolved;
      yield* checked;
    })();
    const healthList = zones.map((zone) => health.get(zone.zone)).filter((h): h is ZoneHealthReport => !!h);
    const finish = (): void => {
      progress.done();
      summary.listedTargets = listedTargets.size;
      summary.durationMs = Math.round(performance.now() - started);
    };

    if (flags.json && total > sortedJsonLimit) {
      // Streamed: one result per line inside the array, in completion order, so memory stays flat.
      io.stdout.write('{"results":[');
      let first = true;
      for await (const result of results) {
        count(result);
        io.stdout.write(`${first ? '\n' : ',\n'}${JSON.stringify(toJson(result))}`);
        first = false;
      }
      finish();
      io.stdout.write(
        `\n],"zones":${JSON.stringify(healthList)},"summary":${JSON.stringify(summary)},"warnings":${JSON.stringify(warnings)}}\n`,
      );
    } else if (flags.json) {
      const all: CheckResult[] = [];
      for await (const result of results) {
        count(result);
        all.push(result);
      }
      finish();
      all.sort(byInputOrder);
      io.stdout.write(
        `${JSON.stringify({ results: all.map(toJson), zones: healthList, summary, warnings }, null, 2)}\n`,
      );
    } else {
      // For people: only what needs attention is kept per result; clean lookups are counted.
      const notable: CheckResult[] = [];
      const cleanCount = new Map<string, number>();
      for await (const result of results) {
        count(result);
        if (result.status !== 'clean' || result.codes.length > 0) notable.push(result);
        if (result.status === 'clean')
          cleanCount.set(result.target, (cleanCount.get(result.target) ?? 0) + 1);
      }
      finish();
      notable.sort(byInputOrder);
      const style = makeStyle(colourWanted(io));
      io.stdout.write(renderCheckTable({ notable, cleanCount, order, health: healthList, summary, style }));
    }
    if (abort.signal.aborted) {
      io.stderr.write('interrupted: the results above are incomplete\n');
      return ExitCode.interrupted;
    }
    if (summary.listed > 0) return ExitCode.listed;
    // Nothing looked up is not "all clean": a script must not read a check that checked nothing as a pass.
    if (summary.unknown > 0 || summary.clean === 0 || probe.resolver.status !== 'ok') return ExitCode.unknown;
    return ExitCode.ok;
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    io.stderr.write('interrupted: nothing was checked\n');
    return ExitCode.interrupted;
  } finally {
    process.off('SIGINT', onSignal);
    await engine.resolver.close();
  }
}

/** The JSON shape scripts rely on; every key is always present. */
function toJson(result: CheckResult): Record<string, unknown> {
  return {
    target: result.target,
    zone: result.zone,
    status: result.status,
    codes: result.codes,
    meanings: result.meanings,
    txt: result.txt,
    reason: result.reason ?? null,
    detail: result.detail ?? null,
    delist: result.delist ?? null,
    severity: result.severity,
    via: result.via ?? null,
    zoneHealth: result.zoneHealth ?? 'ok',
    ms: result.ms,
  };
}
