/**
 * Which resolvers the CLI uses, and the warning when one of them is a public resolver. Tested here rather than
 * end to end because an end-to-end run would send DNSBL questions to 8.8.8.8.
 */
import { describe, expect, it } from 'vitest';
import { chooseServers } from '../../../src/cli/engine-options.ts';
import { parseResolverAddress } from '../../../src/dns/resolver-address.ts';
import { ErrorCode, UserError } from '../../../src/errors.ts';

/** Neither the environment nor a config file names a resolver. */
const noEnv = { resolvers: [], resolversFrom: undefined, shown: 'rblwatch.yml' } as const;
const tail =
  ': Spamhaus, URIBL, SURBL and others refuse or mis-answer queries through them, so their results will be ' +
  'unknown. Use your own recursive resolver (e.g. unbound) with --resolver or RBLWATCH_RESOLVERS.';

/** The system resolvers must never be read when flags or the environment name resolvers. */
const systemMustNotBeAsked = (): string[] => {
  throw new Error('the system resolvers were consulted');
};

function refusal(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('chooseServers', () => {
  it('warns when --resolver names a public resolver', () => {
    const { servers, warnings } = chooseServers({ resolver: ['8.8.8.8'] }, noEnv, systemMustNotBeAsked);
    expect(servers).toEqual([{ host: '8.8.8.8', port: 53 }]);
    expect(warnings).toEqual([`8.8.8.8:53 is a public resolver${tail}`]);
  });

  it('names every public resolver once, in the plural, and leaves private ones out', () => {
    const { servers, warnings } = chooseServers(
      { resolver: ['127.0.0.1:5353', '1.1.1.1', '[2001:4860:4860::8888]'] },
      noEnv,
      systemMustNotBeAsked,
    );
    expect(servers).toEqual([
      { host: '127.0.0.1', port: 5353 },
      { host: '1.1.1.1', port: 53 },
      { host: '2001:4860:4860::8888', port: 53 },
    ]);
    expect(warnings).toEqual([`1.1.1.1:53, [2001:4860:4860::8888]:53 are public resolvers${tail}`]);
  });

  it('says so when the public resolver comes from the system configuration', () => {
    const { servers, warnings } = chooseServers({}, noEnv, () => ['9.9.9.9', '127.0.0.53']);
    expect(servers).toEqual([
      { host: '9.9.9.9', port: 53 },
      { host: '127.0.0.53', port: 53 },
    ]);
    expect(warnings).toEqual([`9.9.9.9:53 is a public resolver (from the system configuration)${tail}`]);
  });

  it('does not warn about a private resolver', () => {
    expect(chooseServers({ resolver: ['127.0.0.1:53'] }, noEnv, systemMustNotBeAsked).warnings).toEqual([]);
  });

  it('takes RBLWATCH_RESOLVERS when no --resolver is given, and --resolver over it', () => {
    const env = {
      resolvers: ['192.0.2.53', '8.8.4.4'].map(parseResolverAddress),
      resolversFrom: 'env',
      shown: 'rblwatch.yml',
    } as const;
    const fromEnv = chooseServers({}, env, systemMustNotBeAsked);
    expect(fromEnv.servers).toEqual([
      { host: '192.0.2.53', port: 53 },
      { host: '8.8.4.4', port: 53 },
    ]);
    // From the environment, not the system: no "(from the system configuration)".
    expect(fromEnv.warnings).toEqual([`8.8.4.4:53 is a public resolver${tail}`]);

    const fromFlag = chooseServers({ resolver: ['127.0.0.1:5300'] }, env, systemMustNotBeAsked);
    expect(fromFlag).toEqual({ servers: [{ host: '127.0.0.1', port: 5300 }], warnings: [] });
  });

  it('takes resolvers from the config file, saying where a public one came from', () => {
    const file = {
      resolvers: [parseResolverAddress('1.1.1.1')],
      resolversFrom: 'file',
      shown: 'rblwatch.yml',
    } as const;
    expect(chooseServers({}, file, systemMustNotBeAsked)).toEqual({
      servers: [{ host: '1.1.1.1', port: 53 }],
      warnings: [`1.1.1.1:53 is a public resolver (from rblwatch.yml)${tail}`],
    });
    expect(chooseServers({ resolver: ['127.0.0.1'] }, file, systemMustNotBeAsked).servers).toEqual([
      { host: '127.0.0.1', port: 53 },
    ]);
  });

  it('refuses an empty configuration and a resolver that is not an IP address', () => {
    const none = refusal(() => chooseServers({}, noEnv, () => []));
    expect(none.code).toBe(ErrorCode.DNSBL_RESOLVER_INVALID);
    expect(none.message).toContain('no DNS resolver configured');

    const named = refusal(() => chooseServers({ resolver: ['dns.google'] }, noEnv, systemMustNotBeAsked));
    expect(named.code).toBe(ErrorCode.DNSBL_RESOLVER_INVALID);
    expect(named.message).toContain('invalid resolver "dns.google"');
  });
});
