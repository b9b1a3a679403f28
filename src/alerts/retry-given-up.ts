import type { OutboxItem } from '../domain/outbox-item.ts';

/** What stands now, as far as re-sending a given-up page is concerned. */
export interface StandingNow {
  /** Every item in the outbox (pending and given up), to see what follows an item on its page. */
  readonly queued: readonly OutboxItem[];
  /** Whether the (target, zone) pair is listed now, per the stored state. */
  readonly isListed: (target: string, zone: string) => boolean;
  /** Whether the zone is degraded now. */
  readonly isDegraded: (zone: string) => boolean;
  /** Whether the resolver alarm stands now. */
  readonly resolverDown: boolean;
}

/**
 * Why a given-up pager item must not be sent again, or `undefined` when re-sending it is right.
 *
 * A page is a sequence per dedup key (trigger, resolve, trigger again...), and a re-sent item lands at the end of
 * that sequence at the service. So an item is only re-sent while it is still the latest word on its page: a trigger
 * whose listing is gone would open a page nothing ever closes; a resolve sent after the target was listed again
 * would close the incident of a listing that stands. Whatever newer item follows on the same page (queued, or
 * already delivered and visible as the current state) makes the older one stale.
 */
export function staleReason(item: OutboxItem, now: StandingNow): string | undefined {
  if (item.action === 'notify') return undefined;
  const later = now.queued.some(
    (other) =>
      other.id !== item.id &&
      other.destination === item.destination &&
      other.key === item.key &&
      other.createdAt > item.createdAt,
  );
  if (later) return 'a later alert for the same page follows it';
  if (item.payload.type !== 'alert') return undefined;
  const { alert } = item.payload;
  const listing = alert.kind === 'listed' || alert.kind === 'delisted';
  const zoneEvent = alert.kind === 'zone-degraded' || alert.kind === 'zone-recovered';
  const resolverEvent = alert.kind === 'resolver-down' || alert.kind === 'resolver-recovered';
  const standing = listing
    ? now.isListed(alert.target ?? '', alert.zone ?? '')
    : zoneEvent
      ? now.isDegraded(alert.zone ?? '')
      : resolverEvent
        ? now.resolverDown
        : undefined;
  if (standing === undefined) return undefined;
  const what = listing ? 'listing' : zoneEvent ? 'zone' : 'resolver';
  if (item.action === 'trigger' && !standing) {
    return {
      listing: 'no longer listed',
      zone: 'the zone has recovered',
      resolver: 'the resolver works again',
    }[what];
  }
  if (item.action === 'resolve' && standing) {
    return {
      listing: 'listed again since',
      zone: 'the zone is degraded again',
      resolver: 'the resolver is down again',
    }[what];
  }
  return undefined;
}
