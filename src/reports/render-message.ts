import { cleanText, type Message, type MessageLink } from '../domain/message.ts';
import type { Report, ReportListing } from '../domain/report.ts';
import type { Severity } from '../domain/zone.ts';
import {
  capLines,
  describeDegraded,
  describeRun,
  formatSince,
  formatTime,
  MAX_LINKS,
} from '../render/format-text.ts';

/** Targets listed in a report message; the rest are counted. */
const MAX_TARGET_LINES = 15;
/** Zones named in the "By zone" line; the rest are counted. */
const MAX_ZONES = 10;
const severityOrder: readonly Severity[] = ['critical', 'major', 'minor', 'info'];
const NOT_IN_CATALOG = 'not in the catalog';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function rank(severity: string | undefined): number {
  const index = severityOrder.indexOf(severity as Severity);
  return index === -1 ? severityOrder.length : index;
}

/** ` [owner, team, customer]` of the listing's watched entry, or nothing. */
function owners(listing: ReportListing): string {
  const labels = [listing.labels?.owner, listing.labels?.team, listing.labels?.customer].filter(Boolean);
  return labels.length > 0 ? ` [${labels.join(', ')}]` : '';
}

function counted<K>(items: readonly ReportListing[], key: (listing: ReportListing) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Delist pages, https only, one per URL, oldest listing first. */
function delistLinks(listings: readonly ReportListing[]): MessageLink[] {
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  for (const listing of listings) {
    if (links.length === MAX_LINKS) break;
    const url = listing.delist;
    if (url === undefined || !url.startsWith('https://') || seen.has(url)) continue;
    seen.add(url);
    links.push({
      label: cleanText(`Delist ${listing.target} (${listing.zoneName ?? listing.zone})`, 75),
      url,
    });
  }
  return links;
}

/**
 * The report as a chat message: what is watched, listings by severity and zone, the listed targets oldest first
 * with their owners, degraded zones, mutes and the last scan. Pure.
 */
export function renderReportMessage(report: Report): Message {
  const now = new Date(report.at);
  const { listings } = report;
  const lines: string[] = [
    report.watched.entries === 0
      ? 'Nothing is watched yet.'
      : `Watching ${plural(report.watched.entries, 'entry', 'entries')} (${plural(report.watched.targets, 'single target')}).`,
  ];
  const byTarget = new Map<string, ReportListing[]>();
  for (const listing of listings)
    byTarget.set(listing.target, [...(byTarget.get(listing.target) ?? []), listing]);
  if (listings.length === 0) {
    lines.push('No watched target is listed on any list in use.');
  } else {
    lines.push(`${plural(listings.length, 'listing')} on ${plural(byTarget.size, 'target')}.`);
    const bySeverity = [...counted(listings, (listing) => listing.severity ?? NOT_IN_CATALOG)];
    lines.push(
      `By severity: ${bySeverity
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([severity, count]) => `${severity} ${count}`)
        .join(', ')}.`,
    );
    const severityOf = new Map(listings.map((listing) => [listing.zone, listing.severity]));
    const zoneCounts = [...counted(listings, (listing) => listing.zone)]
      .sort(
        ([a, x], [b, y]) => rank(severityOf.get(a)) - rank(severityOf.get(b)) || y - x || a.localeCompare(b),
      )
      .map(([zone, count]) => `${zone} ${count} (${severityOf.get(zone) ?? NOT_IN_CATALOG})`);
    lines.push(`By zone: ${capLines(zoneCounts, MAX_ZONES, 'more zones').join(', ')}.`);
    lines.push('Listed targets, oldest listing first:');
    // Listings are oldest first, so each target appears at its oldest listing.
    const targetLines = [...byTarget].map(([target, own]) => {
      const oldest = own[0] as ReportListing;
      const zoneNames = own.map((listing) => listing.zone).join(', ');
      return `${target}${owners(oldest)}: ${zoneNames}, since ${formatSince(oldest.since, now)}`;
    });
    lines.push(...capLines(targetLines, MAX_TARGET_LINES, 'more targets (/rbl status lists them)'));
  }
  const degraded = describeDegraded(report.degradedZones);
  if (degraded) lines.push(`${degraded}.`);
  if (report.mutes.length > 0) lines.push(`${plural(report.mutes.length, 'mute')} in force (/rbl mutes).`);
  lines.push(describeRun(report.lastRun, now));

  const links = delistLinks(listings);
  const lastRunBad =
    report.lastRun !== undefined && ['failed', 'interrupted'].includes(report.lastRun.status);
  return {
    title:
      listings.length > 0
        ? `Blacklist report: ${plural(listings.length, 'listing')}`
        : 'Blacklist report: all clear',
    lines,
    ...(links.length > 0 ? { links } : {}),
    tone:
      listings.length > 0
        ? 'danger'
        : degraded !== undefined || lastRunBad || report.lastRun === undefined
          ? 'warning'
          : 'good',
    footer: `As of ${formatTime(report.at)}`,
    ephemeral: false,
  };
}
