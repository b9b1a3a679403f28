import { describe, expect, it } from 'vitest';
import type { Zone } from '../../../src/domain/zone.ts';
import { AppError, ErrorCode, UserError } from '../../../src/errors.ts';
import { buildCatalog, renderDelist, selectZones } from '../../../src/zones/catalog.ts';
import type { ZoneSpec } from '../../../src/zones/zone-spec.ts';

const ip4Points = { listed: '127.0.0.2', unlisted: '127.0.0.1' };

const zen: ZoneSpec = {
  zone: 'zen.spamhaus.org',
  name: 'Spamhaus ZEN',
  kind: 'ip',
  severity: 'critical',
  scope: 'ip',
  codes: { '127.0.0.2': { class: 'listed', meaning: 'SBL' } },
  delist: 'https://check.spamhaus.org/results/?query={target}',
  dqs: 'zen',
  testPoints: ip4Points,
};
const zrd: ZoneSpec = {
  zone: 'zrd.dq.spamhaus.net',
  name: 'Spamhaus ZRD',
  kind: 'domain',
  severity: 'info',
  scope: 'domain',
  needsKey: true,
  dqs: 'zrd',
  testPoints: false,
};
const spamcop: ZoneSpec = {
  zone: 'bl.spamcop.net',
  name: 'SpamCop',
  kind: 'ip4',
  severity: 'major',
  scope: 'ip',
  testPoints: ip4Points,
};
const psbl: ZoneSpec = {
  zone: 'psbl.surriel.com',
  name: 'PSBL',
  kind: 'ip4',
  severity: 'major',
  scope: 'ip',
  testPoints: ip4Points,
};

/** A well-formed DQS key (26 letters and digits), in mixed case to check it is lowercased. */
const KEY = 'AbCdEfGhIjKlMnOpQrStUvWxY1';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function hostOf(zones: readonly Zone[], name: string): string | undefined {
  return zones.find((zone) => zone.zone === name)?.queryHost;
}

describe('buildCatalog', () => {
  it('rejects an empty catalog', () => {
    const error = thrown(() => buildCatalog([]));

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });

  it('rejects duplicate zone names, compared case-insensitively and without the trailing dot', () => {
    const error = thrown(() => buildCatalog([spamcop, psbl, { ...spamcop, zone: 'BL.SpamCop.net.' }]));

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: ErrorCode.CONFIG_INVALID });
    expect((error as Error).message).toContain('bl.spamcop.net');
  });

  it('without a key, queries every zone at its own name and leaves out zones that need a key', () => {
    const catalog = buildCatalog([zen, zrd, spamcop]);

    expect(catalog.zones.map((zone) => zone.zone)).toEqual(['zen.spamhaus.org', 'bl.spamcop.net']);
    expect(hostOf(catalog.zones, 'zen.spamhaus.org')).toBe('zen.spamhaus.org');
    expect(hostOf(catalog.zones, 'bl.spamcop.net')).toBe('bl.spamcop.net');
    expect(catalog.get('zrd.dq.spamhaus.net')).toBeUndefined();
  });

  it('treats an empty or blank key as not configured', () => {
    for (const dqsKey of ['', '   ']) {
      const catalog = buildCatalog([zen, zrd], { dqsKey });
      expect(catalog.zones.map((zone) => zone.queryHost)).toEqual(['zen.spamhaus.org']);
    }
  });

  it('with a key, rewrites every DQS-capable zone to <key>.<dqs>.dq.spamhaus.net and keeps keyed zones', () => {
    const catalog = buildCatalog([zen, zrd, spamcop], { dqsKey: KEY });
    const key = KEY.toLowerCase();

    expect(hostOf(catalog.zones, 'zen.spamhaus.org')).toBe(`${key}.zen.dq.spamhaus.net`);
    expect(hostOf(catalog.zones, 'zrd.dq.spamhaus.net')).toBe(`${key}.zrd.dq.spamhaus.net`);
    // Non-Spamhaus zones are untouched, and the public name users see stays the same.
    expect(hostOf(catalog.zones, 'bl.spamcop.net')).toBe('bl.spamcop.net');
    expect(catalog.zones.map((zone) => zone.zone)).toEqual([
      'zen.spamhaus.org',
      'zrd.dq.spamhaus.net',
      'bl.spamcop.net',
    ]);
  });

  it('rejects a malformed key without repeating it', () => {
    const badKeys = ['tooshortkey', `${KEY}x`, 'abcdefghijklmnopqrstuvwx-z', 'abcdefghijklm.nopqrstuvwxy'];
    for (const dqsKey of badKeys) {
      const error = thrown(() => buildCatalog([zen], { dqsKey }));

      expect(error).toBeInstanceOf(UserError);
      expect(error).toMatchObject({ code: ErrorCode.CONFIG_INVALID });
      expect((error as Error).message).toContain('DQS key');
      expect((error as Error).message).not.toContain(dqsKey);
    }
  });

  it('refuses a catalog in which every zone needs a key when none is given', () => {
    const error = thrown(() => buildCatalog([zrd]));

    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });

  it('normalizes zone names and looks them up case-insensitively, trailing dot tolerated', () => {
    const catalog = buildCatalog([{ ...spamcop, zone: 'BL.SpamCop.NET.' }]);

    expect(catalog.zones[0]?.zone).toBe('bl.spamcop.net');
    expect(catalog.zones[0]?.queryHost).toBe('bl.spamcop.net');
    expect(catalog.get('Bl.Spamcop.Net.')?.zone).toBe('bl.spamcop.net');
    expect(catalog.get('spamcop.net')).toBeUndefined();
  });

  it('returns deeply frozen objects that do not alias the specs', () => {
    const spec: ZoneSpec = { ...zen, codes: { '127.0.0.2': { class: 'listed', meaning: 'SBL' } } };
    const catalog = buildCatalog([spec, spamcop]);
    const zone = catalog.get('zen.spamhaus.org');

    expect(Object.isFrozen(catalog)).toBe(true);
    expect(Object.isFrozen(catalog.zones)).toBe(true);
    expect(Object.isFrozen(zone)).toBe(true);
    expect(Object.isFrozen(zone?.codes)).toBe(true);
    expect(Object.isFrozen(zone?.codes?.['127.0.0.2'])).toBe(true);
    expect(Object.isFrozen(zone?.testPoints)).toBe(true);
    // The caller's spec stays mutable and separate.
    expect(Object.isFrozen(spec.codes)).toBe(false);
    expect(zone?.codes).not.toBe(spec.codes);
  });
});

