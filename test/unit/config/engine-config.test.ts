// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in plain strings is the config syntax under test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEngineConfig } from '../../../src/config/engine-config.ts';
import { builtinZones } from '../../../src/zones/builtin-zones.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-engine-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const goodZones = new URL('../../fixtures/zones/good.yml', import.meta.url).pathname;

describe('loadEngineConfig: what check and zones take from rblwatch.yml', () => {
  it('reads resolvers, dns and zones from rblwatch.yml in the working directory, zones relative to it', async () => {
    await writeFile(
      join(dir, 'good.yml'),
      await (await import('node:fs/promises')).readFile(goodZones, 'utf8'),
    );
    await writeFile(
      join(dir, 'rblwatch.yml'),
      'resolvers: "10.0.0.53, 10.0.0.54:5353"\ndns: { retries: 0 }\nzones: good.yml\ntargets: [203.0.113.7]\n',
    );
    const config = await loadEngineConfig({ env: {}, cwd: dir });
    expect(config.file).toBe(join(dir, 'rblwatch.yml'));
    expect(config.resolvers).toEqual([
      { host: '10.0.0.53', port: 53 },
      { host: '10.0.0.54', port: 5353 },
    ]);
    expect(config.resolversFrom).toBe('file');
    expect(config.dns).toEqual({ timeoutMs: 2000, retries: 0, concurrency: 100 });
    expect(config.zones).toMatchObject({ source: 'file', file: join(dir, 'good.yml') });
    expect(config.zones?.specs.map((spec) => spec.zone)).toContain('bl.example.org');
  });

  it('puts the environment over the file, and the defaults under both', async () => {
    await writeFile(
      join(dir, 'rblwatch.yml'),
      'resolvers: [10.0.0.53]\ndns: { timeoutMs: 900, retries: 4 }\n',
    );
    const config = await loadEngineConfig({
      env: { RBLWATCH_RESOLVERS: '127.0.0.1', RBLWATCH_DNS_TIMEOUT_MS: '300' },
      cwd: dir,
    });
    expect(config.resolvers).toEqual([{ host: '127.0.0.1', port: 53 }]);
    expect(config.resolversFrom).toBe('env');
    expect(config.dns).toEqual({ timeoutMs: 300, retries: 4, concurrency: 100 });
  });

  it('works without a file: the built-in catalog, no resolvers', async () => {
    const config = await loadEngineConfig({ env: {}, cwd: dir });
    expect(config).toMatchObject({ file: undefined, resolvers: [], resolversFrom: undefined });
    expect(config.zones?.specs).toEqual(builtinZones);
  });

  it('reads nothing else: other sections may be broken or need variables this shell lacks', async () => {
    await writeFile(
      join(dir, 'rblwatch.yml'),
      'resolvers: [127.0.0.1]\nstore: "mongodb://x"\ndestinations: { p: { type: pager, key: "${UNSET}" } }\n',
    );
    await expect(loadEngineConfig({ env: {}, cwd: dir })).resolves.toMatchObject({ resolversFrom: 'file' });
  });

  it('skips the zones setting when --zones replaces it', async () => {
    await writeFile(join(dir, 'rblwatch.yml'), 'zones: missing-zones.yml\n');
    await expect(loadEngineConfig({ env: {}, cwd: dir })).rejects.toThrow(/rblwatch\.yml: zones: /);
    await expect(loadEngineConfig({ env: {}, cwd: dir, zones: false })).resolves.toMatchObject({
      zones: undefined,
    });
  });

  it('names the file and the field, or the variable, of each problem, as loadConfig does', async () => {
    await writeFile(join(dir, 'rblwatch.yml'), 'dns: { concurrency: 0, timeout: 5 }\n');
    await expect(loadEngineConfig({ env: { RBLWATCH_DNS_RETRIES: '11' }, cwd: dir })).rejects.toThrow(
      [
        'rblwatch.yml: dns.concurrency: must be a whole number from 1 to 4096',
        'rblwatch.yml: dns.timeout: unknown key (expected one of: timeoutMs, retries, concurrency)',
        'environment variable RBLWATCH_DNS_RETRIES: must be a whole number from 0 to 10',
      ].join('\n'),
    );
  });
});
