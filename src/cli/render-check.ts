import {
  type CheckResult,
  formatCodes,
  type ResolverHealth,
  type ZoneHealthReport,
} from '../domain/check-result.ts';
import type { Style } from './style.ts';

/** The counts of one `check` run, for the summary line and the `summary` of `--json`. */
export interface CheckSummary {
  targets: number;
  zones: number;
  lookups: number;
  listed: number;
  clean: number;
  unknown: number;
  listedTargets: number;
  unknownByReason: Record<string, number>;
  unhealthyZones: number;
  durationMs: number;
  resolvers: string[];
  /** The resolver verdict of this run's probe (`ok` with no detail when nothing needed probing). */
  resolver: ResolverHealth;
}

export interface CheckTableInput {
  /** Listed, unknown and clean-with-codes results, in target then zone order. */
  readonly notable: readonly CheckResult[];
  readonly cleanCount: ReadonlyMap<string, number>;
  readonly order: ReadonlyMap<string, number>;
  readonly health: readonly ZoneHealthReport[];
  readonly summary: CheckSummary;
  readonly style: Style;
}

/**
 * Text from DNS (TXT records, MX names) is untrusted: strip control characters so it cannot drive the terminal,
 * and bidirectional overrides and line separators so it cannot disguise what is shown.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
}

const plural = (n: number, word: string): string =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Reasons whose cause is reported once, above the targets, instead of on every row. */
const reportedAbove: ReadonlySet<string> = new Set(['zone-unhealthy', 'resolver-down', 'resolver-unusable']);

/** What a zone's health does to its results, as the zones block says it. */
const effectOf: Readonly<Record<string, string>> = {
  wildcard: 'positive answers ignored',
  'no-test-point': 'clean answers unknown, listings kept',
};

function listTargets(targets: readonly string[]): string {
  const shown = targets.slice(0, 10).join(', ');
  return targets.length > 10 ? `${shown} and ${targets.length - 10} more` : shown;
}

/**
 * The people-facing report: a resolver that is down or unusable first, in one line (nothing was looked up, so
 * nothing per zone or per target is said); otherwise the zones not trusted in this run (their lookups are not
 * repeated per target), then each target with something to say (listed rows first, then unknown ones), then the
 * targets clean everywhere, then one summary line. "clean" is said only of targets with at least one clean lookup.
 */
export function renderCheckTable(input: CheckTableInput): string {
  const { style, summary } = input;
  const lines: string[] = [];
  const resolver = summary.resolver;
  if (resolver.status !== 'ok') {
    lines.push(
      style.unknown(
        `Resolver ${resolver.status}: ${printable(resolver.detail)}. Nothing was looked up; every result is unknown.`,
      ),
      '',
    );
  }
  const unhealthy =
    resolver.status === 'ok' ? input.health.filter((h) => h.health !== 'ok' && h.health !== 'untested') : [];
  if (unhealthy.length > 0) {
    lines.push(style.bold('Zones not fully trusted in this run:'));
    const width = Math.max(...unhealthy.map((h) => h.zone.length));
    for (const report of unhealthy) {
      const effect = effectOf[report.health] ?? 'not queried, results unknown';
      lines.push(
        `  ${style.unknown(report.health.padEnd(13))} ${report.zone.padEnd(width)}  ${printable(report.detail)} (${effect})`,
      );
    }
    lines.push('');
  }

  const byTarget = new Map<string, CheckResult[]>();
  /** Targets with a lookup whose cause was reported above (an untrusted zone, the resolver). */
  const untrusted = new Set<string>();
  for (const result of input.notable) {
    if (result.reason && reportedAbove.has(result.reason)) {
      untrusted.add(result.target);
      continue;
    }
    const list = byTarget.get(result.target) ?? [];
    list.push(result);
    byTarget.set(result.target, list);
  }
  const rank = { listed: 0, unknown: 1, clean: 2 } as const;
  for (const [target, results] of byTarget) {
    results.sort((a, b) => rank[a.status] - rank[b.status]);
    const first = results[0];
    const header = first?.via ? `${target}  (${printable(first.via)})` : target;
    lines.push(style.bold(header));
    const zoneWidth = Math.max(...results.map((r) => r.zone.length));
    for (const result of results) {
      lines.push(`  ${renderRow(result, zoneWidth, style)}`);
      if (result.status === 'listed') {
        for (const txt of result.txt) lines.push(`  ${' '.repeat(10 + zoneWidth)}"${printable(txt)}"`);
        if (result.delist) lines.push(`  ${' '.repeat(10 + zoneWidth)}delist: ${result.delist}`);
      }
    }
    const clean = input.cleanCount.get(target) ?? 0;
    if (clean > 0) lines.push(style.dim(`  clean on ${plural(clean, 'other list')}`));
    lines.push('');
  }

  const rest = [...input.order.keys()].filter((t) => !byTarget.has(t));
  const unanswered = rest.filter((t) => (input.cleanCount.get(t) ?? 0) === 0);
  if (unanswered.length > 0) {
    const where =
      resolver.status === 'ok' ? 'on any trusted list (see the zones above)' : '(see the resolver above)';
    lines.push(`${style.unknown('not checked')} ${where}: ${listTargets(unanswered)}`, '');
  }
  const cleanTrusted = rest.filter((t) => (input.cleanCount.get(t) ?? 0) > 0 && untrusted.has(t));
  if (cleanTrusted.length > 0) {
    lines.push(
      `${style.clean('clean')} on every trusted list, unknown on the others (see the zones above): ${listTargets(cleanTrusted)}`,
      '',
    );
  }
  const cleanEverywhere = rest.filter((t) => (input.cleanCount.get(t) ?? 0) > 0 && !untrusted.has(t));
  if (cleanEverywhere.length > 0) {
    lines.push(`${style.clean('clean')} on every list checked: ${listTargets(cleanEverywhere)}`, '');
  }

  const reasons = Object.entries(summary.unknownByReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const parts = [
    style.listed(`${plural(summary.listed, 'listing')} on ${plural(summary.listedTargets, 'target')}`),
    style.unknown(`${summary.unknown.toLocaleString('en-US')} unknown${reasons ? ` (${reasons})` : ''}`),
    style.clean(`${summary.clean.toLocaleString('en-US')} clean`),
  ];
  lines.push(
    `${parts.join(', ')}: ${plural(summary.targets, 'target')} x ${plural(summary.zones, 'zone')}, ` +
      `${resolver.status === 'ok' ? plural(summary.lookups, 'lookup') : `none of ${plural(summary.lookups, 'lookup')} made`} ` +
      `in ${(summary.durationMs / 1000).toFixed(1)} s via ${summary.resolvers.join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

function renderRow(result: CheckResult, zoneWidth: number, style: Style): string {
  const zone = result.zone.padEnd(zoneWidth);
  if (result.status === 'listed') {
    const codes = formatCodes(result.codes, result.meanings);
    const flag = result.zoneHealth && result.zoneHealth !== 'untested' ? ` [zone ${result.zoneHealth}]` : '';
    return `${style.listed('LISTED ')}  ${zone}  ${printable(codes)}${flag}`;
  }
  if (result.status === 'unknown') {
    return `${style.unknown('UNKNOWN')}  ${zone}  ${result.reason}: ${printable(result.detail ?? '')}`;
  }
  const codes = formatCodes(result.codes, result.meanings);
  return `${style.clean('clean  ')}  ${zone}  ${printable(codes)}`;
}
