import type { Mute, MuteStore } from '../../src/domain/mute.ts';

/** A MuteStore in memory, following the port's rules: expired mutes are ignored on read, dropped on write. */
export class MemoryMuteStore implements MuteStore {
  readonly #mutes = new Map<string, Mute>();

  /** Every stored mute, expired or not, for assertions. */
  get all(): Mute[] {
    return [...this.#mutes.values()];
  }

  async listMutes(now: Date): Promise<Mute[]> {
    return this.all.filter((mute) => Date.parse(mute.until) > now.getTime());
  }

  async putMute(mute: Mute): Promise<void> {
    this.#dropExpired(new Date(Date.parse(mute.createdAt)));
    this.#mutes.set(`${mute.scope}:${mute.value}`, mute);
  }

  async removeMute(scope: Mute['scope'], value: string, now: Date): Promise<boolean> {
    this.#dropExpired(now);
    return this.#mutes.delete(`${scope}:${value}`);
  }

  #dropExpired(now: Date): void {
    for (const [key, mute] of this.#mutes)
      if (Date.parse(mute.until) <= now.getTime()) this.#mutes.delete(key);
  }
}
