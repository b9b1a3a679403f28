import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../../src/dns/classify-answer.ts';
import { testFamilyOf } from '../../../src/domain/zone.ts';
import { builtinZones } from '../../../src/zones/builtin-zones.ts';
import { buildCatalog } from '../../../src/zones/catalog.ts';
import {
  checkDelistTemplate,
  isValidZoneName,
  zoneEntrySchema,
} from '../../../src/zones/zone-file-schema.ts';

/**
 * DNSBL-FACTS §1.6: dead, wildcarding, hijacked or fake lists. A zone listed here lists either nothing or the whole
 * internet; shipping one as a default pages every user at once. Family entries match by suffix.
 */
const deadZones = [
  'ix.dnsbl.manitu.net',
  'dnsbl.cyberlogic.net',
  'bl.spamcannibal.org',
  'spamtrap.drbl.drand.net',
  'spam.dnsbl.anonmails.de',
  'dnsbl.madavi.de',
  'dnsbl.darklist.de',
  'list.bbfh.org',
  'dul.pacifier.net',
  'tr.countries.nerd.dk',
  'dnsbl.inps.de',
  'dynip.rothen.com',
  'db.wpbl.info',
  'virbl.bit.nl',
  'wormrbl.imp.ch',
  'spam.abuse.ch',
  'bl.emailbasura.org',
  'relays.bl.kundenserver.de',
  'dul.ru',
  'cidr.bl.mcafee.com',
  'bad.psky.me',
];
const deadFamilies = [
  'sorbs.net', // *.dnsbl.sorbs.net, decommissioned 2024-06-05
  'ahbl.org', // dnsbl/rhsbl/ircbl, wildcard-lists everything since 2015
  'msrbl.net',
  'sectoor.de', // tor.dnsbl.sectoor.de family, parked
  'bondedsender.org',
  'nszones.com', // bl/dyn/sbl, fake per Spamhaus
  'psky.me',
  'spamrl.com',
];
/** Redundant with ZEN (DNSBL-FACTS §1.3): querying them as well multiplies queries for no extra data. */
const redundantZones = [
  'cbl.abuseat.org',
  'sbl.spamhaus.org',
  'xbl.spamhaus.org',
  'pbl.spamhaus.org',
  'sbl-xbl.spamhaus.org',
];

function spec(zone: string) {
  const found = builtinZones.find((entry) => entry.zone === zone);
  if (found === undefined) throw new Error(`${zone} is not in the built-in catalog`);
  return found;
}

