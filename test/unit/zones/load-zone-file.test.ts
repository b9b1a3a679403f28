import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import { buildCatalog } from '../../../src/zones/catalog.ts';
import { loadZoneFile } from '../../../src/zones/load-zone-file.ts';

function fixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/zones/${name}`, import.meta.url));
}

/** Loads a fixture that must be rejected and returns the error, checked to be the documented kind. */
async function rejectionOf(name: string): Promise<UserError> {
  const error: unknown = await loadZoneFile(fixture(name)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  if (!(error instanceof UserError)) throw new Error(`expected ${name} to be rejected`);
  expect(error.code).toBe(ErrorCode.ZONES_FILE_INVALID);
  return error;
}

describe('loadZoneFile: valid files', () => {
  it('reads YAML and fills every default', async () => {
    const specs = await loadZoneFile(fixture('good.yml'));

    expect(specs.map((spec) => spec.zone)).toEqual([
      'bl.example.org',
      'dbl.example.net',
      'multi.example.com',
      'zen.example.org',
    ]);
    // Name defaults to the (normalized) zone; severity to major; scope from the kind; test points from the family.
    expect(specs[0]).toEqual({
      zone: 'bl.example.org',
      name: 'bl.example.org',
      kind: 'ip',
      severity: 'major',
      scope: 'ip',
      testPoints: { listed: '127.0.0.2', unlisted: '127.0.0.1' },
    });
    expect(specs[1]).toEqual({
      zone: 'dbl.example.net',
      name: 'Example DBL',
      operator: 'Example Ltd',
      kind: 'domain',
      severity: 'critical',
      scope: 'domain',
      delist: 'https://example.net/lookup?q={target}',
      notes: 'Domains only.',
      testPoints: { listed: 'dbltest.example', unlisted: 'invalid' },
      codes: {
        '127.0.1.2': { class: 'listed', meaning: 'spam domain' },
        '127.0.1.255': { class: 'error', meaning: 'IP queried against a domain list' },
      },
    });
    expect(specs[2]).toMatchObject({ bitmask: true, severity: 'minor', scope: 'domain', testPoints: false });
    expect(specs[3]).toMatchObject({
      kind: 'ip6',
      scope: 'range',
      needsKey: true,
      needsRegistration: true,
      dqs: 'zen',
      testPoints: { listed: '::ffff:7f00:2', unlisted: '::ffff:7f00:1' },
    });
  });

  it('reads JSON', async () => {
    const specs = await loadZoneFile(fixture('good.json'));

    expect(specs).toHaveLength(2);
    expect(specs[0]).toMatchObject({ zone: 'bl.example.org', severity: 'info', scope: 'network' });
    expect(specs[1]?.codes?.['127.0.0.18']).toEqual({ class: 'allow', meaning: 'good reputation' });
    expect(specs[1]?.delist).toBe('http://example.org/check?ip={target}');
  });

  it('produces specs a catalog can be built from', async () => {
    const catalog = buildCatalog(await loadZoneFile(fixture('good.yml')));

    // zen.example.org needs a key and none was given.
    expect(catalog.zones.map((zone) => zone.zone)).toEqual([
      'bl.example.org',
      'dbl.example.net',
      'multi.example.com',
    ]);
  });
});

describe('loadZoneFile: rejected files name the file, the entry and the field', () => {
  it('malformed YAML', async () => {
    // Stored as .txt: Biome parses .yml files, and a deliberately broken one would fail the lint gate. Any name
    // other than *.json is read as YAML.
    const error = await rejectionOf('malformed-yaml.txt');

    expect(error.message).toContain('malformed-yaml.txt');
    expect(error.message).toMatch(/not valid YAML: .*line 4/);
  });

  it('malformed JSON, reported by the JSON parser', async () => {
    // Written at run time for the same reason: a broken .json fixture would fail Biome.
    const directory = await mkdtemp(join(tmpdir(), 'rblwatch-zones-'));
    try {
      const path = join(directory, 'zones.json');
      // A trailing comma: valid YAML, so this passes only if .json files go through JSON.parse.
      await writeFile(path, '{ "zones": [ { "zone": "bl.example.org", "kind": "ip4" }, ] }\n');
      const error: unknown = await loadZoneFile(path).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(UserError);
      expect(error).toMatchObject({ code: ErrorCode.ZONES_FILE_INVALID });
      expect((error as Error).message).toContain(`${path}: not valid JSON: `);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('an unknown key (a typo)', async () => {
    const error = await rejectionOf('unknown-key.yml');

    expect(error.message).toContain('unknown-key.yml: entry 2 (bl.example.org): severty: unknown key');
  });

  it('a bad kind', async () => {
    const error = await rejectionOf('bad-kind.yml');

    expect(error.message).toContain(
      'bad-kind.yml: entry 1 (bl.example.org): kind: must be one of ip4, ip6, ip, domain',
    );
  });

  it('a missing required field', async () => {
    const error = await rejectionOf('missing-kind.yml');

    expect(error.message).toContain('missing-kind.yml: entry 1 (bl.example.org): kind: is required');
  });

  it('an answer code outside 127.0.0.0/8', async () => {
    const error = await rejectionOf('code-outside-loopback.yml');

    expect(error.message).toContain(
      'code-outside-loopback.yml: entry 3 (bl.example.org): codes."10.0.0.1": answer codes must be in 127.0.0.0/8',
    );
    // The valid code in the same table is not reported.
    expect(error.message).not.toContain('127.0.0.2');
  });

  it('an empty zones list', async () => {
    const error = await rejectionOf('empty-list.yml');

    expect(error.message).toBe(`${fixture('empty-list.yml')}: zones: is empty: declare at least one zone`);
  });

  it('a duplicate zone, compared case-insensitively and without the trailing dot', async () => {
    const error = await rejectionOf('duplicate-zone.yml');

    expect(error.message).toContain(
      'duplicate-zone.yml: entry 3 (BL.example.org.): zone: duplicate zone: already declared by entry 1',
    );
  });

  it('a missing file, with the OS reason', async () => {
    const error = await rejectionOf('does-not-exist.yml');

    expect(error.message).toContain('does-not-exist.yml: cannot read the zone file');
    expect(error.message).toContain('ENOENT');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a directory instead of a file', async () => {
    const error = await rejectionOf('');

    expect(error.message).toContain('cannot read the zone file');
    expect(error.message).toContain('EISDIR');
  });

  it('a document that is not a mapping with a zones list', async () => {
    const error = await rejectionOf('not-a-mapping.yml');

    expect(error.message).toContain(
      'not-a-mapping.yml: a zone file must be a mapping with a top-level `zones:` list',
    );
  });
});
