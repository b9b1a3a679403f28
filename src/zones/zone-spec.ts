import type { Zone } from '../domain/zone.ts';

/**
 * A zone as the built-in catalog and user zone files declare it. `queryHost` is left out because it is computed
 * when the catalog is built: it differs from `zone` only when a Spamhaus DQS key is configured, and the key must
 * never be written into a catalog file.
 */
export type ZoneSpec = Omit<Zone, 'queryHost'>;
