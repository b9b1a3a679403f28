import type { ListingEvent } from './listing.ts';
import type { ScanRun } from './scan-run.ts';

/**
 * Where a scan's decided events go once they are stored: the alert router (and the log). A port in the vocabulary
 * so the scan (watch) and alerting meet here instead of importing each other.
 */
export interface EventPublisher {
  publish(events: readonly ListingEvent[], run: ScanRun): Promise<void>;
  /** A scan that failed (store down, resolver gone): news for operators too. Errors here are swallowed. */
  scanFailed?(run: ScanRun): Promise<void>;
}
