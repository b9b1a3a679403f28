import { defaultTestPoints, testFamilyOf, type Zone } from '../../src/domain/zone.ts';

/** A catalog entry for tests: an IPv4 zone under `.test` with RFC 5782 test points unless overridden. */
export function makeZone(overrides: Partial<Zone> & { zone: string }): Zone {
  const kind = overrides.kind ?? 'ip4';
  return {
    name: overrides.zone,
    kind,
    queryHost: overrides.zone,
    severity: 'major',
    scope: kind === 'domain' ? 'domain' : 'ip',
    testPoints: defaultTestPoints[testFamilyOf(kind)],
    ...overrides,
  };
}
