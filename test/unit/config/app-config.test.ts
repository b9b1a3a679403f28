// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in plain strings is the config syntax under test.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppConfig, checkCronExpression, loadConfig } from '../../../src/config/app-config.ts';
import { defaultListingPolicy } from '../../../src/domain/listing.ts';
import { Secret } from '../../../src/domain/secret.ts';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import { builtinZones } from '../../../src/zones/builtin-zones.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));
const now = new Date('2026-01-02T03:04:05.000Z');
const DQS_KEY = 'abcdefghijklmnopqrstuvwxyz';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `rblwatch.yml` in the test's empty directory and loads it as the default file. */
async function loadText(text: string, env: NodeJS.ProcessEnv = {}): Promise<AppConfig> {
  await writeFile(join(dir, 'rblwatch.yml'), text);
  return loadConfig({ cwd: dir, env, now });
}

/** The error a load must fail with, checked to be the documented kind. */
async function failure(load: Promise<unknown>): Promise<string> {
  const error: unknown = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  if (!(error instanceof UserError)) throw new Error('expected the configuration to be refused');
  expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
  return error.message;
}

describe('loadConfig: defaults and files', () => {
  it('puts the default store under the working directory even when the file lives elsewhere', async () => {
    const elsewhere = join(dir, 'etc');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'rblwatch.yml'), 'targets: [203.0.113.7]\n');
    const config = await loadConfig({ cwd: dir, file: join(elsewhere, 'rblwatch.yml'), env: {}, now });
    expect(config.store).toMatchObject({ kind: 'sqlite', location: resolve(dir, 'data/rblwatch.sqlite') });
  });

  it('applies every default when there is no file', async () => {
    const config = await loadConfig({ cwd: dir, env: {}, now });
    expect(config).toEqual({
      file: undefined,
      store: {
        kind: 'sqlite',
        location: resolve(dir, 'data/rblwatch.sqlite'),
        display: resolve(dir, 'data/rblwatch.sqlite'),
      },
      resolvers: [],
      zones: { source: 'builtin', specs: builtinZones },
      schedule: { cron: '0 * * * *', timezone: undefined, jitterMs: 300_000 },
      policy: defaultListingPolicy,
      dns: { timeoutMs: 2000, retries: 2, concurrency: 100 },
      zoneIntervalsMs: {},
      http: undefined,
      targets: [],
      spamhausDqsKey: undefined,
      alerts: {
        destinations: [],
        routes: [],
        groupWindowMs: 60_000,
        retry: { baseDelayMs: 10_000, maxDelayMs: 600_000, horizonMs: 86_400_000 },
        timeoutMs: 10_000,
        reports: [],
      },
      chat: { lookupLimit: { limit: 5, windowMs: 60_000 } },
      warnings: [],
    });
  });

  it('treats an empty file, or one with only comments, as all defaults', async () => {
    const config = await loadText('# nothing configured yet\n');
    expect(config.file).toBe(resolve(dir, 'rblwatch.yml'));
    expect(config.schedule.cron).toBe('0 * * * *');
    expect(config.targets).toEqual([]);
  });

  it('reads the documented example, canonicalising targets and resolving paths against its directory', async () => {
    const config = await loadConfig({ file: join(fixtures, 'full.yml'), env: {}, now });
    expect(config).toEqual({
      file: join(fixtures, 'full.yml'),
      store: {
        kind: 'sqlite',
        location: join(fixtures, 'data/rblwatch.sqlite'),
        display: join(fixtures, 'data/rblwatch.sqlite'),
      },
      resolvers: [
        { host: '127.0.0.1', port: 53 },
        { host: '::1', port: 5353 },
      ],
      zones: { source: 'builtin', specs: builtinZones },
      schedule: { cron: '17 * * * *', timezone: 'Europe/Berlin', jitterMs: 120_000 },
      policy: { listAfter: 2, delistAfter: 3, massListingShare: 0.25, massListingMinTargets: 40 },
      dns: { timeoutMs: 1500, retries: 1, concurrency: 50 },
      zoneIntervalsMs: { 'b.barracudacentral.org': 6 * 3_600_000, 'bl.spamcop.net': 90 * 60_000 },
      http: { port: 9465, host: '0.0.0.0' },
      targets: [
        { target: '203.0.113.7', kind: 'ip4', labels: {}, source: 'config', addedAt: now.toISOString() },
        {
          target: '198.51.100.0/28',
          kind: 'cidr',
          labels: { team: 'mail', customer: 'acme', owner: 'ops', tags: ['edge'] },
          source: 'config',
          addedAt: now.toISOString(),
        },
        { target: 'example.com', kind: 'domain', labels: {}, source: 'config', addedAt: now.toISOString() },
        { target: '2001:db8::25', kind: 'ip6', labels: {}, source: 'config', addedAt: now.toISOString() },
      ],
      spamhausDqsKey: undefined,
      alerts: {
        destinations: [],
        routes: [],
        groupWindowMs: 60_000,
        retry: { baseDelayMs: 10_000, maxDelayMs: 600_000, horizonMs: 86_400_000 },
        timeoutMs: 10_000,
        reports: [],
      },
      chat: { lookupLimit: { limit: 5, windowMs: 60_000 } },
      warnings: [],
    });
  });

  it('finds the file through RBLWATCH_CONFIG, relative to the working directory', async () => {
    const config = await loadConfig({ cwd: fixtures, env: { RBLWATCH_CONFIG: 'full.yml' }, now });
    expect(config.file).toBe(join(fixtures, 'full.yml'));
    expect(config.schedule.cron).toBe('17 * * * *');
  });

  it('refuses a missing file that was named explicitly, but not a missing default file', async () => {
    expect(await failure(loadConfig({ cwd: dir, file: 'missing.yml', env: {} }))).toBe(
      'missing.yml: config file not found',
    );
    expect(await failure(loadConfig({ cwd: dir, env: { RBLWATCH_CONFIG: 'gone.yml' } }))).toBe(
      'gone.yml: config file not found (named by RBLWATCH_CONFIG)',
    );
    expect(await failure(loadConfig({ cwd: dir, env: {}, requireFile: true }))).toBe(
      'rblwatch.yml: config file not found',
    );
    await expect(loadConfig({ cwd: dir, env: {} })).resolves.toMatchObject({ file: undefined });
  });

  it('loads a zone file relative to the config file and checks zoneIntervals against it', async () => {
    const config = await loadConfig({ cwd: dir, file: join(fixtures, 'zone-file.yml'), env: {} });
    expect(config.zones.source).toBe('file');
    expect(config.zones.file).toBe(fileURLToPath(new URL('../../fixtures/zones/good.yml', import.meta.url)));
    expect(config.zones.specs.map((spec) => spec.zone)).toEqual([
      'bl.example.org',
      'dbl.example.net',
      'multi.example.com',
      'zen.example.org',
    ]);
    // The key is normalised the way zone names are everywhere else.
    expect(config.zoneIntervalsMs).toEqual({ 'bl.example.org': 30 * 60_000 });
  });

  it('reports a bad zone file under the config file and the zones field', async () => {
    const message = await failure(loadConfig({ file: join(fixtures, 'bad-zone-file.yml'), env: {} }));
    expect(message).toMatch(
      /^\S*bad-zone-file\.yml: zones: \S*missing-kind\.yml: entry 1 \(bl\.example\.org\): kind: is required$/,
    );
  });

  it('returns a deeply frozen object', async () => {
    const config = await loadConfig({
      file: join(fixtures, 'full.yml'),
      env: { RBLWATCH_SPAMHAUS_DQS_KEY: DQS_KEY },
    });
    for (const part of [
      config,
      config.store,
      config.resolvers,
      config.resolvers[0],
      config.zones,
      config.zones.specs,
      config.schedule,
      config.policy,
      config.dns,
      config.zoneIntervalsMs,
      config.http,
      config.targets,
      config.targets[1],
      config.targets[1]?.labels,
      config.targets[1]?.labels.tags,
      config.warnings,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    // The shared built-in catalog was copied, not frozen in place under other modules.
    expect(Object.isFrozen(builtinZones[0])).toBe(false);
    expect(() => {
      (config.dns as { timeoutMs: number }).timeoutMs = 1;
    }).toThrow(TypeError);
  });
});

