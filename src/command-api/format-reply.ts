/**
 * Small, pure formatting shared by the commands in `commands/`: who did it, when, since when, why a target is
 * listed, and delist links. Output is plain text for the {@link Message} model; untrusted text goes through
 * {@link cleanText}, and the renderers escape markup and mentions.
 */
import { formatCodes } from '../domain/check-result.ts';
import type { ListingState } from '../domain/listing.ts';
import { cleanText, type MessageLink } from '../domain/message.ts';
import type { Zone } from '../domain/zone.ts';
import { MAX_LINKS } from '../render/format-text.ts';
import { renderDelist } from '../zones/catalog.ts';
import type { CommandUser } from './command.ts';

/** The caller as recorded with a change: `slack:U123 (alice)`. */
export function describeCaller(user: CommandUser): string {
  return `${user.platform}:${cleanText(user.id, 64)} (${cleanText(user.name, 64)})`;
}

/** When a listing began: the decided time, or the last change for a state written before that field existed. */
export function listedSince(state: ListingState): string {
  return state.listedSince ?? state.updatedAt;
}

/** Why the list says so: return codes with their meanings, then the TXT record, cleaned and shortened. */
export function describeReason(state: Pick<ListingState, 'codes' | 'meanings' | 'txt'>): string {
  const codes = cleanText(formatCodes(state.codes, state.meanings), 200);
  const txt = state.txt.length > 0 ? `"${cleanText(state.txt.join(' '), 200)}"` : '';
  return [codes, txt].filter(Boolean).join(' ') || 'no reason given';
}

/**
 * Delist pages for listed pairs, from the zone catalog only (never a URL from DNS or a user), https only, one per
 * URL, at most `max`.
 */
export function delistLinks(
  states: readonly Pick<ListingState, 'target' | 'zone'>[],
  zones: readonly Zone[],
  max = MAX_LINKS,
): MessageLink[] {
  const byName = new Map(zones.map((zone) => [zone.zone, zone]));
  const links: MessageLink[] = [];
  const seen = new Set<string>();
  for (const state of states) {
    if (links.length === max) break;
    const zone = byName.get(state.zone);
    const url = zone ? renderDelist(zone, state.target) : undefined;
    if (url === undefined || !url.startsWith('https://') || seen.has(url)) continue;
    seen.add(url);
    links.push({ label: cleanText(`Delist ${state.target} (${zone?.name ?? state.zone})`, 75), url });
  }
  return links;
}

// Re-exported: commands format times, lists and runs the same way reports do.
export {
  capLines,
  describeDegraded,
  describeRun,
  formatDuration,
  formatSince,
  formatTime,
  MAX_LINES,
  MAX_LINKS,
} from '../render/format-text.ts';
