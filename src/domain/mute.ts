/**
 * A mute silences new alarms for one target (an address, range or domain as watched) or one zone until it
 * expires. Listings are still recorded; a mute never keeps a page open, so delistings and recoveries pass.
 */
export interface Mute {
  readonly scope: 'target' | 'zone';
  /** Canonical target (`203.0.113.7`, `198.51.100.0/24`, `example.com`) or zone name. */
  readonly value: string;
  /** ISO 8601 expiry. */
  readonly until: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Who muted it (`slack:U123 (alice)`, `cli`). */
  readonly by?: string;
  readonly reason?: string;
}

/** The stored mutes. Expired mutes are ignored on read and dropped on the next write. */
export interface MuteStore {
  /** Mutes still in force at `now`. */
  listMutes(now: Date): Promise<Mute[]>;
  /** Insert or replace the mute with the same scope and value. */
  putMute(mute: Mute): Promise<void>;
  /** Returns whether a mute in force was removed. */
  removeMute(scope: Mute['scope'], value: string, now: Date): Promise<boolean>;
}
