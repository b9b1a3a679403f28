/**
 * The curated default zone set. Every entry is a list that showed evidence of operation in 2024–26
 * (DNSBL-FACTS §1.7); dead, wildcarding and fake lists (§1.6) are deliberately absent, and so are lists whose data
 * another entry already returns (sbl/xbl/pbl and cbl.abuseat.org are subsets of ZEN, §1.3).
 *
 * Code tables matter: when `codes` is present, any answer not in it is reported as `unknown`, so a table is only
 * given where the operator's codes are documented. Lists known to answer only 127.0.0.2 but without a published
 * table leave `codes` out, so any 127.0.0.0/8 answer other than 127.0.0.1 and 127.255.255.0/24 counts as listed.
 *
 * Test points gate every run: a zone whose must-list point does not come back `listed` through its own code table
 * cannot vouch for a clean answer, so its clean results become `unknown`. A list without RFC 5782 test entries
 * (SpamRATS, SWINOG, the reputation and ZRD zones, DNSBL-FACTS §1.1) must therefore say `testPoints: false`, and a
 * list whose test entry answers an unusual code (bl.suomispam.net answers 127.0.0.99) needs that code in its table.
 *
 * Severity is how much a listing on the zone hurts mail delivery, not how trustworthy the list is:
 * - critical: Spamhaus ZEN and DBL, consulted by most large receivers.
 * - major: lists in common MTA and filter defaults (Barracuda, SpamCop, PSBL, Mailspike, SURBL, URIBL).
 * - minor: smaller or niche lists, and controversial ones whose listings are still specific to the address.
 * - info: listings that are not about the address or domain itself, or are not blocks at all.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5782
 */
import {
  defaultTestPoints,
  type TestPoints,
  testFamilyOf,
  type ZoneCode,
  type ZoneKind,
} from '../domain/zone.ts';
import type { ZoneSpec } from './zone-spec.ts';

type CodeTable = Readonly<Record<string, ZoneCode>>;

/** RFC 5782 §5 default test points for a zone kind. */
function rfcTestPoints(kind: ZoneKind): TestPoints {
  return defaultTestPoints[testFamilyOf(kind)];
}

/**
 * Answers Spamhaus gives on every zone when it refuses to answer (DNSBL-FACTS §1.3). None is a listing; each makes
 * the check `unknown`. The .250/.251 pair is how third-party code maps the "invalid DQS key" codes that Spamhaus's
 * zone table mentions without naming.
 */
const spamhausErrorCodes = {
  '127.255.255.250': { class: 'error', meaning: 'Spamhaus DQS: the key is disabled' },
  '127.255.255.251': {
    class: 'error',
    meaning: 'Spamhaus DQS: the key was rejected (invalid or in use elsewhere)',
  },
  '127.255.255.252': { class: 'error', meaning: 'Spamhaus: typing error in the DNSBL zone name' },
  '127.255.255.254': {
    class: 'error',
    meaning:
      'Spamhaus: query came through a public/open resolver or from unattributable rDNS; use your own resolver or a DQS key',
  },
  '127.255.255.255': { class: 'error', meaning: 'Spamhaus: excessive number of queries from this resolver' },
} as const satisfies CodeTable;

/** Spamhaus ZRD: the last octet is the age bucket, in hours, since the domain was first seen (2–24). */
const zrdAgeCodes: CodeTable = Object.fromEntries(
  Array.from({ length: 23 }, (_, i) => i + 2).map((hours): [string, ZoneCode] => [
    `127.0.2.${hours}`,
    { class: 'info', meaning: `ZRD: newly observed domain, first seen within about ${hours} hours` },
  ]),
);

/** Mailspike reputation scale shared by bl.mailspike.net and rep.mailspike.net (DNSBL-FACTS §1.4). */
const mailspikeBadReputation = {
  '127.0.0.10': { class: 'listed', meaning: 'Mailspike: worst possible reputation' },
  '127.0.0.11': { class: 'listed', meaning: 'Mailspike: very bad reputation' },
  '127.0.0.12': { class: 'listed', meaning: 'Mailspike: bad reputation' },
} as const satisfies CodeTable;

