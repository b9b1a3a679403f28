/** Labels that route alerts (owner, team, customer) plus free tags. */
export interface Labels {
  readonly owner?: string;
  readonly team?: string;
  readonly customer?: string;
  readonly tags?: readonly string[];
}

/**
 * One managed entry: an address, an IPv4 range (expanded at scan time, up to /16) or a domain.
 * `target` is canonical: `203.0.113.7`, `2001:db8::25`, `198.51.100.0/28`, `example.com`.
 */
export interface InventoryEntry {
  readonly target: string;
  readonly kind: 'ip4' | 'ip6' | 'cidr' | 'domain';
  readonly labels: Labels;
  /** Where the entry comes from: the config file (re-read at start) or the store (`watch add`, chat). */
  readonly source: 'config' | 'store';
  /** ISO 8601. */
  readonly addedAt: string;
  readonly addedBy?: string;
  /** ISO 8601 time of the first completed scan that covered the entry; absent until then. */
  readonly firstScannedAt?: string;
}
