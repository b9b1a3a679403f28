import type { ZoneHealth, ZoneHealthReport } from '../domain/check-result.ts';
import { testFamilyOf, type Zone } from '../domain/zone.ts';
import { type Classification, classifyAnswer } from './classify-answer.ts';
import type { DnsResolver, DnsResponse } from './dns-resolver.ts';
import { buildQueryName } from './query-name.ts';

/** Worst first: the first matching rule decides a zone's health. */
const precedence: readonly ZoneHealth[] = ['wildcard', 'refused', 'unreachable', 'no-test-point', 'ok'];

/**
 * What went wrong with a zone's probe, in terms of what the resolver did, so that the same failure on every zone
 * can be recognised as the resolver's (see resolver-health.ts). `key` groups equal failures ("NXDOMAIN",
 * "error-code 127.255.255.254"); `label` says it for people.
 */
export interface ProbeSymptom {
  readonly key: string;
  readonly label: string;
}

/** One zone's probe: its health, and the evidence the resolver verdict is built from. */
export interface ZoneProbeEvidence {
  readonly report: ZoneHealthReport;
  /** The zone has test points and they were asked. */
  readonly tested: boolean;
  /** At least one test-point question got a DNS reply (any rcode, even REFUSED): someone answered. */
  readonly replied: boolean;
  /** Servers (`host:port`) that replied. */
  readonly servers: readonly string[];
  /** Why the zone is not `ok`; absent when it is ok or untested. */
  readonly symptom?: ProbeSymptom;
}

interface Finding {
  readonly health: ZoneHealth;
  readonly detail: string;
  readonly symptom?: ProbeSymptom;
}

/** What the must-not-list point's answer says about the zone. */
function readUnlisted(point: string, answer: Classification): Finding {
  if (answer.status === 'listed' || (answer.reason === 'bad-answer' && answer.codes.length > 0)) {
    const codes = answer.codes.join(', ');
    return {
      health: 'wildcard',
      detail: `must-not-list point ${point} answered ${codes}: the zone lists everything`,
      symptom: { key: 'wildcard', label: `an address (${codes}) for a must-not-list test point` },
    };
  }
  return readFailure(point, answer) ?? { health: 'ok', detail: '' };
}

/** What the must-list point's answer says about the zone. */
function readListed(point: string, answer: Classification, response: DnsResponse): Finding {
  if (answer.status === 'listed') return { health: 'ok', detail: '' };
  const failure = readFailure(point, answer);
  if (failure) return failure;
  if (answer.codes.length > 0) {
    const codes = answer.codes.join(', ');
    return {
      health: 'no-test-point',
      detail: `must-list test point ${point} answered ${codes}, not a listing`,
      symptom: { key: `codes ${codes}`, label: `${codes} for a must-list test point` },
    };
  }
  // Clean by NXDOMAIN or by NOERROR without an address: say which, it tells a filtering resolver apart.
  const rcode = response.kind === 'answer' && response.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'no address';
  return {
    health: 'no-test-point',
    detail: `must-list test point ${point} is not listed (${rcode})`,
    symptom: { key: rcode, label: rcode },
  };
}

function readFailure(point: string, answer: Classification): Finding | undefined {
  const detail = `test point ${point}: ${answer.detail}`;
  switch (answer.reason) {
    case 'refused':
      return { health: 'refused', detail, symptom: { key: 'REFUSED', label: 'REFUSED' } };
    case 'error-code': {
      const at = answer.classes.indexOf('error');
      const code = answer.codes[at] ?? '';
      const meaning = (answer.meanings[at] ?? '').replace(/^error: /, '');
      return {
        health: 'refused',
        detail,
        symptom: { key: `error-code ${code}`, label: `${code}: ${meaning}` },
      };
    }
    case 'timeout':
      return { health: 'unreachable', detail, symptom: { key: 'timeout', label: 'no reply (timeout)' } };
    case 'servfail':
      return { health: 'unreachable', detail, symptom: { key: 'SERVFAIL', label: 'SERVFAIL' } };
    case 'dns-error':
      return {
        health: 'unreachable',
        detail,
        symptom: { key: 'dns-error', label: `an error (${answer.detail ?? 'unreadable reply'})` },
      };
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
export async function probeZoneHealth(zone: Zone, resolver: DnsResolver): Promise<ZoneProbeEvidence> {
  if (zone.testPoints === false) {
    return {
      report: {
        zone: zone.zone,
        health: 'untested',
        detail: 'the catalog says this list has no test points',
      },
      tested: false,
      replied: false,
      servers: [],
    };
  }
  const family = testFamilyOf(zone.kind);
  const { listed, unlisted } = zone.testPoints;
  const [listedAnswer, unlistedAnswer] = await Promise.all([
    resolver.query(buildQueryName(family, listed, zone.queryHost), 'A'),
    resolver.query(buildQueryName(family, unlisted, zone.queryHost), 'A'),
  ]);
  const servers = [listedAnswer, unlistedAnswer].flatMap((r) => (r.kind === 'answer' ? [r.server] : []));
  const findings = [
    readUnlisted(unlisted, classifyAnswer(unlistedAnswer, zone)),
    readListed(listed, classifyAnswer(listedAnswer, zone), listedAnswer),
  ];
  const finding = precedence
    .map((health) => findings.find((f) => f.health === health))
    .find((f) => f !== undefined);
  const health = finding?.health ?? 'ok';
  return {
    report: {
      zone: zone.zone,
      health,
      detail: finding?.detail || `lists ${listed}, does not list ${unlisted}`,
    },
    tested: true,
    replied: servers.length > 0,
    servers: [...new Set(servers)],
    ...(health !== 'ok' && finding?.symptom ? { symptom: finding.symptom } : {}),
  };
}

/** Whether a zone's answers may be used at all in a run (refusing and unreachable zones are skipped). */
export function isQueryable(health: ZoneHealth): boolean {
  return health !== 'refused' && health !== 'unreachable';
}