export const builtinZones: readonly ZoneSpec[] = [
  // ---------------------------------------------------------------- Spamhaus (critical; DQS-capable)
  {
    zone: 'zen.spamhaus.org',
    name: 'Spamhaus ZEN',
    operator: 'Spamhaus',
    kind: 'ip',
    severity: 'critical',
    scope: 'ip',
    // ZEN is the union of SBL, XBL and PBL and returns one A record per sub-list (DNSBL-FACTS §1.2, §1.3).
    codes: {
      '127.0.0.2': { class: 'listed', meaning: 'SBL: direct spam source, spam operation or spam service' },
      '127.0.0.3': {
        class: 'listed',
        meaning: 'SBL CSS: low-reputation (snowshoe) spam source detected automatically',
      },
      '127.0.0.4': { class: 'listed', meaning: 'XBL: exploited host (malware, botnet, open proxy)' },
      // .5–.7 are documented as unused; other clients (rspamd, Haraka) still read them as XBL, so do we.
      '127.0.0.5': { class: 'listed', meaning: 'XBL: exploited host (reserved code)' },
      '127.0.0.6': { class: 'listed', meaning: 'XBL: exploited host (reserved code)' },
      '127.0.0.7': { class: 'listed', meaning: 'XBL: exploited host (reserved code)' },
      '127.0.0.9': {
        class: 'listed',
        meaning: 'SBL DROP/EDROP: hijacked or criminal network (always with SBL)',
      },
      // PBL is a policy list, not an abuse listing, but receivers reject on it just the same: it stays `listed`
      // and the zone stays critical; the meaning tells the operator what to do about it.
      '127.0.0.10': {
        class: 'listed',
        meaning:
          'PBL (ISP-maintained): end-user range, should not send direct mail; use a smarthost or delist',
      },
      '127.0.0.11': {
        class: 'listed',
        meaning:
          'PBL (Spamhaus-maintained): end-user range, should not send direct mail; use a smarthost or delist',
      },
      // Newer Spamhaus documentation lists a BCL code under SBL (DNSBL-FACTS §1.3).
      '127.0.0.30': { class: 'listed', meaning: 'SBL BCL: botnet command-and-controller' },
      ...spamhausErrorCodes,
    },
    delist: 'https://check.spamhaus.org/results/?query={target}',
    notes:
      'Spamhaus answers public resolvers (Google, Cloudflare, ...) with 127.255.255.254 or NXDOMAIN: query through ' +
      'your own recursive resolver or configure a DQS key. Free use is limited to non-commercial, low-volume users.',
    dqs: 'zen',
    testPoints: rfcTestPoints('ip'),
  },
  {
    zone: 'dbl.spamhaus.org',
    name: 'Spamhaus DBL',
    operator: 'Spamhaus',
    kind: 'domain',
    severity: 'critical',
    scope: 'domain',
    codes: {
      '127.0.1.2': { class: 'listed', meaning: 'DBL: spam domain' },
      '127.0.1.3': { class: 'listed', meaning: 'DBL: spammed redirector domain (legacy code)' },
      '127.0.1.4': { class: 'listed', meaning: 'DBL: phishing domain' },
      '127.0.1.5': { class: 'listed', meaning: 'DBL: malware domain' },
      '127.0.1.6': { class: 'listed', meaning: 'DBL: botnet command-and-control domain' },
      '127.0.1.102': { class: 'listed', meaning: 'DBL: abused legitimate domain used for spam' },
      '127.0.1.103': { class: 'listed', meaning: 'DBL: abused legitimate spammed redirector' },
      '127.0.1.104': { class: 'listed', meaning: 'DBL: abused legitimate domain used for phishing' },
      '127.0.1.105': { class: 'listed', meaning: 'DBL: abused legitimate domain used for malware' },
      '127.0.1.106': { class: 'listed', meaning: 'DBL: abused legitimate domain used for botnet C&C' },
      '127.0.1.255': { class: 'error', meaning: 'DBL: IP queried against a domain list' },
      ...spamhausErrorCodes,
    },
    delist: 'https://check.spamhaus.org/results/?query={target}',
    notes: 'Wildcarded: host labels are ignored, so query the domain itself. Never send IP addresses here.',
    dqs: 'dbl',
    // DBL's documented test entry is dbltest.com (answers 127.0.1.2), not the RFC 5782 `test` name.
    testPoints: { listed: 'dbltest.com', unlisted: 'invalid' },
  },
  {
    // ZRD exists only behind DQS, so the zone name is the DQS suffix without the key.
    zone: 'zrd.dq.spamhaus.net',
    name: 'Spamhaus ZRD (Zero Reputation Domain)',
    operator: 'Spamhaus',
    kind: 'domain',
    // A young domain is a reputation signal, not a block: every answer is `info`.
    severity: 'info',
    scope: 'domain',
    codes: {
      ...zrdAgeCodes,
      '127.0.2.255': { class: 'error', meaning: 'ZRD: IP queried against a domain list' },
      ...spamhausErrorCodes,
    },
    notes: 'DQS only: lists domains first seen in the last 24 hours; the answer gives the age in hours.',
    needsKey: true,
    dqs: 'zrd',
    // No documented test entry, and its answers are never `listed`, so an RFC 5782 probe could not pass.
    testPoints: false,
  },

  // ---------------------------------------------------------------- Major IP lists
  {
    zone: 'b.barracudacentral.org',
    name: 'Barracuda Reputation Block List',
    operator: 'Barracuda Networks',
    kind: 'ip4',
    severity: 'major',
    scope: 'ip',
    // The lookup page takes no IP in its URL; the removal form is the actionable page.
    delist: 'https://www.barracudacentral.org/rbl/removal-request',
    notes: 'Free, but only answers resolvers whose IP address is registered at barracudacentral.org (§1.4).',
    needsRegistration: true,
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'bl.spamcop.net',
    name: 'SpamCop Blocking List',
    operator: 'SpamCop (Cisco)',
    // Haraka marks SpamCop IPv6-capable, but that is unconfirmed; IPv4 only until verified (§1.7).
    kind: 'ip4',
    severity: 'major',
    scope: 'ip',
    delist: 'https://www.spamcop.net/w3m?action=checkblock&ip={target}',
    notes:
      'Listings expire automatically once reports stop. On 2021-01-31 it listed nearly everything for hours ' +
      '(§1.6): the test points and the mass-listing guard exist for that.',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'psbl.surriel.com',
    name: 'Passive Spam Block List',
    operator: 'PSBL',
    kind: 'ip4',
    severity: 'major',
    scope: 'ip',
    delist: 'https://psbl.org/listing?ip={target}',
    notes:
      'Its name servers have disagreed with each other (2026-08, §1.5): confirm a listing over several checks.',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'bl.mailspike.net',
    name: 'Mailspike Blacklist',
    operator: 'Mailspike',
    kind: 'ip4',
    severity: 'major',
    scope: 'ip',
    // Code table as in rspamd's default configuration (DNSBL-FACTS §1.7).
    codes: {
      '127.0.0.2': { class: 'listed', meaning: 'Mailspike: zombie / compromised host' },
      ...mailspikeBadReputation,
    },
    delist: 'https://mailspike.io/ip_verify',
    testPoints: rfcTestPoints('ip4'),
  },

  // ---------------------------------------------------------------- Smaller IP lists (minor)
  {
    zone: 'all.s5h.net',
    name: 'S5H All',
    operator: 'S5H',
    kind: 'ip',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://www.usenix.org.uk/content/rbl.html',
    testPoints: rfcTestPoints('ip'),
  },
  {
    zone: 'bl.spameatingmonkey.net',
    name: 'SpamEatingMonkey BL',
    operator: 'SpamEatingMonkey',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://spameatingmonkey.com/',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'bl.ipv6.spameatingmonkey.net',
    name: 'SpamEatingMonkey BL IPv6',
    operator: 'SpamEatingMonkey',
    kind: 'ip6',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://spameatingmonkey.com/',
    testPoints: rfcTestPoints('ip6'),
  },
  {
    zone: 'dnsbl.dronebl.org',
    name: 'DroneBL',
    operator: 'DroneBL',
    kind: 'ip',
    // Lists drones, open proxies and attack sources; aimed at IRC and abuse more than mail filtering.
    severity: 'minor',
    scope: 'ip',
    // DroneBL answers many category codes (3-255); without a verified table, any 127/8 answer is a listing.
    delist: 'https://dronebl.org/lookup?ip={target}',
    testPoints: rfcTestPoints('ip'),
  },
  {
    zone: 'truncate.gbudb.net',
    name: 'GBUdb Truncate',
    operator: 'GBUdb',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://www.gbudb.com/truncate/how-ips-are-removed.jsp',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'bl.blocklist.de',
    name: 'blocklist.de',
    operator: 'blocklist.de',
    kind: 'ip',
    // Built from attack reports (SSH, mail, web brute force), not from spam traps.
    severity: 'minor',
    scope: 'ip',
    delist: 'https://www.blocklist.de/en/delist.html?ip={target}',
    testPoints: rfcTestPoints('ip'),
  },
  {
    zone: 'rbl.interserver.net',
    name: 'InterServer RBL',
    operator: 'InterServer / MailBaby',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://rbl.interserver.net/usage.php',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'ubl.unsubscore.com',
    name: 'LashBack UBL',
    operator: 'LashBack',
    kind: 'ip4',
    // Lists senders that abuse unsubscribe requests; niche, so minor.
    severity: 'minor',
    scope: 'ip',
    delist: 'https://blacklist.lashback.com/',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'bl.0spam.org',
    name: '0spam BL',
    operator: '0spam',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://0spam.org/',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'dnsrbl.swinog.ch',
    name: 'SWINOG DNSRBL',
    operator: 'ImproWare',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    delist: 'https://antispam.imp.ch/',
    notes: 'Successor of spamrbl.imp.ch.',
    // checkmk records swinog among the lists without a 127.0.0.2 entry (DNSBL-FACTS §1.1).
    testPoints: false,
  },

  // ---------------------------------------------------------------- SpamRATS (no RFC 5782 test entries)
  {
    zone: 'spam.spamrats.com',
    name: 'SpamRATS Spam',
    operator: 'SpamRATS',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    codes: { '127.0.0.38': { class: 'listed', meaning: 'RATS-Spam: address seen sending spam' } },
    delist: 'https://www.spamrats.com/lookup.php?ip={target}',
    // SpamRATS has no 127.0.0.2 test entry (DNSBL-FACTS §1.1, §1.7).
    testPoints: false,
  },
  {
    zone: 'dyna.spamrats.com',
    name: 'SpamRATS Dyna',
    operator: 'SpamRATS',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    codes: {
      '127.0.0.36': {
        class: 'listed',
        meaning: 'RATS-Dyna: reverse DNS looks like a dynamic or end-user address',
      },
    },
    delist: 'https://www.spamrats.com/lookup.php?ip={target}',
    notes: 'A policy listing: fix the PTR record to name the mail server, then request removal.',
    testPoints: false,
  },
  {
    zone: 'noptr.spamrats.com',
    name: 'SpamRATS NoPtr',
    operator: 'SpamRATS',
    kind: 'ip4',
    severity: 'minor',
    scope: 'ip',
    codes: {
      '127.0.0.37': { class: 'listed', meaning: 'RATS-NoPtr: address has no reverse DNS (PTR) record' },
    },
    delist: 'https://www.spamrats.com/lookup.php?ip={target}',
    notes: 'A policy listing: add a PTR record, then request removal.',
    testPoints: false,
  },

  // ---------------------------------------------------------------- UCEPROTECT (controversial, §1.4)
  {
    zone: 'dnsbl-1.uceprotect.net',
    name: 'UCEPROTECT Level 1',
    operator: 'UCEPROTECT',
    kind: 'ip4',
    // Address-specific but controversial (paid express delisting; many projects dropped it): minor.
    severity: 'minor',
    scope: 'ip',
    delist: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}',
    notes: 'Express delisting is paid, which is much of why many projects dropped UCEPROTECT (§1.4).',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'dnsbl-2.uceprotect.net',
    name: 'UCEPROTECT Level 2',
    operator: 'UCEPROTECT',
    kind: 'ip4',
    // Lists the surrounding allocation because of neighbours' traffic: not evidence against this address.
    severity: 'info',
    scope: 'range',
    delist: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}',
    notes:
      'Level 2 lists a whole allocation when several of its addresses are on Level 1; the listing is about the ' +
      'range, not this address. Only the network operator can act on it.',
    testPoints: rfcTestPoints('ip4'),
  },
  {
    zone: 'dnsbl-3.uceprotect.net',
    name: 'UCEPROTECT Level 3',
    operator: 'UCEPROTECT',
    kind: 'ip4',
    severity: 'info',
    scope: 'network',
    delist: 'https://www.uceprotect.net/en/rblcheck.php?ipr={target}',
    notes:
      'Level 3 lists an entire ASN (the TXT record names it): a hit says nothing about this address and is not ' +
      'actionable by the IP owner; only the network (ASN) operator can act on it.',
    testPoints: rfcTestPoints('ip4'),
  },

  // ---------------------------------------------------------------- Domain (URI) lists
  {
    zone: 'multi.surbl.org',
    name: 'SURBL multi',
    operator: 'SURBL',
    kind: 'domain',
    severity: 'major',
    scope: 'domain',
    bitmask: true,
    // Bit values per rspamd's configuration and DNSBL-FACTS §1.4. The test entry has answered 127.0.0.126 and
    // 127.0.0.254, which also set bits 2, 4 and 32: those are kept as `info` so the probe is not a bad answer.
    codes: {
      '127.0.0.1': { class: 'error', meaning: 'SURBL: access blocked (query volume or resolver refused)' },
      '127.0.0.2': { class: 'info', meaning: 'SURBL: legacy bit 2 (retired list; set on test entries)' },
      '127.0.0.4': {
        class: 'info',
        meaning: 'SURBL: auxiliary bit 4 (not a block list; set on test entries)',
      },
      '127.0.0.8': { class: 'listed', meaning: 'SURBL PH: phishing site' },
      '127.0.0.16': { class: 'listed', meaning: 'SURBL MW: malware site' },
      '127.0.0.32': {
        class: 'info',
        meaning: 'SURBL: auxiliary bit 32 (not a block list; set on test entries)',
      },
      '127.0.0.64': { class: 'listed', meaning: 'SURBL ABUSE: spam or abuse domain' },
      '127.0.0.128': { class: 'listed', meaning: 'SURBL CR: cracked (compromised) site' },
    },
    delist: 'https://www.surbl.org/lists',
    notes: 'Free use is limited to small volumes by the SURBL usage policy; larger users need a data feed.',
    testPoints: { listed: 'test.surbl.org', unlisted: 'invalid' },
  },
  {
    zone: 'multi.uribl.com',
    name: 'URIBL multi',
    operator: 'URIBL',
    kind: 'domain',
    severity: 'major',
    scope: 'domain',
    bitmask: true,
    codes: {
      // 127.0.0.1 (bit 1) is a refusal: public or high-volume resolver, and the TXT shows the resolver's IP.
      '127.0.0.1': { class: 'error', meaning: 'URIBL: query refused (public or high-volume resolver)' },
      '127.0.0.2': { class: 'listed', meaning: 'URIBL black: domain seen in spam' },
      '127.0.0.4': { class: 'listed', meaning: 'URIBL grey: bulk sender domain, may be legitimate' },
      '127.0.0.8': { class: 'listed', meaning: 'URIBL red: domain seen in new spam, under review' },
    },
    delist: 'https://www.uribl.com/',
    // URIBL's documented test entry; it answers 127.0.0.14 (black, grey and red).
    testPoints: { listed: 'test.uribl.com', unlisted: 'invalid' },
  },
  {
    zone: 'uribl.spameatingmonkey.net',
    name: 'SpamEatingMonkey URIBL',
    operator: 'SpamEatingMonkey',
    kind: 'domain',
    severity: 'minor',
    scope: 'domain',
    delist: 'https://spameatingmonkey.com/',
    // SEM's FAQ: URI lists always list `_DNSBL_.test` and never `_DNSBLNEG_.test`.
    testPoints: { listed: '_DNSBL_.test', unlisted: '_DNSBLNEG_.test' },
  },

  // ---------------------------------------------------------------- Reputation scale (not a block list)
  {
    zone: 'rep.mailspike.net',
    name: 'Mailspike Reputation',
    operator: 'Mailspike',
    kind: 'ip4',
    // A graded reputation scale (DNSBL-FACTS §1.4): only its three worst grades count as listings, and those are
    // already in bl.mailspike.net, so a listing here adds little: minor.
    severity: 'minor',
    scope: 'ip',
    codes: {
      ...mailspikeBadReputation,
      '127.0.0.13': { class: 'info', meaning: 'Mailspike: suspicious behaviour' },
      '127.0.0.14': { class: 'info', meaning: 'Mailspike: neutral, probably spam' },
      '127.0.0.15': { class: 'info', meaning: 'Mailspike: neutral' },
      '127.0.0.16': { class: 'info', meaning: 'Mailspike: neutral, probably legitimate' },
      '127.0.0.17': { class: 'allow', meaning: 'Mailspike: possibly legitimate sender' },
      '127.0.0.18': { class: 'allow', meaning: 'Mailspike: good reputation' },
      '127.0.0.19': { class: 'allow', meaning: 'Mailspike: very good reputation' },
      '127.0.0.20': { class: 'allow', meaning: 'Mailspike: excellent reputation' },
    },
    delist: 'https://mailspike.io/ip_verify',
    notes: 'Every known sender gets an answer here; only the three worst grades are treated as listings.',
    // No documented RFC 5782 test entries for the reputation zone: do not gate it on them.
    testPoints: false,
  },
];
