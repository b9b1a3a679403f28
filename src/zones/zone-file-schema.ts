/**
 * The zone file format: YAML or JSON with a top-level `zones:` list, one entry per DNSBL zone. Entries are strict
 * (an unknown key is an error, so a typo such as `severty:` cannot silently fall back to a default) and parse into
 * {@link ZoneSpec}s with every default filled in.
 *
 * ```yaml
 * zones:
 *   - zone: bl.example.org
 *     kind: ip4
 *     severity: minor
 *     delist: https://example.org/lookup?ip={target}
 *     codes:
 *       127.0.0.2: { class: listed, meaning: spam source }
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc5782
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import {
  type CodeClass,
  defaultTestPoints,
  type ListingScope,
  type Severity,
  type TestPoints,
  testFamilyOf,
  type ZoneCode,
  type ZoneKind,
} from '../domain/zone.ts';
import type { ZoneSpec } from './zone-spec.ts';

export const zoneKinds = ['ip4', 'ip6', 'ip', 'domain'] as const satisfies readonly ZoneKind[];
export const codeClasses = ['listed', 'allow', 'info', 'error'] as const satisfies readonly CodeClass[];
export const severities = ['critical', 'major', 'minor', 'info'] as const satisfies readonly Severity[];
export const listingScopes = ['ip', 'range', 'network', 'domain'] as const satisfies readonly ListingScope[];

/**
 * The canonical form of a zone name: trimmed, lowercased, without a trailing root dot. DNS names compare
 * case-insensitively, so this is the form used for duplicate checks and lookups.
 */
export function normalizeZoneName(name: string): string {
  const trimmed = name.trim().toLowerCase();
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Whether a normalized name is a usable DNSBL zone: at least two LDH labels of 1–63 characters, at most 253
 * characters, and not an IPv4 address (a pasted IP in place of a zone is a common mistake).
 */
export function isValidZoneName(name: string): boolean {
  if (name.length === 0 || name.length > 253 || isIPv4(name)) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label));
}

/** Whether `address` is a dotted-quad IPv4 address in 127.0.0.0/8, the only range RFC 5782 answers use. */
export function isLoopbackAnswer(address: string): boolean {
  return isIPv4(address) && address.startsWith('127.');
}

/**
 * Checks a delist URL template. Returns a problem description, or undefined when the template is fine.
 * Only `{target}` is substituted, so any other `{...}` is almost certainly a typo (`{ip}`, `{domain}`).
 */
export function checkDelistTemplate(template: string): string | undefined {
  const stray = /\{(?!target\})[^{}]*\}/.exec(template);
  if (stray) return `unknown placeholder ${stray[0]}: only {target} is replaced`;
  let url: URL;
  try {
    url = new URL(template.replaceAll('{target}', 'x'));
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  return undefined;
}

/** Names a domain-kind test point may use: loose on purpose, since lists use names like `_DNSBL_.test`. */
const DOMAIN_TEST_POINT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/;

function checkTestPoint(kind: ZoneKind, value: string): string | undefined {
  switch (testFamilyOf(kind)) {
    case 'ip4':
      return isIPv4(value) ? undefined : `must be an IPv4 address for an ${kind} zone`;
    case 'ip6':
      return isIPv6(value) ? undefined : 'must be an IPv6 address for an ip6 zone';
    case 'domain':
      return DOMAIN_TEST_POINT.test(value) && !isIPv4(value) && !isIPv6(value)
        ? undefined
        : 'must be a domain name for a domain zone';
  }
}

const nonEmptyText = z.string().trim().min(1, 'must not be empty');

