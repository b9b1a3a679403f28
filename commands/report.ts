import type { Mute } from '../src/alerts/mutes.ts';
import { type CommandContext, type CommandServices, defineCommand } from '../src/command-api/command.ts';
import {
  capLines,
  delistLinks,
  describeDegraded,
  describeRun,
  formatSince,
  formatTime,
  listedSince,
} from '../src/command-api/format-reply.ts';
import type { InventoryEntry } from '../src/domain/inventory.ts';
import type { ListingState } from '../src/domain/listing.ts';
import type { ScanRun } from '../src/domain/scan-run.ts';
import type { Severity, Zone } from '../src/domain/zone.ts';
import { checkOverlap, countTargets, relateTargets } from '../src/inventory/inventory.ts';
import type { Message } from '../src/render/message.ts';

/** Everything a report is built from: a snapshot of the store, the catalog and the mutes. */
export interface ReportInput {
  readonly inventory: readonly InventoryEntry[];
  /** Stored listing states; only `listed` ones are reported. */
  readonly states: Iterable<ListingState>;
  readonly degradedZones: Iterable<string>;
  /** The newest scan run, if any. */
  readonly lastRun?: ScanRun;
  readonly zones: readonly Zone[];
  /** Mutes in force. */
  readonly mutes?: readonly Mute[];
  readonly now: Date;
}

/** Targets listed in a report; the rest are counted. */
const MAX_TARGET_LINES = 15;
const severityOrder: readonly Severity[] = ['critical', 'major', 'minor', 'info'];

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The labels of the entry a listed target comes from (the target itself, or the range holding it). */
function ownerOf(target: string, inventory: readonly InventoryEntry[]): string {
  let entry: InventoryEntry | undefined;
  try {
    const { duplicate, overlaps } = checkOverlap(inventory, target);
    entry = duplicate ?? overlaps.find((other) => relateTargets(target, other) === 'inside');
  } catch {
    // A state whose target no longer parses (written by an older version) is still reported, without labels.
  }
  const labels = [entry?.labels.owner, entry?.labels.team, entry?.labels.customer].filter(Boolean);
  return labels.length > 0 ? ` [${labels.join(', ')}]` : '';
}

/**
 * The blacklist report: what is watched, what is listed where and how badly, the oldest listings first, zones not
 * trusted, and the last scan. Pure, so a scheduler can post it to a channel on its own timetable.
 */
export function buildReport(input: ReportInput): Message {
  const { inventory, zones, now } = input;
  const severityOf = new Map(zones.map((zone) => [zone.zone, zone.severity]));
  const listed = [...input.states]
    .filter((state) => state.status === 'listed')
    .sort((a, b) => listedSince(a).localeCompare(listedSince(b)) || a.target.localeCompare(b.target));
  const lines: string[] = [];

  lines.push(
    inventory.length === 0
      ? 'Nothing is watched yet.'
      : `Watching ${plural(inventory.length, 'entry', 'entries')} (${plural(countTargets(inventory), 'single target')}).`,
  );

  const byTarget = new Map<string, ListingState[]>();
  for (const state of listed) byTarget.set(state.target, [...(byTarget.get(state.target) ?? []), state]);
  if (listed.length === 0) {
    lines.push('No watched target is listed on any list in use.');
  } else {
    lines.push(`${plural(listed.length, 'listing')} on ${plural(byTarget.size, 'target')}.`);
    const bySeverity = new Map<string, number>();
    const byZone = new Map<string, number>();
    for (const state of listed) {
      const severity = severityOf.get(state.zone) ?? 'not in the catalog';
      bySeverity.set(severity, (bySeverity.get(severity) ?? 0) + 1);
      byZone.set(state.zone, (byZone.get(state.zone) ?? 0) + 1);
    }
    const rank = (severity: string): number => {
      const index = severityOrder.indexOf(severity as Severity);
      return index === -1 ? severityOrder.length : index;
    };
    lines.push(
      `By severity: ${[...bySeverity]
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([severity, count]) => `${severity} ${count}`)
        .join(', ')}.`,
    );
    const zoneCounts = [...byZone]
      .sort(
        ([a, x], [b, y]) =>
          rank(severityOf.get(a) ?? '') - rank(severityOf.get(b) ?? '') || y - x || a.localeCompare(b),
      )
      .map(([zone, count]) => `${zone} ${count} (${severityOf.get(zone) ?? 'not in the catalog'})`);
    lines.push(`By zone: ${capLines(zoneCounts, 10, 'more zones').join(', ')}.`);
    lines.push('Listed targets, oldest listing first:');
    // Insertion order of byTarget follows the sort: each target appears at its oldest listing.
    const targetLines = [...byTarget].map(([target, states]) => {
      const oldest = states[0] as ListingState;
      const zoneNames = states.map((state) => state.zone).join(', ');
      return `${target}${ownerOf(target, inventory)}: ${zoneNames}, since ${formatSince(listedSince(oldest), now)}`;
    });
    lines.push(...capLines(targetLines, MAX_TARGET_LINES, 'more targets (/rbl status lists them)'));
  }

  const degraded = describeDegraded(input.degradedZones);
  if (degraded) lines.push(`${degraded}.`);
  const mutes = input.mutes ?? [];
  if (mutes.length > 0) lines.push(`${plural(mutes.length, 'mute')} in force (/rbl mutes).`);
  lines.push(describeRun(input.lastRun, now));

  const links = delistLinks(listed, zones);
  const lastRunBad = input.lastRun !== undefined && ['failed', 'interrupted'].includes(input.lastRun.status);
  return {
    title:
      listed.length > 0
        ? `Blacklist report: ${plural(listed.length, 'listing')}`
        : 'Blacklist report: all clear',
    lines,
    ...(links.length > 0 ? { links } : {}),
    tone:
      listed.length > 0
        ? 'danger'
        : degraded !== undefined || lastRunBad || input.lastRun === undefined
          ? 'warning'
          : 'good',
    footer: `As of ${formatTime(now.toISOString())}`,
    ephemeral: false,
  };
}

/** Read what {@link buildReport} needs from the services, in parallel. */
export async function loadReportInput(
  services: Pick<CommandServices, 'store' | 'zones' | 'mutes' | 'clock'>,
): Promise<ReportInput> {
  const now = services.clock();
  const [inventory, states, degradedZones, runs, mutes] = await Promise.all([
    services.store.listInventory(),
    services.store.getStates(),
    services.store.getDegradedZones(),
    services.store.listRuns({ limit: 1 }),
    services.mutes.listMutes(now),
  ]);
  return {
    inventory,
    states: [...states.values()],
    degradedZones,
    ...(runs[0] ? { lastRun: runs[0] } : {}),
    zones: services.zones.list(),
    mutes,
    now,
  };
}

/** `/rbl report [public]`: the blacklist report, posted to the channel (it is meant for the team) unless `public: false`. */
export const reportCommand = defineCommand({
  name: 'report',
  description: 'Blacklist report for the channel: listings by zone, severity and target',
  access: 'read',
  options: [
    {
      name: 'public',
      description: 'Post to the channel (default); false shows it only to you',
      type: 'boolean',
    },
  ],
  async run(context: CommandContext) {
    const report = buildReport(await loadReportInput(context.services));
    await context.reply(context.args.public === false ? { ...report, ephemeral: true } : report);
  },
});
