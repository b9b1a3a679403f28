import { describe, expect, it } from 'vitest';
import { zoneEntrySchema, zoneFileSchema } from '../../../src/zones/zone-file-schema.ts';

/** The problems zod reports for one entry, as `path: message` strings. */
function problems(entry: Record<string, unknown>): string[] {
  const result = zoneEntrySchema.safeParse(entry);
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('zone file schema', () => {
  it('accepts a minimal entry and derives defaults from the kind', () => {
    expect(zoneEntrySchema.parse({ zone: 'bl6.example.org', kind: 'ip6' })).toEqual({
      zone: 'bl6.example.org',
      name: 'bl6.example.org',
      kind: 'ip6',
      severity: 'major',
      scope: 'ip',
      testPoints: { listed: '::ffff:7f00:2', unlisted: '::ffff:7f00:1' },
    });
    expect(zoneEntrySchema.parse({ zone: 'uri.example.org', kind: 'domain' })).toMatchObject({
      scope: 'domain',
      testPoints: { listed: 'test', unlisted: 'invalid' },
    });
  });

  it('rejects zone names that are not DNS names', () => {
    for (const zone of ['192.0.2.1', 'localhost', 'bad_label.example.org', '-x.example.org', 'a..b', '']) {
      expect(problems({ zone, kind: 'ip4' }), zone).toEqual([
        'zone: must be a DNS name such as bl.example.org',
      ]);
    }
  });

  it('checks test points against the zone family', () => {
    expect(
      problems({ zone: 'bl.example.org', kind: 'ip', testPoints: { listed: '::1', unlisted: '127.0.0.1' } }),
    ).toEqual(['testPoints.listed: must be an IPv4 address for an ip zone']);
    expect(
      problems({
        zone: 'bl.example.org',
        kind: 'ip6',
        testPoints: { listed: '127.0.0.2', unlisted: '::ffff:7f00:1' },
      }),
    ).toEqual(['testPoints.listed: must be an IPv6 address for an ip6 zone']);
    expect(
      problems({
        zone: 'bl.example.org',
        kind: 'domain',
        testPoints: { listed: '127.0.0.2', unlisted: 'invalid' },
      }),
    ).toEqual(['testPoints.listed: must be a domain name for a domain zone']);
  });

  it('rejects delist templates with a stray placeholder or a non-web URL', () => {
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', delist: 'https://example.org/?ip={ip}' })).toEqual(
      ['delist: unknown placeholder {ip}: only {target} is replaced'],
    );
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', delist: 'ftp://example.org/{target}' })).toEqual([
      'delist: must be an http or https URL',
    ]);
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', delist: 'example.org/{target}' })).toEqual([
      'delist: must be an absolute http(s) URL',
    ]);
  });

  it('requires single-bit codes on a bitmask zone', () => {
    const codes = { '127.0.0.6': { class: 'listed', meaning: 'two bits at once' } };

    expect(problems({ zone: 'multi.example.org', kind: 'domain', bitmask: true, codes })).toEqual([
      'codes.127.0.0.6: a bitmask zone maps single bits: use 127.0.0.1, .2, .4, .8, .16, .32, .64 or .128',
    ]);
    expect(problems({ zone: 'multi.example.org', kind: 'domain', bitmask: true })).toEqual([
      'bitmask: a bitmask zone needs `codes` naming its bits',
    ]);
  });

  it('rejects inconsistent scope, a key without a DQS dataset, and an empty code table', () => {
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', scope: 'domain' })).toEqual([
      'scope: an IP zone cannot have scope domain',
    ]);
    expect(problems({ zone: 'bl.example.org', kind: 'domain', scope: 'range' })).toEqual([
      'scope: a domain zone lists domains: use scope domain',
    ]);
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', needsKey: true })).toEqual([
      'needsKey: a zone that needs a key must name its `dqs` dataset',
    ]);
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', codes: {} })).toEqual([
      'codes: is empty: leave it out to accept any listing code',
    ]);
  });

  it('rejects unknown keys at the top level and in code entries', () => {
    const file = zoneFileSchema.safeParse({ zones: [{ zone: 'bl.example.org', kind: 'ip4' }], zone: [] });
    expect(file.error?.issues.map((issue) => issue.code)).toEqual(['unrecognized_keys']);

    const codes = { '127.0.0.2': { class: 'listed', meaning: 'spam', colour: 'red' } };
    expect(problems({ zone: 'bl.example.org', kind: 'ip4', codes })).toEqual([
      'codes.127.0.0.2: Unrecognized key: "colour"',
    ]);
  });
});