/** Enum error that still says "is required" when the key is missing, rather than listing the choices. */
function oneOf(values: readonly string[]): (issue: { readonly input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`);
}

const zoneCodeSchema = z.strictObject({
  class: z.enum(codeClasses, { error: oneOf(codeClasses) }),
  meaning: nonEmptyText,
});

/** A key of `codes`: the A record a zone answers with, which RFC 5782 confines to 127.0.0.0/8. */
const answerAddressSchema = z.string().superRefine((address, ctx) => {
  if (!isIPv4(address)) {
    ctx.addIssue({ code: 'custom', message: 'answer codes must be IPv4 addresses such as 127.0.0.2' });
  } else if (!isLoopbackAnswer(address)) {
    ctx.addIssue({ code: 'custom', message: 'answer codes must be in 127.0.0.0/8' });
  }
});

const testPointsObjectSchema = z.strictObject({
  listed: nonEmptyText,
  unlisted: nonEmptyText,
});

const zoneEntryObjectSchema = z.strictObject({
  zone: z
    .string()
    .overwrite(normalizeZoneName)
    .refine(isValidZoneName, 'must be a DNS name such as bl.example.org'),
  name: nonEmptyText.optional(),
  operator: nonEmptyText.optional(),
  kind: z.enum(zoneKinds, { error: oneOf(zoneKinds) }),
  codes: z.record(answerAddressSchema, zoneCodeSchema).optional(),
  bitmask: z.boolean().optional(),
  severity: z.enum(severities, { error: oneOf(severities) }).default('major'),
  scope: z.enum(listingScopes, { error: oneOf(listingScopes) }).optional(),
  notes: nonEmptyText.optional(),
  delist: z
    .string()
    .trim()
    .superRefine((template, ctx) => {
      const problem = checkDelistTemplate(template);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  needsKey: z.boolean().optional(),
  needsRegistration: z.boolean().optional(),
  dqs: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'must be a Spamhaus dataset name such as zen or dbl')
    .optional(),
  testPoints: z
    .union([z.boolean(), testPointsObjectSchema], {
      error: 'must be true, false, or { listed, unlisted }',
    })
    .default(true),
});

type ZoneEntryObject = z.output<typeof zoneEntryObjectSchema>;

/** Cross-field rules that a per-key schema cannot express. */
function checkEntry(entry: ZoneEntryObject, ctx: z.RefinementCtx): void {
  const codes = entry.codes ?? {};
  for (const address of Object.keys(codes)) {
    if (entry.bitmask === true && !/^127\.0\.0\.(1|2|4|8|16|32|64|128)$/.test(address)) {
      ctx.addIssue({
        code: 'custom',
        path: ['codes', address],
        message: 'a bitmask zone maps single bits: use 127.0.0.1, .2, .4, .8, .16, .32, .64 or .128',
      });
    }
  }
  if (entry.bitmask === true && entry.codes === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['bitmask'],
      message: 'a bitmask zone needs `codes` naming its bits',
    });
  }
  if (entry.codes !== undefined && Object.keys(entry.codes).length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['codes'],
      message: 'is empty: leave it out to accept any listing code',
    });
  }
  if (typeof entry.testPoints === 'object') {
    for (const key of ['listed', 'unlisted'] as const) {
      const problem = checkTestPoint(entry.kind, entry.testPoints[key]);
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['testPoints', key], message: problem });
    }
  }
  if (entry.kind === 'domain' && entry.scope !== undefined && entry.scope !== 'domain') {
    ctx.addIssue({
      code: 'custom',
      path: ['scope'],
      message: 'a domain zone lists domains: use scope domain',
    });
  }
  if (entry.kind !== 'domain' && entry.scope === 'domain') {
    ctx.addIssue({ code: 'custom', path: ['scope'], message: 'an IP zone cannot have scope domain' });
  }
  // rblwatch only knows how to apply Spamhaus DQS keys; a keyed zone without a dataset could never be queried.
  if (entry.needsKey === true && entry.dqs === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['needsKey'],
      message: 'a zone that needs a key must name its `dqs` dataset',
    });
  }
}

function toZoneSpec(entry: ZoneEntryObject): ZoneSpec {
  const testPoints: TestPoints | false =
    entry.testPoints === true
      ? { ...defaultTestPoints[testFamilyOf(entry.kind)] }
      : entry.testPoints === false
        ? false
        : { listed: entry.testPoints.listed, unlisted: entry.testPoints.unlisted };
  const codes: Record<string, ZoneCode> | undefined = entry.codes && { ...entry.codes };
  return {
    zone: entry.zone,
    name: entry.name ?? entry.zone,
    ...(entry.operator === undefined ? {} : { operator: entry.operator }),
    kind: entry.kind,
    ...(codes === undefined ? {} : { codes }),
    ...(entry.bitmask === undefined ? {} : { bitmask: entry.bitmask }),
    severity: entry.severity,
    scope: entry.scope ?? (entry.kind === 'domain' ? 'domain' : 'ip'),
    ...(entry.notes === undefined ? {} : { notes: entry.notes }),
    ...(entry.delist === undefined ? {} : { delist: entry.delist }),
    ...(entry.needsKey === undefined ? {} : { needsKey: entry.needsKey }),
    ...(entry.needsRegistration === undefined ? {} : { needsRegistration: entry.needsRegistration }),
    ...(entry.dqs === undefined ? {} : { dqs: entry.dqs }),
    testPoints,
  };
}

/** One zone file entry; parses to a {@link ZoneSpec} with defaults applied. */
export const zoneEntrySchema = zoneEntryObjectSchema.superRefine(checkEntry).transform(toZoneSpec);

/** What an author may write for one entry (before defaults). */
export type ZoneEntryInput = z.input<typeof zoneEntrySchema>;

/**
 * A whole zone file: `{ zones: [...] }`, non-empty, zone names unique (compared after normalization). Parses to the
 * list of {@link ZoneSpec}s.
 */
export const zoneFileSchema = z
  .strictObject(
    {
      zones: z
        .array(zoneEntrySchema, { error: 'must be a list of zone entries' })
        .min(1, 'is empty: declare at least one zone'),
    },
    { error: 'a zone file must be a mapping with a top-level `zones:` list' },
  )
  .superRefine((file, ctx) => {
    const firstIndex = new Map<string, number>();
    file.zones.forEach((spec, index) => {
      const seen = firstIndex.get(spec.zone);
      if (seen === undefined) {
        firstIndex.set(spec.zone, index);
      } else {
        ctx.addIssue({
          code: 'custom',
          path: ['zones', index, 'zone'],
          message: `duplicate zone: already declared by entry ${seen + 1}`,
        });
      }
    });
  })
  .transform((file): ZoneSpec[] => file.zones);
