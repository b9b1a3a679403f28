import type { InventoryEntry } from '../domain/inventory.ts';
import { cleanText } from '../domain/message.ts';
import type { Mute } from '../domain/mute.ts';
import type { Zone } from '../domain/zone.ts';
import { isUserError } from '../errors.ts';
import { canonicalTarget, checkOverlap, relateTargets } from '../inventory/inventory.ts';
import { quoteInput } from '../inventory/parse-target.ts';
import { normalizeZoneName } from '../zones/zone-file-schema.ts';
import type { CommandSyntax } from './command.ts';
import type { Resolved } from './resolve-targets.ts';

/** A target typed in chat, in canonical form, and how the inventory covers it. */
export interface WatchedTarget {
  /** Canonical: `203.0.113.7`, `2001:db8::1`, `198.51.100.0/28`, `example.com`. */
  readonly target: string;
  readonly kind: InventoryEntry['kind'];
  /** The entry with exactly this target. */
  readonly exact?: InventoryEntry;
  /** Entries whose range holds every address of the target (an address, or a smaller range, inside a range). */
  readonly within: readonly InventoryEntry[];
}

/** Whether the inventory watches any address of the target. */
export function isWatched(target: WatchedTarget): boolean {
  return target.exact !== undefined || target.within.length > 0;
}

/**
 * Canonicalise a target as typed (the same parser as `rblwatch watch add`) and find the entries that cover it.
 * Pure: an invalid target is an error message for the user, not an exception.
 */
export function resolveWatchedTarget(
  text: string,
  inventory: readonly InventoryEntry[],
): Resolved<WatchedTarget> {
  try {
    const { target, kind } = canonicalTarget(text);
    const { duplicate, overlaps } = checkOverlap(inventory, target);
    const within = overlaps.filter((entry) => relateTargets(target, entry) === 'inside');
    return { ok: true, value: { target, kind, ...(duplicate ? { exact: duplicate } : {}), within } };
  } catch (error) {
    if (isUserError(error)) return { ok: false, error: cleanText(error.message) };
    throw error;
  }
}

/** The catalog zone with this name (case-insensitive, trailing dot tolerated). */
export function findZone(zones: readonly Zone[], text: string): Zone | undefined {
  const name = normalizeZoneName(text);
  return zones.find((zone) => zone.zone === name);
}

/** What a mute applies to, as stored in a `Mute`. */
export interface MuteSubject {
  readonly scope: 'target' | 'zone';
  readonly value: string;
}

/**
 * A mute subject: a zone of the catalog, or a watched target. Zones win when a name is both (a zone name is also a
 * valid domain). Targets must be watched exactly as given, or be a single address or domain inside a watched range,
 * because alerts carry the address and the entry it came from; a mute on anything else could never match.
 * Errors name the commands that help in the caller's `syntax`.
 */
export function resolveMuteSubject(
  text: string,
  zones: readonly Zone[],
  inventory: readonly InventoryEntry[],
  syntax: CommandSyntax,
): Resolved<MuteSubject> {
  const zone = findZone(zones, text);
  if (zone) return { ok: true, value: { scope: 'zone', value: zone.zone } };
  const resolved = resolveWatchedTarget(text, inventory);
  if (!resolved.ok) {
    return {
      ok: false,
      error: `${resolved.error}; nor is it a zone in use (see ${syntax('zones')})`,
    };
  }
  const { target, kind, exact, within } = resolved.value;
  if (exact === undefined && (kind === 'cidr' || within.length === 0)) {
    return {
      ok: false,
      error:
        kind === 'cidr'
          ? `${target} is not watched as a range; mute the range exactly as watched (see ${syntax('watched')})`
          : `${target} is not watched; mute a watched target or a zone (see ${syntax('watched')} and ${syntax('zones')})`,
    };
  }
  return { ok: true, value: { scope: 'target', value: target } };
}

/**
 * The mute in force that `text` names: a zone mute by zone name (even one no longer in the catalog), else a target
 * mute by the target's canonical form. `undefined` when nothing by that name is muted.
 */
export function findMute(mutes: readonly Mute[], text: string): Resolved<Mute | undefined> {
  const zoneName = normalizeZoneName(text);
  const zoneMute = mutes.find((mute) => mute.scope === 'zone' && mute.value === zoneName);
  if (zoneMute) return { ok: true, value: zoneMute };
  try {
    const { target } = canonicalTarget(text);
    return { ok: true, value: mutes.find((mute) => mute.scope === 'target' && mute.value === target) };
  } catch (error) {
    if (isUserError(error)) {
      return {
        ok: false,
        error: cleanText(`${quoteInput(text.trim())} is neither a muted zone nor a valid target`),
      };
    }
    throw error;
  }
}
