/**
 * The in-memory backend: keyv over a `Map`, for tests and throwaway runs (`memory:`). Nothing survives the process.
 */
import { Keyv } from 'keyv';

/**
 * Opens an empty in-memory keyv instance. Values are stored serialized, exactly as on the other backends, so a
 * test on this backend exercises the same JSON round trip.
 */
export async function openMemory(options: { namespace?: string } = {}): Promise<Keyv> {
  return new Keyv({ store: new Map<string, unknown>(), namespace: options.namespace, throwOnErrors: true });
}
