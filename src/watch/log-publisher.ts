import { formatCodes } from '../domain/check-result.ts';
import type { EventPublisher } from '../domain/event-publisher.ts';
import type { ListingEvent } from '../domain/listing.ts';
import type { ScanRun } from '../domain/scan-run.ts';
import type { Logger } from '../log.ts';

/** Publishes each decided event as one structured log line (until notifiers consume them). */
export function createLogPublisher(log: Logger): EventPublisher {
  return {
    async publish(events: readonly ListingEvent[], run: ScanRun) {
      for (const event of events) {
        const level =
          event.kind === 'resolver-down'
            ? 'error'
            : (event.kind === 'listed' && !event.initial) || event.kind === 'zone-degraded'
              ? 'warn'
              : 'info';
        log[level]({ event, runId: run.id }, describeEvent(event));
      }
    },
  };
}

/** One line for people: "203.0.113.7 listed on zen.spamhaus.org (127.0.0.2 SBL ...)". */
export function describeEvent(event: ListingEvent): string {
  const codes = formatCodes(event.codes, event.meanings);
  switch (event.kind) {
    case 'listed':
      return `${event.target} ${event.initial ? 'was already listed' : 'listed'} on ${event.zone}${codes ? ` (${codes})` : ''}`;
    case 'delisted':
      return `${event.target} delisted from ${event.zone}`;
    case 'zone-degraded':
      return `zone ${event.zone} degraded: ${event.detail ?? ''}`;
    case 'zone-recovered':
      return `zone ${event.zone} recovered`;
    case 'resolver-down':
      return `DNS resolver unusable, every lookup unknown: ${event.detail ?? ''}`;
    case 'resolver-recovered':
      return 'DNS resolver working again';
  }
}
