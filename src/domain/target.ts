/** A single thing that can be looked up on a DNSBL. CIDR ranges are expanded into `ip4` targets before lookup. */
export type Target =
  | { readonly kind: 'ip4'; readonly value: string }
  | { readonly kind: 'ip6'; readonly value: string }
  | { readonly kind: 'domain'; readonly value: string };

export type TargetKind = Target['kind'];

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
