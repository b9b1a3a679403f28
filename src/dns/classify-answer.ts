import type { CheckStatus, UnknownReason } from '../domain/check-result.ts';
import type { CodeClass, Zone, ZoneCode } from '../domain/zone.ts';
import { type DnsResponse, recordValues } from './dns-resolver.ts';

/** What one A-query answer means on one zone, before zone health is applied. */
export interface Classification {
  readonly status: CheckStatus;
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly classes: readonly CodeClass[];
  readonly reason?: UnknownReason;
  readonly detail?: string;
}

/**
 * Reserved error range used by Spamhaus and Validity: never a listing, on any zone.
 * @see https://www.spamhaus.org/news/article/788
 */
const errorRangeMeanings: Readonly<Record<string, string>> = {
  '127.255.255.250': 'error: DQS key disabled',
  '127.255.255.251': 'error: DQS key rejected',
  '127.255.255.252': 'error: typo in the DNSBL zone name',
  '127.255.255.254': 'error: query via a public or open resolver, or unattributable reverse DNS',
  '127.255.255.255': 'error: excessive number of queries',
};

const isLoopbackNet = (code: string): boolean => code.startsWith('127.');

/** Read one returned address against the zone's rules. `undefined` means "not in the code table". */
function readCode(zone: Zone, code: string): ZoneCode | 'outside' | undefined {
  if (!isLoopbackNet(code)) return 'outside';
  const table = zone.codes;
  const declared = table?.[code];
  if (declared) return declared;
  if (code.startsWith('127.255.255.')) {
    return {
      class: 'error',
      meaning: errorRangeMeanings[code] ?? 'error: reserved error range 127.255.255.0/24',
    };
  }
  // 127.0.0.1 is the RFC 5782 must-not-list point and the answer some lists give to refused queries.
  if (code === '127.0.0.1') return undefined;
  if (!table) return { class: 'listed', meaning: 'listed' };
  if (zone.bitmask && code.startsWith('127.0.0.')) return readBitmask(table, Number(code.slice(8)));
  return undefined;
}

/** SURBL/URIBL style: each set bit of the last octet is one sub-list. */
function readBitmask(table: Readonly<Record<string, ZoneCode>>, bits: number): ZoneCode | undefined {
  const parts: ZoneCode[] = [];
  for (let bit = 1; bit <= 128; bit <<= 1) {
    if ((bits & bit) === 0) continue;
    const part = table[`127.0.0.${bit}`];
    if (!part) return undefined;
    parts.push(part);
  }
  if (parts.length === 0) return undefined;
  const cls: CodeClass = parts.some((p) => p.class === 'error')
    ? 'error'
    : parts.some((p) => p.class === 'listed')
      ? 'listed'
      : (parts[0]?.class ?? 'info');
  return { class: cls, meaning: parts.map((p) => p.meaning).join(' + ') };
}

function unknown(reason: UnknownReason, detail: string, codes: readonly string[] = []): Classification {
  return { status: 'unknown', reason, detail, codes, meanings: [], classes: [] };
}

/**
 * Classify a DNSBL A-query answer (RFC 5782 §2.1, §5):
 * - NXDOMAIN, or NOERROR without an A record: `clean`.
 * - SERVFAIL, REFUSED, other rcodes, timeouts and errors: `unknown`, never clean.
 * - A records: each must be in 127.0.0.0/8 and, with a code table, in the table; 127.0.0.1 and answers outside
 *   127/8 are `bad-answer` (a resolver rewriting NXDOMAIN, a sinkhole, a refused query); any `error`-class code
 *   makes the result `unknown` (`error-code`); otherwise any `listed` code makes it `listed`, and `allow`/`info`
 *   codes alone leave it `clean` with the codes kept.
 */
export function classifyAnswer(response: DnsResponse, zone: Zone): Classification {
  if (response.kind === 'timeout') {
    return unknown(
      'timeout',
      `no reply after ${response.attempts} attempt${response.attempts === 1 ? '' : 's'}`,
    );
  }
  if (response.kind === 'error') return unknown('dns-error', response.message);
  switch (response.rcode) {
    case 'NXDOMAIN':
      return { status: 'clean', codes: [], meanings: [], classes: [] };
    case 'SERVFAIL':
      return unknown('servfail', `SERVFAIL from ${response.server}`);
    case 'REFUSED':
      return unknown('refused', `REFUSED by ${response.server}`);
    case 'NOERROR':
      break;
    default:
      return unknown('dns-error', `${response.rcode} from ${response.server}`);
  }
  const codes = [...new Set(recordValues(response, 'A'))];
  if (codes.length === 0) return { status: 'clean', codes: [], meanings: [], classes: [] };

  const meanings: string[] = [];
  const classes: CodeClass[] = [];
  for (const code of codes) {
    const read = readCode(zone, code);
    if (read === 'outside') {
      return unknown(
        'bad-answer',
        `answer ${code} is outside 127.0.0.0/8 (a resolver rewriting answers?)`,
        codes,
      );
    }
    if (read === undefined) {
      const why =
        code === '127.0.0.1'
          ? 'answer 127.0.0.1 is never a listing'
          : `answer ${code} is not in the zone's code table`;
      return unknown('bad-answer', why, codes);
    }
    meanings.push(read.meaning);
    classes.push(read.class);
  }
  const errorAt = classes.indexOf('error');
  if (errorAt !== -1) {
    return {
      status: 'unknown',
      reason: 'error-code',
      detail: `${codes[errorAt]}: ${meanings[errorAt]}`,
      codes,
      meanings,
      classes,
    };
  }
  const status: CheckStatus = classes.includes('listed') ? 'listed' : 'clean';
  return { status, codes, meanings, classes };
}
