/** A single thing that can be looked up on a DNSBL. CIDR ranges are expanded into `ip4` targets before lookup. */
export type Target =
  | { readonly kind: 'ip4'; readonly value: string }
  | { readonly kind: 'ip6'; readonly value: string }
  | { readonly kind: 'domain'; readonly value: string };

export type TargetKind = Target['kind'];

/** How people call each kind of target, in the plural: "no list takes IPv6 addresses". */
export const targetKindNames: Readonly<Record<TargetKind, string>> = {
  ip4: 'IPv4 addresses',
  ip6: 'IPv6 addresses',
  domain: 'domains',
};

/** Whether a zone of this kind accepts a target of that kind (IPs only to IP zones of their family). */
export function zoneAccepts(zoneKind: 'ip4' | 'ip6' | 'ip' | 'domain', targetKind: TargetKind): boolean {
  switch (targetKind) {
    case 'ip4':
      return zoneKind === 'ip4' || zoneKind === 'ip';
    case 'ip6':
      return zoneKind === 'ip6' || zoneKind === 'ip';
    case 'domain':
      return zoneKind === 'domain';
  }
}

/** The numeric key of a canonical IPv4 (dotted quad) or IPv6 (RFC 5952) text, or `undefined` for a domain. */
function addressKey(text: string): { rank: number; parts: number[] } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return { rank: 0, parts: text.split('.').map(Number) };
  if (!text.includes(':')) return undefined;
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return { rank: 1, parts: [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16) || 0) };
}

/**
 * Orders canonical single targets the way people read them: IPv4 numerically (10.0.0.9 before 10.0.0.10), then
 * IPv6 numerically, then domains alphabetically.
 */
export function compareTargets(a: string, b: string): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  if (ka && kb) {
    if (ka.rank !== kb.rank) return ka.rank - kb.rank;
    for (let i = 0; i < Math.max(ka.parts.length, kb.parts.length); i++) {
      const diff = (ka.parts[i] ?? 0) - (kb.parts[i] ?? 0);
      if (diff !== 0) return diff;
    }
    return 0;
  }
  if (ka) return -1;
  if (kb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