describe('loadConfig: environment overrides', () => {
  it('lets the environment override the file', async () => {
    const config = await loadConfig({
      cwd: dir,
      file: join(fixtures, 'full.yml'),
      env: {
        RBLWATCH_STORE: 'state/watch.sqlite',
        RBLWATCH_RESOLVERS: '10.0.0.53, [2001:db8::53]:5353',
        RBLWATCH_SCHEDULE: '*/15  * * * *',
        RBLWATCH_HTTP_PORT: '9999',
        RBLWATCH_DNS_TIMEOUT_MS: '900',
        RBLWATCH_DNS_RETRIES: '0',
        RBLWATCH_DNS_CONCURRENCY: '7',
      },
    });
    // A relative path from the environment is relative to the working directory, not to the file.
    expect(config.store).toEqual({
      kind: 'sqlite',
      location: resolve(dir, 'state/watch.sqlite'),
      display: resolve(dir, 'state/watch.sqlite'),
    });
    expect(config.resolvers).toEqual([
      { host: '10.0.0.53', port: 53 },
      { host: '2001:db8::53', port: 5353 },
    ]);
    expect(config.schedule.cron).toBe('*/15 * * * *');
    expect(config.http).toEqual({ port: 9999, host: '0.0.0.0' });
    expect(config.dns).toEqual({ timeoutMs: 900, retries: 0, concurrency: 7 });
  });

  it('treats empty variables as unset, as .env files do', async () => {
    const config = await loadConfig({
      file: join(fixtures, 'full.yml'),
      env: { RBLWATCH_STORE: '', RBLWATCH_SCHEDULE: ' ', RBLWATCH_DNS_RETRIES: '', RBLWATCH_HTTP_PORT: '' },
    });
    expect(config.schedule.cron).toBe('17 * * * *');
    expect(config.dns.retries).toBe(1);
    expect(config.http?.port).toBe(9465);
  });

  it('turns the HTTP server on with RBLWATCH_HTTP_PORT alone, bound to loopback', async () => {
    const config = await loadConfig({ cwd: dir, env: { RBLWATCH_HTTP_PORT: '9465' } });
    expect(config.http).toEqual({ port: 9465, host: '127.0.0.1' });
  });

  it('accepts redis and postgres stores and masks the password in the display form', async () => {
    const redis = await loadConfig({ cwd: dir, env: { RBLWATCH_STORE: 'redis://:s3cret-pw@cache:6379/2' } });
    expect(redis.store).toEqual({
      kind: 'redis',
      location: 'redis://:s3cret-pw@cache:6379/2',
      display: 'redis://:***@cache:6379/2',
    });
    const postgres = await loadConfig({ cwd: dir, env: { RBLWATCH_STORE: 'postgresql://rbl@db/rblwatch' } });
    expect(postgres.store).toMatchObject({ kind: 'postgres', display: 'postgresql://rbl@db/rblwatch' });
  });

  it('names the variable in every override error, listing them all', async () => {
    const message = await failure(
      loadConfig({
        cwd: dir,
        env: {
          RBLWATCH_STORE: 'mysql://u:p@db/x',
          RBLWATCH_RESOLVERS: '127.0.0.1, dns.example',
          RBLWATCH_SCHEDULE: 'every hour',
          RBLWATCH_HTTP_PORT: '70000',
        },
      }),
    );
    expect(message.split('\n')).toEqual([
      'environment variable RBLWATCH_RESOLVERS: invalid resolver "dns.example": expected an IP address, ' +
        'optionally with :port ([v6]:port for IPv6)',
      'environment variable RBLWATCH_STORE: unsupported store "mysql://": use a file path (SQLite), ' +
        'redis://... or postgres://...',
      'environment variable RBLWATCH_SCHEDULE: "every hour" is not a valid cron expression: use 5 fields ' +
        '(minute hour day-of-month month day-of-week), or 6 with seconds first, e.g. "0 * * * *"',
      'environment variable RBLWATCH_HTTP_PORT: "70000" is not a port (1-65535)',
    ]);
    expect(await failure(loadConfig({ cwd: dir, env: { RBLWATCH_DNS_TIMEOUT_MS: 'soon' } }))).toMatch(
      /^environment variable RBLWATCH_DNS_TIMEOUT_MS: /,
    );
    expect(await failure(loadConfig({ cwd: dir, env: { RBLWATCH_DNS_CONCURRENCY: '0' } }))).toMatch(
      /^environment variable RBLWATCH_DNS_CONCURRENCY: /,
    );
  });

  it('keeps the Spamhaus DQS key out of every printed form', async () => {
    const config = await loadConfig({ cwd: dir, env: { RBLWATCH_SPAMHAUS_DQS_KEY: DQS_KEY } });
    expect(config.spamhausDqsKey).toBeInstanceOf(Secret);
    expect(config.spamhausDqsKey?.reveal()).toBe(DQS_KEY);
    expect(JSON.stringify(config)).not.toContain(DQS_KEY);
    expect(inspect(config, { depth: 10 })).not.toContain(DQS_KEY);
    expect(String(config.spamhausDqsKey)).toBe('[redacted]');
  });

  it('refuses a malformed DQS key without echoing any of it', async () => {
    const message = await failure(
      loadConfig({ cwd: dir, env: { RBLWATCH_SPAMHAUS_DQS_KEY: 'topsecret-key' } }),
    );
    expect(message).toBe(
      'environment variable RBLWATCH_SPAMHAUS_DQS_KEY: malformed: expected 26 letters and digits, got 13 characters',
    );
  });
});

