import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../../src/config/dotenv.ts';
import { loadEngineConfig } from '../../../src/config/engine-config.ts';

/** The engine's settings from the environment alone: a working directory without a config file. */
async function fromEnv(env: NodeJS.ProcessEnv) {
  const cwd = await mkdtemp(join(tmpdir(), 'rblwatch-env-'));
  try {
    return await loadEngineConfig({ env, cwd });
  } finally {
    await rm(cwd, { recursive: true });
  }
}

describe('the engine settings in the environment', () => {
  it('reads resolvers, DNS settings and the DQS key; empty values are unset', async () => {
    const config = await fromEnv({
      RBLWATCH_RESOLVERS: '127.0.0.1:5353, [::1]:53 10.0.0.53',
      RBLWATCH_DNS_TIMEOUT_MS: '1500',
      RBLWATCH_DNS_RETRIES: '',
      RBLWATCH_SPAMHAUS_DQS_KEY: 'abcdefghijklmnopqrstuvwxyz',
    });
    expect(config.resolvers).toEqual([
      { host: '127.0.0.1', port: 5353 },
      { host: '::1', port: 53 },
      { host: '10.0.0.53', port: 53 },
    ]);
    expect(config.resolversFrom).toBe('env');
    expect(config.spamhausDqsKey?.reveal()).toBe('abcdefghijklmnopqrstuvwxyz');
    // Unset and empty variables leave the defaults.
    expect(config.dns).toEqual({ timeoutMs: 1500, retries: 2, concurrency: 100 });
  });

  it('refuses bad values, naming the variable', async () => {
    await expect(fromEnv({ RBLWATCH_DNS_TIMEOUT_MS: 'soon' })).rejects.toThrow(/RBLWATCH_DNS_TIMEOUT_MS/);
    await expect(fromEnv({ RBLWATCH_DNS_CONCURRENCY: '0' })).rejects.toThrow(/RBLWATCH_DNS_CONCURRENCY/);
  });
});

describe('loadDotEnv', () => {
  it('fills unset variables from .env without overriding the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rblwatch-env-'));
    try {
      await writeFile(join(dir, '.env'), '# comment\nRBLWATCH_RESOLVERS=127.0.0.1\nRBLWATCH_DNS_RETRIES=5\n');
      const env: NodeJS.ProcessEnv = { RBLWATCH_DNS_RETRIES: '1' };
      loadDotEnv(join(dir, '.env'), env);
      expect(env).toEqual({ RBLWATCH_RESOLVERS: '127.0.0.1', RBLWATCH_DNS_RETRIES: '1' });
      loadDotEnv(join(dir, 'missing.env'), env);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
