import type { Keyv } from 'keyv';

/** What a backend is opened with. */
export interface BackendOpenOptions {
  readonly namespace: string;
  readonly connectTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
}

/**
 * How an operator writes a backend's locations (in `store:`, `RBLWATCH_STORE` or `openStore`):
 * - `file`: a path, or `<scheme>://path`; a relative path is relative to the config file's directory;
 * - `url`: `<scheme>://host...`, which must parse as a URL naming a host; its password is masked for display;
 * - `name`: exactly `<scheme>:`, nothing after it (`memory:`).
 */
export type StoreLocationForm = 'file' | 'url' | 'name';

/**
 * One way of storing. Each file under `backends/` exports one definition (`satisfies StoreBackend`), and
 * `open-store.ts` lists them all: the one registry that both the configuration and {@link openStore} parse
 * locations with.
 */
export interface StoreBackend {
  /** Reported as the repository's `backend` and as the config's `store.kind`: `sqlite`, `redis`, ... */
  readonly name: string;
  /** URL schemes it serves, lower case, without `:` or `//` (`redis`, `rediss`). */
  readonly schemes: readonly string[];
  readonly form: StoreLocationForm;
  /**
   * How to write one, in "use ..." hints (`redis://...`); absent for a backend not worth suggesting (the
   * throwaway memory store).
   */
  readonly hint?: string;
  /**
   * Opens the canonical location (a resolved path, or the URL as given) as a keyv instance whose store implements
   * TransactionalStore.
   */
  open(location: string, options: BackendOpenOptions): Promise<Keyv>;
}