describe('loadConfig: ${VAR} expansion', () => {
  it('replaces ${VAR} in string values, and numbers written as ${VAR} still count as numbers', async () => {
    const config = await loadText(
      [
        'store: redis://:${REDIS_PASSWORD}@${REDIS_HOST}:6379',
        'http:',
        '  port: ${PORT}',
        'targets:',
        '  - { target: "${MAIL_IP}", labels: { owner: "${OWNER}" } }',
      ].join('\n'),
      {
        REDIS_PASSWORD: 'pa$$word',
        REDIS_HOST: 'cache',
        PORT: '9100',
        MAIL_IP: '203.0.113.9',
        OWNER: 'ops.team',
      },
    );
    // Values are inserted verbatim: `$$` inside a variable's value is not an escape.
    expect(config.store).toMatchObject({ kind: 'redis', location: 'redis://:pa$$word@cache:6379' });
    expect(config.http).toEqual({ port: 9100, host: '127.0.0.1' });
    expect(config.targets[0]).toMatchObject({ target: '203.0.113.9', labels: { owner: 'ops.team' } });
  });

  it('reads $$ as a literal $ (so $${HOME} is not expanded) and keeps any other $', async () => {
    const config = await loadText('store: "./cost$$/$${HOME}/a$b.sqlite"\n', { HOME: '/home/nobody' });
    expect(config.store).toMatchObject({
      kind: 'sqlite',
      location: resolve(dir, 'cost$/${HOME}/a$b.sqlite'),
    });
  });

  it('names the variable and the field when a variable is unset or empty', async () => {
    const message = await failure(
      loadText('store: "redis://:${REDIS_PASSWORD}@cache"\ntargets:\n  - "${MAIL_IP}"\n', { MAIL_IP: '' }),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: store: environment variable REDIS_PASSWORD is not set (referenced as ${REDIS_PASSWORD})',
      'rblwatch.yml: targets[0]: environment variable MAIL_IP is not set (referenced as ${MAIL_IP})',
    ]);
  });

  it('refuses a malformed reference', async () => {
    expect(await failure(loadText('store: "${not-a-name}"\n'))).toBe(
      'rblwatch.yml: store: "${not-a-name}" is not a variable reference: names are letters, digits and _ ' +
        '(write $$ for a literal $)',
    );
    expect(await failure(loadText('store: "${OPEN"\n'))).toBe(
      'rblwatch.yml: store: unclosed "${": write ${NAME}, or $$ for a literal $',
    );
  });

  it('never echoes a substituted value in an error', async () => {
    const message = await failure(
      loadText('schedule: "${SCHEDULE_SECRET}"\n', { SCHEDULE_SECRET: 'internal-token-4711' }),
    );
    expect(message).not.toContain('internal-token-4711');
    expect(message).toContain('"${SCHEDULE_SECRET}" is not a valid cron expression');
  });
});

