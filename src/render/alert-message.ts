import { type Delivery, evidenceOf, type Signal } from '../domain/alert.ts';
import type { Labels } from '../domain/inventory.ts';
import { cleanText, type Message, type MessageLink, type Tone } from '../domain/message.ts';

/** Items listed one per line in a grouped message; the rest are counted, so a mass event stays one readable post. */
export const MAX_GROUP_LINES = 25;
/** Delist buttons on a grouped message (Slack allows 25 per block, but a wall of buttons helps nobody). */
const MAX_GROUP_LINKS = 5;
/** Slack's header block limit; Discord's embed title (256) is larger. */
const MAX_TITLE = 150;
const MAX_LINK_LABEL = 75;
const INITIAL_NOTE = 'already listed when watching began';
const TEST_FOOTER = 'Test alert from rblwatch alerts test: nothing has changed';

/**
 * One line naming what changed, without the why: `203.0.113.7 listed on zen.spamhaus.org`. Chat titles, and the
 * start of pager summaries. Targets and zones are cleaned like any other text, since a zone file is user input too.
 */
export function alertHeadline(alert: Signal): string {
  const target = cleanText(alert.target ?? 'unknown target', 100);
  const zone = cleanText(alert.zone ?? 'unknown zone', 100);
  switch (alert.kind) {
    case 'listed':
      return `${target} listed on ${zone}${alert.initial ? ` (${INITIAL_NOTE})` : ''}`;
    case 'delisted':
      return `${target} delisted from ${zone}`;
    case 'zone-degraded':
      return `Zone ${zone} degraded`;
    case 'zone-recovered':
      return `Zone ${zone} recovered`;
    case 'resolver-down':
      return 'DNS resolver unusable: every lookup is unknown';
    case 'resolver-recovered':
      return 'DNS resolver working again';
    case 'store-reset':
      return 'rblwatch store was reset';
    case 'scan-failed':
      return 'rblwatch scan failed';
    case 'delivery-failed':
      return 'rblwatch alert delivery failed';
  }
}

/**
 * The headline plus the reason, for one-line surfaces (PagerDuty summary, Opsgenie message):
 * `203.0.113.7 listed on zen.spamhaus.org: SBL: spam source`. Not capped: each caller caps to its own limit.
 */
export function alertSummary(alert: Signal): string {
  const headline = alertHeadline(alert);
  const reason =
    alert.kind === 'listed'
      ? alert.meanings.length > 0
        ? alert.meanings.join('; ')
        : alert.codes.join(', ')
      : (alert.detail ?? '');
  const cleaned = cleanText(reason, 1000);
  return cleaned ? `${headline}: ${cleaned}` : headline;
}

/** Whether a URL may become a link or button: only absolute https URLs, never `javascript:` or plain http. */
export function isHttpsUrl(url: string | undefined): url is string {
  if (!url) return false;
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/** `owner=mail-team, team=ops, tags=outbound pool-a`; empty when there are no labels. */
export function formatLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts: string[] = [];
  if (labels.owner) parts.push(`owner=${labels.owner}`);
  if (labels.team) parts.push(`team=${labels.team}`);
  if (labels.customer) parts.push(`customer=${labels.customer}`);
  if (labels.tags && labels.tags.length > 0) parts.push(`tags=${labels.tags.join(' ')}`);
  return cleanText(parts.join(', '));
}

/** Whether the delivery or any of its alerts came from `rblwatch alerts test`. */
export function isTestDelivery(delivery: Delivery): boolean {
  return delivery.test === true || delivery.alerts.some((alert) => alert.test === true);
}

/**
 * The chat message for a delivery of alerts or notices: one in detail, or several of one kind as a summary title
 * plus one traceable line each (target, zone, code). All DNS-sourced text (TXT) is untrusted; it is kept as plain
 * text, cleaned of control characters, and each platform renderer escapes its own mention syntax. (Reports have
 * their own renderer, in `reports/`.)
 */
export function renderAlertMessage(delivery: Delivery): Message {
  const test = isTestDelivery(delivery);
  const message =
    delivery.alerts.length === 1 && delivery.alerts[0] ? single(delivery.alerts[0]) : grouped(delivery);
  const footer = [message.footer, test ? TEST_FOOTER : undefined].filter(Boolean).join(' · ');
  return {
    ...message,
    title: cleanText(test ? `[TEST] ${message.title}` : message.title, MAX_TITLE),
    ...(footer ? { footer } : {}),
  };
}

function single(alert: Signal): Message {
  const lines: string[] = [];
  const push = (label: string, value: string | undefined): void => {
    const cleaned = value === undefined ? '' : cleanText(value);
    if (cleaned) lines.push(`${label}: ${cleaned}`);
  };
  if (alert.kind === 'listed' || alert.kind === 'delisted') {
    const was = alert.kind === 'delisted' ? 'Was listed for' : 'Meaning';
    push(was, alert.meanings.join('; '));
    push('Codes', alert.codes.join(', '));
    for (const txt of alert.txt) push('TXT', txt);
    push(alert.kind === 'listed' ? 'First seen' : 'Listed since', formatTime(alert.listedSince));
    if (alert.entry && alert.entry !== alert.target) push('Entry', alert.entry);
    push('Labels', formatLabels(alert.labels));
    push('Severity', alert.severity);
  } else {
    push('Detail', alert.detail);
    push('Codes', evidenceOf(alert).codes.join(', '));
  }
  const delist = 'delist' in alert ? alert.delist : undefined;
  const link = isHttpsUrl(delist) ? [{ label: 'Delist', url: delist }] : [];
  return {
    title: alertHeadline(alert),
    lines,
    tone: toneOf(alert.kind),
    ...(link.length > 0 ? { links: link } : {}),
    ...(alert.runId ? { footer: `Scan ${cleanText(alert.runId, 100)}` } : {}),
  };
}