describe('selectZones', () => {
  const catalog = buildCatalog([zen, spamcop, psbl]);

  it('picks zones case-insensitively with a trailing dot tolerated, in catalog order, without repeats', () => {
    const selected = selectZones(catalog, ['PSBL.surriel.com.', 'zen.spamhaus.org', 'psbl.surriel.com']);

    expect(selected.zones.map((zone) => zone.zone)).toEqual(['zen.spamhaus.org', 'psbl.surriel.com']);
    expect(selected.get('bl.spamcop.net')).toBeUndefined();
    expect(Object.isFrozen(selected.zones)).toBe(true);
  });

  it('selects every zone when no name is given', () => {
    expect(selectZones(catalog, []).zones).toEqual(catalog.zones);
  });

  it('rejects an unknown zone and suggests close matches', () => {
    const error = thrown(() => selectZones(catalog, ['zen.spamhaus.com']));

    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: ErrorCode.ZONES_UNKNOWN_ZONE });
    expect((error as Error).message).toContain('unknown zone zen.spamhaus.com');
    expect((error as Error).message).toContain('did you mean zen.spamhaus.org');
  });

  it('suggests a zone whose name contains what was typed', () => {
    const error = thrown(() => selectZones(catalog, ['spamcop']));

    expect((error as Error).message).toContain('did you mean bl.spamcop.net');
  });

  it('names every unknown zone, with no suggestion when nothing is close', () => {
    const error = thrown(() =>
      selectZones(catalog, ['zen.spamhaus.org', 'nothing-like-it.example', 'psbl.surriel.org']),
    );

    const message = (error as Error).message;
    expect(message).toContain('unknown zone nothing-like-it.example (list the zones with `rblwatch zones`)');
    expect(message).toContain('unknown zone psbl.surriel.org; did you mean psbl.surriel.com?');
    expect(message).not.toContain('unknown zone zen.spamhaus.org');
  });

  it('explains that a zone was left out for want of a key', () => {
    const withoutKey = buildCatalog([zen, zrd]);
    const error = thrown(() => selectZones(withoutKey, ['zrd.dq.spamhaus.net']));

    expect(error).toMatchObject({ code: ErrorCode.ZONES_UNKNOWN_ZONE });
    expect((error as Error).message).toContain('zrd.dq.spamhaus.net needs a Spamhaus DQS key');
  });

  it('never shows the DQS key, even when suggesting keyed zones', () => {
    const keyed = buildCatalog([zen, zrd], { dqsKey: KEY });
    const error = thrown(() => selectZones(keyed, ['zen.spamhaus.net', 'zen']));

    expect((error as Error).message).toContain('zen.spamhaus.org');
    expect((error as Error).message.toLowerCase()).not.toContain(KEY.toLowerCase());
  });
});

describe('renderDelist', () => {
  const catalog = buildCatalog([zen, spamcop]);

  it('substitutes the URL-encoded target', () => {
    const zone = catalog.get('zen.spamhaus.org');
    if (zone === undefined) throw new Error('zen missing');

    expect(renderDelist(zone, '192.0.2.1')).toBe('https://check.spamhaus.org/results/?query=192.0.2.1');
    expect(renderDelist(zone, '2001:db8::1')).toBe(
      'https://check.spamhaus.org/results/?query=2001%3Adb8%3A%3A1',
    );
    expect(renderDelist(zone, 'a b&c=d')).toBe('https://check.spamhaus.org/results/?query=a%20b%26c%3Dd');
  });

  it('replaces every placeholder', () => {
    const [zone] = buildCatalog([
      { ...spamcop, delist: 'https://example.org/{target}?again={target}' },
    ]).zones;
    if (zone === undefined) throw new Error('zone missing');

    expect(renderDelist(zone, '192.0.2.1')).toBe('https://example.org/192.0.2.1?again=192.0.2.1');
  });

  it('returns undefined for a zone without a delist page, and a plain page unchanged', () => {
    const zone = catalog.get('bl.spamcop.net');
    if (zone === undefined) throw new Error('spamcop missing');

    expect(renderDelist(zone, '192.0.2.1')).toBeUndefined();
    const [plain] = buildCatalog([{ ...spamcop, delist: 'https://example.org/removal' }]).zones;
    if (plain === undefined) throw new Error('zone missing');
    expect(renderDelist(plain, '192.0.2.1')).toBe('https://example.org/removal');
  });
});