describe('loadConfig: refusing bad files', () => {
  it('reads history.keep as a duration, forever by default, and refuses a bad or too short one', async () => {
    expect((await loadText('targets: []\n')).historyKeepMs).toBeUndefined();
    expect((await loadText('history: { keep: 400d }\n')).historyKeepMs).toBe(400 * 86_400_000);
    expect((await loadText('history: { keep: forever }\n')).historyKeepMs).toBeUndefined();
    expect(await failure(loadText('history: { keep: 30 }\n'))).toContain('history.keep');
    expect(await failure(loadText('history: { keep: 2h }\n'))).toContain('keep at least 1d of history');
  });

  it('refuses unknown keys at the top level, listing the allowed ones', async () => {
    expect(await failure(loadText('stor: ./x.sqlite\n'))).toBe(
      'rblwatch.yml: stor: unknown key (expected one of: store, resolvers, zones, schedule, jitterSeconds, ' +
        'timezone, policy, dns, zoneIntervals, http, history, targets, destinations, routes, alerts, chat, reports)',
    );
  });

  it('refuses unknown keys in nested mappings, naming the full path', async () => {
    const message = await failure(
      loadText(
        'policy: { listAfterr: 2 }\ndns: { timeout: 5 }\ntargets:\n  - { target: example.com, owner: ops }\n' +
          '  - { target: example.net, labels: { teem: mail } }\n',
      ),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: policy.listAfterr: unknown key (expected one of: listAfter, delistAfter, massListingShare, ' +
        'massListingMinTargets)',
      'rblwatch.yml: dns.timeout: unknown key (expected one of: timeoutMs, retries, concurrency)',
      'rblwatch.yml: targets[0].owner: unknown key (expected one of: target, labels)',
      'rblwatch.yml: targets[1].labels.teem: unknown key (expected one of: owner, team, customer, tags)',
    ]);
  });

  it('says where the DQS key belongs when someone puts it in the file', async () => {
    expect(await failure(loadText('spamhausDqsKey: abc\n'))).toBe(
      'rblwatch.yml: spamhausDqsKey: unknown key: the Spamhaus DQS key is read only from the ' +
        'RBLWATCH_SPAMHAUS_DQS_KEY environment variable',
    );
  });

  it('refuses ranges wider than /16, naming the entry in either form', async () => {
    const message = await failure(
      loadText('targets:\n  - 203.0.113.7\n  - 10.0.0.0/8\n  - { target: 10.0.0.0/12 }\n'),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: targets[1]: range "10.0.0.0/8" has 16,777,216 addresses, more than /16 allows: ' +
        'the widest range accepted is /16; split it',
      'rblwatch.yml: targets[2].target: range "10.0.0.0/12" has 1,048,576 addresses, more than /16 allows: ' +
        'the widest range accepted is /16; split it',
    ]);
    // A /16 itself is fine in the file (no --max-cidr needed).
    await expect(loadText('targets: [10.1.0.0/16]\n')).resolves.toMatchObject({
      targets: [{ target: '10.1.0.0/16' }],
    });
  });

  it('refuses entries that are neither a target nor a mapping, or lack target:', async () => {
    const message = await failure(
      loadText('targets:\n  - 42\n  - { labels: { team: mail } }\n  - "not a target"\n'),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: targets[0]: must be a target (address, range or domain) or a mapping with target: and labels:',
      'rblwatch.yml: targets[1].target: is required',
      'rblwatch.yml: targets[2]: invalid target "not a target": contains spaces or control characters',
    ]);
  });

  it('refuses bad labels, naming the label', async () => {
    const tags = Array.from({ length: 17 }, (_, index) => `t${index}`).join(', ');
    const message = await failure(
      loadText(
        `targets:\n  - { target: example.com, labels: { team: "mail team", owner: ${'o'.repeat(65)} } }\n` +
          `  - { target: example.net, labels: { tags: [${tags}] } }\n` +
          '  - { target: example.org, labels: { tags: edge } }\n',
      ),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: targets[0].labels.owner: must be 1-64 letters, digits, dots, underscores or hyphens',
      'rblwatch.yml: targets[0].labels.team: must be 1-64 letters, digits, dots, underscores or hyphens',
      'rblwatch.yml: targets[1].labels.tags: at most 16 tags',
      'rblwatch.yml: targets[2].labels.tags: must be a list of tags',
    ]);
  });

  it('refuses an invalid cron expression, naming schedule and the expression', async () => {
    for (const expression of ['61 * * * *', '@hourly', '* * * * * * *', 'hourly']) {
      expect(await failure(loadText(`schedule: "${expression}"\n`))).toBe(
        `rblwatch.yml: schedule: "${expression}" is not a valid cron expression: use 5 fields (minute hour ` +
          'day-of-month month day-of-week), or 6 with seconds first, e.g. "0 * * * *"',
      );
    }
    // Six fields (seconds first) are node-cron's own extension and are accepted.
    await expect(loadText('schedule: "30 */5 * * * *"\n')).resolves.toMatchObject({
      schedule: { cron: '30 */5 * * * *' },
    });
    expect(checkCronExpression('0 * * * *')).toBeUndefined();
  });

  it('refuses a bad time zone', async () => {
    expect(await failure(loadText('timezone: Mars/Olympus\n'))).toBe(
      'rblwatch.yml: timezone: "Mars/Olympus" is not a time zone: use an IANA name such as UTC or Europe/Berlin',
    );
    await expect(loadText('timezone: utc\n')).resolves.toMatchObject({ schedule: { timezone: 'UTC' } });
  });

  it('refuses bad resolvers, naming the entry', async () => {
    const message = await failure(loadText('resolvers: [127.0.0.1, "127.0.0.1:99999", resolver.example]\n'));
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: resolvers[1]: invalid resolver "127.0.0.1:99999": port must be 1-65535',
      'rblwatch.yml: resolvers[2]: invalid resolver "resolver.example": expected an IP address, optionally with ' +
        ':port ([v6]:port for IPv6)',
    ]);
  });

  it('accepts resolvers as one comma- or space-separated string, and warns about public ones', async () => {
    const config = await loadText('resolvers: "10.0.0.53, 8.8.8.8"\n');
    expect(config.resolvers).toEqual([
      { host: '10.0.0.53', port: 53 },
      { host: '8.8.8.8', port: 53 },
    ]);
    expect(config.warnings).toEqual([
      expect.stringMatching(/^rblwatch\.yml: resolvers: 8\.8\.8\.8:53 is a public resolver: /),
    ]);
  });

  it('refuses bad durations and zones the catalog does not have', async () => {
    const message = await failure(
      loadText('zoneIntervals: { bl.spamcop.net: 6 hours, zen.spamhaus.org: 0m, psbl.surriel.com: 31d }\n'),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: zoneIntervals."bl.spamcop.net": "6 hours" is not a duration: use a number and a unit ' +
        '(s, m, h, d), e.g. 30m, 6h or 1d',
      'rblwatch.yml: zoneIntervals."zen.spamhaus.org": "0m" is out of range: use more than 0 and at most 30d',
      'rblwatch.yml: zoneIntervals."psbl.surriel.com": "31d" is out of range: use more than 0 and at most 30d',
    ]);
    expect(await failure(loadText('zoneIntervals: { bl.spamcop.nett: 6h }\n'))).toBe(
      'rblwatch.yml: zoneIntervals."bl.spamcop.nett": bl.spamcop.nett is not a zone in the built-in catalog ' +
        '(`rblwatch zones` lists them)',
    );
  });

  it('refuses numbers out of range and wrong types, accepting numbers written as text', async () => {
    const message = await failure(
      loadText(
        'jitterSeconds: 3601\npolicy: { listAfter: 0, massListingShare: 1.5 }\n' +
          'dns: { timeoutMs: fast, retries: 2.5 }\nhttp: { port: 0, host: "not a host" }\ntargets: example.com\n',
      ),
    );
    expect(message.split('\n')).toEqual([
      'rblwatch.yml: jitterSeconds: must be a whole number from 0 to 3600',
      'rblwatch.yml: policy.listAfter: must be a whole number from 1 to 100',
      'rblwatch.yml: policy.massListingShare: must be a share above 0 and at most 1 (0.5 is half)',
      'rblwatch.yml: dns.timeoutMs: must be a whole number from 50 to 60000',
      'rblwatch.yml: dns.retries: must be a whole number from 0 to 10',
      'rblwatch.yml: http.port: must be a whole number from 1 to 65535',
      'rblwatch.yml: http.host: "not a host" is not an IP address or host name',
      'rblwatch.yml: targets: must be a list of targets',
    ]);
    const config = await loadText('jitterSeconds: "0"\ndns: { retries: "3" }\n');
    expect(config.schedule.jitterMs).toBe(0);
    expect(config.dns.retries).toBe(3);
  });

  it('refuses stores it cannot open', async () => {
    expect(await failure(loadText('store: "mongodb://db/x"\n'))).toBe(
      'rblwatch.yml: store: unsupported store "mongodb://": use a file path (SQLite), redis://... or postgres://...',
    );
    expect(await failure(loadText('store: ""\n'))).toBe('rblwatch.yml: store: must not be empty');
    await expect(loadText('store: sqlite://state/db.sqlite\n')).resolves.toMatchObject({
      store: { kind: 'sqlite', location: resolve(dir, 'state/db.sqlite') },
    });
  });

  it('opens memory: as the in-process store, not as a SQLite file named "memory:"', async () => {
    const config = await loadText('store: "memory:"\n');
    expect(config.store).toEqual({ kind: 'memory', location: 'memory:', display: 'memory:' });
    const fromEnv = await loadConfig({ cwd: dir, env: { RBLWATCH_STORE: 'MEMORY:' } });
    expect(fromEnv.store).toEqual({ kind: 'memory', location: 'memory:', display: 'memory:' });
    expect(await failure(loadText('store: "memory://x"\n'))).toBe(
      'rblwatch.yml: store: write memory: with nothing after it',
    );
    expect(await failure(loadText('store: "redis:"\n'))).toBe(
      'rblwatch.yml: store: not a valid redis:// URL',
    );
  });

  it('names the line of a YAML syntax error', async () => {
    expect(await failure(loadConfig({ file: join(fixtures, 'malformed-yaml.txt'), env: {} }))).toMatch(
      /malformed-yaml\.txt: line 5, column 1: not valid YAML: All mapping items must start at the same column$/,
    );
    expect(await failure(loadConfig({ file: join(fixtures, 'duplicate-key.txt'), env: {} }))).toMatch(
      /duplicate-key\.txt: line 4, column 1: not valid YAML: Map keys must be unique$/,
    );
  });

  it('refuses a file that is not a mapping', async () => {
    expect(await failure(loadConfig({ file: join(fixtures, 'not-a-mapping.yml'), env: {} }))).toMatch(
      /not-a-mapping\.yml: the file must be a mapping of settings \(key: value\)$/,
    );
  });

  it('reports at most ten problems, then how many more', async () => {
    const targets = Array.from({ length: 12 }, (_, index) => `  - bad_target_${index}`).join('\n');
    const lines = (await failure(loadText(`targets:\n${targets}\n`))).split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('rblwatch.yml: ... and 2 more problem(s)');
  });
});