function grouped(delivery: Delivery): Message {
  const alerts = delivery.alerts;
  const kinds = new Set(alerts.map((alert) => alert.kind));
  const kind = kinds.size === 1 ? alerts[0]?.kind : undefined;
  const allInitial =
    kind === 'listed' && alerts.every((alert) => 'initial' in alert && alert.initial === true);
  const lines = alerts.slice(0, MAX_GROUP_LINES).map((alert) => itemLine(alert, !allInitial));
  if (alerts.length > MAX_GROUP_LINES) lines.push(`… and ${alerts.length - MAX_GROUP_LINES} more`);
  const runIds = unique(alerts.map((alert) => alert.runId));
  const title = kind ? groupTitle(kind, alerts) : `${alerts.length} rblwatch alerts`;
  const links = groupLinks(alerts);
  return {
    title: allInitial ? `${title} (${INITIAL_NOTE})` : title,
    lines,
    tone: kind ? toneOf(kind) : 'warning',
    ...(links.length > 0 ? { links } : {}),
    ...(runIds.length === 1 && runIds[0] ? { footer: `Scan ${cleanText(runIds[0], 100)}` } : {}),
  };
}

function groupTitle(kind: Signal['kind'], alerts: readonly Signal[]): string {
  const count = alerts.length;
  const zones = unique(alerts.map((alert) => alert.zone));
  const entries = unique(alerts.map((alert) => ('entry' in alert ? alert.entry : undefined)));
  const targets = unique(alerts.map((alert) => alert.target));
  const listing = kind === 'listed' || kind === 'delisted';
  if (!listing) {
    const nouns: Record<Exclude<Signal['kind'], 'listed' | 'delisted'>, string> = {
      'zone-degraded': 'zones degraded',
      'zone-recovered': 'zones recovered',
      'resolver-down': 'resolver outages',
      'resolver-recovered': 'resolver recoveries',
      'scan-failed': 'scans failed',
      'delivery-failed': 'alert deliveries failed',
      'store-reset': 'store resets',
    };
    return `${count} ${nouns[kind]}`;
  }
  const verb = kind === 'listed' ? 'listed on' : 'delisted from';
  const [zone] = zones;
  const [entry] = entries;
  const [target] = targets;
  if (zones.length === 1 && zone !== undefined) {
    if (entries.length === 1 && entry?.includes('/')) return `${count} IPs in ${entry} ${verb} ${zone}`;
    return `${count} targets ${verb} ${zone}`;
  }
  if (targets.length === 1 && target !== undefined) return `${target} ${verb} ${zones.length} lists`;
  if (entries.length === 1 && entry?.includes('/')) {
    return `${count} ${kind === 'listed' ? 'listings' : 'delistings'} in ${entry} on ${zones.length} lists`;
  }
  return `${count} ${kind === 'listed' ? 'listings' : 'delistings'} on ${zones.length} lists`;
}

/** One grouped item, self-contained so it can be searched for and traced back: target, zone, codes, meaning. */
function itemLine(alert: Signal, noteInitial: boolean): string {
  const where = `${alert.target ?? 'unknown target'} on ${alert.zone ?? 'unknown zone'}`;
  switch (alert.kind) {
    case 'listed':
    case 'delisted': {
      const codes = alert.codes.length > 0 ? ` (${alert.codes.join(', ')})` : '';
      const meaning = alert.meanings.length > 0 ? `: ${alert.meanings.join('; ')}` : '';
      const initial = noteInitial && alert.initial ? ` [${INITIAL_NOTE}]` : '';
      return cleanText(`${where}${codes}${meaning}${initial}`);
    }
    case 'zone-degraded':
    case 'zone-recovered':
      return cleanText(`${alert.zone ?? 'unknown zone'}${alert.detail ? `: ${alert.detail}` : ''}`);
    case 'resolver-down':
    case 'resolver-recovered':
    case 'store-reset':
    case 'scan-failed':
    case 'delivery-failed':
      return cleanText(`${alert.runId ?? alert.id}${alert.detail ? `: ${alert.detail}` : ''}`);
  }
}

function groupLinks(alerts: readonly Signal[]): MessageLink[] {
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  for (const alert of alerts) {
    const delist = 'delist' in alert ? alert.delist : undefined;
    if (!isHttpsUrl(delist) || seen.has(delist)) continue;
    seen.add(delist);
    const about = alert.target ?? alert.zone;
    links.push({ label: cleanText(about ? `Delist ${about}` : 'Delist', MAX_LINK_LABEL), url: delist });
    if (links.length === MAX_GROUP_LINKS) break;
  }
  return links;
}

function toneOf(kind: Signal['kind']): Tone {
  if (kind === 'listed') return 'danger';
  if (kind === 'delisted' || kind === 'zone-recovered' || kind === 'resolver-recovered') return 'good';
  return 'warning';
}

/** `2026-11-28 10:00 UTC`: readable, unambiguous across time zones, and stable in golden tests. */
function formatTime(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}
