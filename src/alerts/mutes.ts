import type { Alert } from '../domain/alert.ts';
import type { Mute } from '../domain/mute.ts';

/** Whether a mute in force silences this alert. Only new alarms are silenced: see {@link Mute}. */
export function isMuted(
  mutes: readonly Mute[],
  alert: Pick<Alert, 'zone' | 'target' | 'entry'> & { readonly kind: string },
  now: Date,
): boolean {
  if (alert.kind !== 'listed' && alert.kind !== 'zone-degraded') return false;
  const time = now.getTime();
  return mutes.some(
    (mute) =>
      Date.parse(mute.until) > time &&
      ((mute.scope === 'zone' && mute.value === alert.zone) ||
        (mute.scope === 'target' && (mute.value === alert.target || mute.value === alert.entry))),
  );
}
