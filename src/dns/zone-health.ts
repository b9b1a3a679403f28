import type { ZoneHealth, ZoneHealthReport } from '../domain/check-result.ts';
import { testFamilyOf, type Zone } from '../domain/zone.ts';
import { type Classification, classifyAnswer } from './classify-answer.ts';
import type { DnsResolver } from './dns-resolver.ts';
import { buildQueryName } from './query-name.ts';

/** Worst first: the first matching rule decides a zone's health. */
const precedence: readonly ZoneHealth[] = ['wildcard', 'refused', 'unreachable', 'no-test-point', 'ok'];

/** What the must-not-list point's answer says about the zone. */
function readUnlisted(point: string, answer: Classification): { health: ZoneHealth; detail: string } {
  if (answer.status === 'listed' || (answer.reason === 'bad-answer' && answer.codes.length > 0)) {
    return {
      health: 'wildcard',
      detail: `must-not-list point ${point} answered ${answer.codes.join(', ')}: the zone lists everything`,
    };
  }
  return readFailure(point, answer) ?? { health: 'ok', detail: '' };
}

/** What the must-list point's answer says about the zone. */
function readListed(point: string, answer: Classification): { health: ZoneHealth; detail: string } {
  if (answer.status === 'listed') return { health: 'ok', detail: '' };
  const failure = readFailure(point, answer);
  if (failure) return failure;
  const seen = answer.codes.length > 0 ? `answered ${answer.codes.join(', ')}` : 'is not listed';
  return { health: 'no-test-point', detail: `must-list point ${point} ${seen}` };
}

function readFailure(
  point: string,
  answer: Classification,
): { health: ZoneHealth; detail: string } | undefined {
  switch (answer.reason) {
    case 'refused':
    case 'error-code':
      return { health: 'refused', detail: `test point ${point}: ${answer.detail}` };
    case 'timeout':
    case 'servfail':
    case 'dns-error':
      return { health: 'unreachable', detail: `test point ${point}: ${answer.detail}` };
    default:
      return undefined;
  }
}

/**
 * Probe a zone's RFC 5782 §5 test points: a healthy zone lists the must-list point (127.0.0.2, ::FFFF:7F00:2,
 * `test`) and not the must-not-list point (127.0.0.1, ::FFFF:7F00:1, `invalid`). Zones whose catalog entry opts
 * out are `untested`. `ip` zones are probed with the IPv4 points.
 * @see https://www.rfc-editor.org/rfc/rfc5782#section-5
 */
export async function probeZoneHealth(zone: Zone, resolver: DnsResolver): Promise<ZoneHealthReport> {
  if (zone.testPoints === false) {
    return { zone: zone.zone, health: 'untested', detail: 'the catalog says this list has no test points' };
  }
  const family = testFamilyOf(zone.kind);
  const { listed, unlisted } = zone.testPoints;
  const [listedAnswer, unlistedAnswer] = await Promise.all([
    resolver.query(buildQueryName(family, listed, zone.queryHost), 'A'),
    resolver.query(buildQueryName(family, unlisted, zone.queryHost), 'A'),
  ]);
  const findings = [
    readUnlisted(unlisted, classifyAnswer(unlistedAnswer, zone)),
    readListed(listed, classifyAnswer(listedAnswer, zone)),
  ];
  for (const health of precedence) {
    const finding = findings.find((f) => f.health === health);
    if (finding) {
      return {
        zone: zone.zone,
        health,
        detail: finding.detail || `lists ${listed}, does not list ${unlisted}`,
      };
    }
  }
  return { zone: zone.zone, health: 'ok', detail: `lists ${listed}, does not list ${unlisted}` };
}

/** Whether a zone's answers may be used at all in a run (refusing and unreachable zones are skipped). */
export function isQueryable(health: ZoneHealth): boolean {
  return health !== 'refused' && health !== 'unreachable';
}
