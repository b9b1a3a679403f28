/**
 * Plain-text formatting for the message model, shared by command replies and reports: times for people, caps on
 * long lists, the last scan and the degraded zones in one line each. Untrusted text goes through
 * {@link cleanText}.
 */

import { cleanText } from '../domain/message.ts';
import type { ScanRun } from '../domain/scan-run.ts';

/** Most lines a reply carries before "... and N more": keeps a reply inside Slack's and Discord's block limits. */
export const MAX_LINES = 25;
/** Most link buttons on a reply: one row on Discord (5 per row), a short actions block on Slack. */
export const MAX_LINKS = 5;

/** `2026-11-28 17:17 UTC`; text that is not a time is shown cleaned, never trusted. */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return cleanText(iso, 40);
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A duration for people, two units at most: `3d 4h`, `5h 2m`, `12m`, `under a minute`. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}

/** `2026-11-28 17:17 UTC (3d 4h ago)`. */
export function formatSince(iso: string, now: Date): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return formatTime(iso);
  return `${formatTime(iso)} (${formatDuration(now.getTime() - time)} ago)`;
}

/** Keep the first `max` lines and say how many were left out. */
export function capLines(lines: readonly string[], max: number, noun = 'more'): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), `... and ${lines.length - max} ${noun}`];
}

/** The last scan in one line: when it ended, how it went, what it saw. */
export function describeRun(
  run:
    | Pick<
        ScanRun,
        'status' | 'startedAt' | 'endedAt' | 'targets' | 'lookups' | 'listed' | 'unknown' | 'events' | 'error'
      >
    | undefined,
  now: Date,
): string {
  if (run === undefined) return 'No scan has run yet.';
  switch (run.status) {
    case 'running':
      return `A scan is running, started ${formatSince(run.startedAt, now)}.`;
    case 'completed':
      return (
        `Last scan ${formatSince(run.endedAt ?? run.startedAt, now)}: ${run.targets} targets, ${run.lookups} ` +
        `lookups, ${run.listed} listed, ${run.unknown} unknown, ${run.events} changes.`
      );
    case 'failed':
    case 'interrupted':
      return `Last scan ${run.status} ${formatSince(run.endedAt ?? run.startedAt, now)}${run.error ? `: ${cleanText(run.error, 200)}` : ''}.`;
  }
}

/** Zones whose answers the last scan did not trust, or undefined when there are none. */
export function describeDegraded(zones: Iterable<string>): string | undefined {
  const names = [...zones].sort();
  if (names.length === 0) return undefined;
  const shown = names.slice(0, 10).join(', ');
  return `Degraded zones (answers not used): ${shown}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`;
}