describe('built-in zone catalog', () => {
  it('is a curated set of roughly two dozen zones', () => {
    expect(builtinZones.length).toBeGreaterThanOrEqual(20);
    expect(builtinZones.length).toBeLessThanOrEqual(30);
  });

  it('passes the zone-file schema unchanged when round-tripped through a file', () => {
    for (const entry of builtinZones) {
      const asFile: unknown = JSON.parse(JSON.stringify(entry));
      const result = zoneEntrySchema.safeParse(asFile);

      expect(result.error?.issues, entry.zone).toBeUndefined();
      expect(result.data, entry.zone).toEqual(entry);
    }
  });

  it('has unique, lowercase, valid zone names', () => {
    const names = builtinZones.map((entry) => entry.zone);

    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name, name).toBe(name.toLowerCase());
      expect(isValidZoneName(name), name).toBe(true);
    }
  });

  it('contains no dead, wildcarding or fake zone (DNSBL-FACTS §1.6) and nothing redundant with ZEN', () => {
    for (const { zone } of builtinZones) {
      expect(deadZones, zone).not.toContain(zone);
      expect(redundantZones, zone).not.toContain(zone);
      for (const family of deadFamilies) {
        expect(zone === family || zone.endsWith(`.${family}`), `${zone} belongs to ${family}`).toBe(false);
      }
    }
  });

  it('only uses answer codes in 127.0.0.0/8', () => {
    for (const { zone, codes } of builtinZones) {
      for (const address of Object.keys(codes ?? {})) {
        expect(isIPv4(address) && address.startsWith('127.'), `${zone}: ${address}`).toBe(true);
      }
    }
  });

  it('has test points of the right family for every IP zone', () => {
    for (const { zone, kind, testPoints } of builtinZones) {
      if (testPoints === false || kind === 'domain') continue;
      const parses = testFamilyOf(kind) === 'ip6' ? isIPv6 : isIPv4;

      expect(parses(testPoints.listed), `${zone} listed`).toBe(true);
      expect(parses(testPoints.unlisted), `${zone} unlisted`).toBe(true);
    }
  });

  it('has well-formed delist templates', () => {
    for (const { zone, delist } of builtinZones) {
      if (delist === undefined) continue;
      expect(checkDelistTemplate(delist), zone).toBeUndefined();
      expect(delist.startsWith('https://'), zone).toBe(true);
    }
  });

  it('uses DQS only on Spamhaus zones, and bitmasks only with single-bit codes', () => {
    for (const entry of builtinZones) {
      if (entry.dqs !== undefined) expect(entry.operator, entry.zone).toBe('Spamhaus');
      if (entry.needsKey === true) expect(entry.dqs, entry.zone).toBeDefined();
      if (entry.bitmask === true) {
        expect(entry.codes, entry.zone).toBeDefined();
        for (const address of Object.keys(entry.codes ?? {})) {
          expect(address, entry.zone).toMatch(/^127\.0\.0\.(1|2|4|8|16|32|64|128)$/);
        }
      }
    }
  });

  it('reads Spamhaus refusals as errors, never as listings', () => {
    for (const zone of ['zen.spamhaus.org', 'dbl.spamhaus.org', 'zrd.dq.spamhaus.net']) {
      const codes = spec(zone).codes ?? {};
      for (const address of ['127.255.255.252', '127.255.255.254', '127.255.255.255', '127.255.255.250']) {
        expect(codes[address]?.class, `${zone} ${address}`).toBe('error');
      }
    }
    expect(spec('dbl.spamhaus.org').codes?.['127.0.1.255']?.class).toBe('error');
  });

  it('carries the ZEN table, PBL included as a listing', () => {
    const codes = spec('zen.spamhaus.org').codes ?? {};

    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.9', '127.0.0.10', '127.0.0.11']) {
      expect(codes[address]?.class, address).toBe('listed');
    }
    expect(codes['127.0.0.10']?.meaning).toContain('PBL');
    expect(spec('zen.spamhaus.org').severity).toBe('critical');
  });

  it('encodes the special cases DNSBL-FACTS calls out', () => {
    expect(spec('dbl.spamhaus.org').testPoints).toEqual({ listed: 'dbltest.com', unlisted: 'invalid' });
    expect(spec('zrd.dq.spamhaus.net')).toMatchObject({ needsKey: true, dqs: 'zrd' });
    expect(spec('b.barracudacentral.org').needsRegistration).toBe(true);
    // SpamRATS answers its own codes and has no 127.0.0.2 test entry.
    expect(spec('spam.spamrats.com')).toMatchObject({
      testPoints: false,
      codes: { '127.0.0.38': { class: 'listed' } },
    });
    expect(spec('dyna.spamrats.com').codes?.['127.0.0.36']?.class).toBe('listed');
    expect(spec('noptr.spamrats.com').codes?.['127.0.0.37']?.class).toBe('listed');
    // UCEPROTECT: L2 and L3 are not about the address itself.
    expect(spec('dnsbl-1.uceprotect.net')).toMatchObject({ scope: 'ip', severity: 'minor' });
    expect(spec('dnsbl-2.uceprotect.net').scope).toBe('range');
    expect(spec('dnsbl-3.uceprotect.net')).toMatchObject({ scope: 'network', severity: 'info' });
    // URIBL 127.0.0.1 and SURBL bit 1 are refusals.
    expect(spec('multi.uribl.com')).toMatchObject({
      bitmask: true,
      codes: { '127.0.0.1': { class: 'error' } },
    });
    expect(spec('multi.surbl.org')).toMatchObject({
      bitmask: true,
      codes: { '127.0.0.1': { class: 'error' } },
    });
    // Mailspike reputation is a scale: only the worst grades are listings, the best are allow answers.
    const rep = spec('rep.mailspike.net').codes ?? {};
    expect([rep['127.0.0.10']?.class, rep['127.0.0.14']?.class, rep['127.0.0.20']?.class]).toEqual([
      'listed',
      'info',
      'allow',
    ]);
    expect(spec('bl.ipv6.spameatingmonkey.net').kind).toBe('ip6');
  });

  it('marks the lists without RFC 5782 test entries untested (DNSBL-FACTS §1.1), and only those', () => {
    // Probing these would fail every run, and a list failing its must-list point has its clean answers discarded.
    const untested = builtinZones.filter((zone) => zone.testPoints === false).map((zone) => zone.zone);
    expect(untested.sort()).toEqual(
      [
        'dnsrbl.swinog.ch',
        'dyna.spamrats.com',
        'noptr.spamrats.com',
        'rep.mailspike.net',
        'spam.spamrats.com',
        'zrd.dq.spamhaus.net',
      ].sort(),
    );
  });

  it("reads every tested list's documented must-list answer as a listing, so a healthy list probes ok", () => {
    // What each list answers for its must-list test point, where it is not 127.0.0.2 (DNSBL-FACTS §1.3, §1.4):
    // an answer the zone's code table did not read as `listed` would mark the list no-test-point on every run.
    const testAnswers: Record<string, readonly string[]> = {
      'zen.spamhaus.org': ['127.0.0.2', '127.0.0.4', '127.0.0.10'],
      'dbl.spamhaus.org': ['127.0.1.2'],
      'multi.surbl.org': ['127.0.0.126'],
      'multi.uribl.com': ['127.0.0.14'],
    };
    for (const zone of buildCatalog(builtinZones).zones) {
      if (zone.testPoints === false) continue;
      const answers = testAnswers[zone.zone] ?? ['127.0.0.2'];
      const response = {
        kind: 'answer' as const,
        rcode: 'NOERROR',
        server: 'test',
        records: answers.map((value) => ({ name: 'test', type: 'A' as const, ttl: 1, value })),
      };
      expect(classifyAnswer(response, zone).status, zone.zone).toBe('listed');
    }
  });

  it('builds into a catalog with and without a DQS key', () => {
    const withoutKey = buildCatalog(builtinZones);
    const withKey = buildCatalog(builtinZones, { dqsKey: 'a'.repeat(26) });

    expect(withoutKey.get('zrd.dq.spamhaus.net')).toBeUndefined();
    expect(withoutKey.zones).toHaveLength(builtinZones.length - 1);
    expect(withKey.zones).toHaveLength(builtinZones.length);
    expect(withKey.get('dbl.spamhaus.org')?.queryHost).toBe(`${'a'.repeat(26)}.dbl.dq.spamhaus.net`);
  });
});