describe('loadConfig: repeated and overlapping targets', () => {
  it('drops exact repeats and keeps overlaps, warning about each with both entries', async () => {
    const config = await loadConfig({ file: join(fixtures, 'overlaps.yml'), env: {}, now });
    expect(config.targets.map((entry) => entry.target)).toEqual([
      '198.51.100.0/28',
      '198.51.100.5',
      '198.51.100.0/24',
      '203.0.113.7',
      'example.com',
      '2001:db8::1',
    ]);
    // The first of a repeat wins, labels included.
    expect(config.targets[4]?.labels).toEqual({ team: 'web' });
    expect(config.warnings.map((warning) => warning.replace(/^.*overlaps\.yml: /, ''))).toEqual([
      'targets[1]: 198.51.100.5 is inside 198.51.100.0/28 (targets[0]); addresses in both are checked once, ' +
        'for the first entry',
      'targets[2]: 198.51.100.0/24 contains 198.51.100.0/28 (targets[0]); addresses in both are checked once, ' +
        'for the first entry',
      'targets[2]: 198.51.100.0/24 contains 198.51.100.5 (targets[1]); addresses in both are checked once, ' +
        'for the first entry',
      'targets[4]: 203.0.113.7 repeats targets[3]; the repeat is ignored',
      'targets[6]: example.com repeats targets[5]; the repeat and its different labels are ignored',
      'targets[8]: 2001:db8::1 repeats targets[7]; the repeat is ignored',
    ]);
  });
});
