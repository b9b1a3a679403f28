import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../../src/config/dotenv.ts';
import { readEngineEnv } from '../../../src/config/env.ts';

describe('readEngineEnv', () => {
  it('reads resolvers, DNS settings and the DQS key; empty values are unset', () => {
    const env = readEngineEnv({
      RBLWATCH_RESOLVERS: '127.0.0.1:5353, [::1]:53 10.0.0.53',
      RBLWATCH_DNS_TIMEOUT_MS: '1500',
      RBLWATCH_DNS_RETRIES: '',
      RBLWATCH_SPAMHAUS_DQS_KEY: 'abcdefghijklmnopqrstuvwxyz',
    });
    expect(env).toEqual({
      resolvers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.53'],
      dqsKey: 'abcdefghijklmnopqrstuvwxyz',
      timeoutMs: 1500,
      retries: undefined,
      concurrency: undefined,
    });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => readEngineEnv({ RBLWATCH_DNS_TIMEOUT_MS: 'soon' })).toThrow(/RBLWATCH_DNS_TIMEOUT_MS/);
    expect(() => readEngineEnv({ RBLWATCH_DNS_CONCURRENCY: '0' })).toThrow(/RBLWATCH_DNS_CONCURRENCY/);
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
