import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/app-config.ts';
import { UserError } from '../../../src/errors.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-alerts-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PD_KEY = 'a'.repeat(32);
const env = {
  PAGERDUTY_ROUTING_KEY: PD_KEY,
  WEBHOOK_SECRET: 'whsec-0123456789abcdef',
  OPSGENIE_API_KEY: 'og-key-0123456789',
};

async function load(text: string, extraEnv: NodeJS.ProcessEnv = {}) {
  await writeFile(join(dir, 'rblwatch.yml'), text);
  return loadConfig({ cwd: dir, env: { ...env, ...extraEnv } });
}

async function refusal(text: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const error = await load(text, extraEnv).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as Error).message;
}

const example = `
destinations:
  pager:    { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}" }
  ops-hook: { type: webhook, url: "https://hooks.example.net/rbl", secret: "\${WEBHOOK_SECRET}" }
  oncall:   { type: opsgenie, apiKey: "\${OPSGENIE_API_KEY}", region: eu }
routes:
  - match: { kind: [listed, delisted], severity: [critical, major] }
    to: [pager, ops-hook]
  - match: { labels: { customer: acme } }
    to: [ops-hook]
  - match: { kind: zone-degraded }
    to: oncall
alerts: { groupWindow: 30s, giveUpAfter: 12h }
reports:
  - { schedule: "0 8 * * 1", to: ops-hook }
`;

describe('alerts configuration', () => {
  it('reads the documented example with defaults filled in and secrets wrapped', async () => {
    const config = await load(example);
    const [pager, hook, oncall] = config.alerts.destinations;
    expect(pager).toMatchObject({
      type: 'pagerduty',
      name: 'pager',
      url: 'https://events.pagerduty.com/v2/enqueue',
    });
    expect(hook).toMatchObject({ type: 'webhook', name: 'ops-hook', url: 'https://hooks.example.net/rbl' });
    expect(oncall).toMatchObject({ type: 'opsgenie', url: 'https://api.eu.opsgenie.com' });
    expect(pager?.type === 'pagerduty' && pager.routingKey.reveal()).toBe(PD_KEY);
    expect(config.alerts.routes).toEqual([
      { match: { kind: ['listed', 'delisted'], severity: ['critical', 'major'] }, to: ['pager', 'ops-hook'] },
      { match: { labels: { customer: ['acme'] } }, to: ['ops-hook'] },
      { match: { kind: ['zone-degraded'] }, to: ['oncall'] },
    ]);
    expect(config.alerts.reports).toEqual([{ schedule: '0 8 * * 1', to: ['ops-hook'] }]);
    expect(config.alerts.groupWindowMs).toBe(30_000);
    expect(config.alerts.retry.horizonMs).toBe(12 * 3_600_000);
    // Secrets never print, whatever prints the config.
    expect(JSON.stringify(config)).not.toContain(PD_KEY);
    expect(inspect(config, { depth: 10 })).not.toContain(PD_KEY);
  });

  it('refuses a route to an unknown destination, naming the field', async () => {
    const message = await refusal(
      example.replace('routes:\n', 'routes:\n  - { to: [pager] }\n  - { to: [pagr] }\n'),
    );
    expect(message).toContain('rblwatch.yml: routes[1].to[0]: unknown destination "pagr"');
    expect(message).toContain('destinations: pager, ops-hook, oncall');
  });

  it('refuses a missing routing key variable, naming the variable and the field', async () => {
    const message = await refusal(example, { PAGERDUTY_ROUTING_KEY: '' });
    expect(message).toContain('PAGERDUTY_ROUTING_KEY');
    expect(message).toContain('destinations.pager.routingKey');
  });

  it('refuses a secret written into the file instead of a variable, without echoing it', async () => {
    const message = await refusal(`
destinations:
  pager: { type: pagerduty, routingKey: "${PD_KEY}" }
routes: [{ to: [pager] }]
`);
    expect(message).toContain('destinations.pager.routingKey: secrets come from the environment only');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the message quotes a ${VAR} reference literally
    expect(message).toContain('${PAGER_ROUTING_KEY}');
    expect(message).not.toContain(PD_KEY);
  });

  it('refuses plain http to a remote host unless allowInsecure says so, and accepts loopback', async () => {
    const insecure = (extra: string) => `
destinations:
  hook: { type: webhook, url: "http://hooks.example.net/rbl", secret: "\${WEBHOOK_SECRET}"${extra} }
routes: [{ to: [hook] }]
`;
    expect(await refusal(insecure(''))).toContain(
      'destinations.hook.url: must be https:// (plain http:// is accepted only for loopback addresses or with allowInsecure: true)',
    );
    await expect(load(insecure(', allowInsecure: true'))).resolves.toBeDefined();
    const local = await load(`
destinations:
  hook: { type: webhook, url: "http://127.0.0.1:8080/rbl", secret: "\${WEBHOOK_SECRET}" }
  pd: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "http://[::1]:9000/v2/enqueue" }
routes: [{ to: [hook, pd] }]
`);
    expect(local.alerts.destinations.map((d) => d.type)).toEqual(['webhook', 'pagerduty']);
  });

  it('refuses a malformed URL, a URL with credentials and a short routing key', async () => {
    const message = await refusal(
      `
destinations:
  a: { type: webhook, url: "not a url", secret: "\${WEBHOOK_SECRET}" }
  b: { type: webhook, url: "https://user:pw@hooks.example.net/", secret: "\${WEBHOOK_SECRET}" }
  c: { type: pagerduty, routingKey: "\${SHORT}" }
routes: [{ to: [a, b, c] }]
`,
      { SHORT: 'abc123' },
    );
    expect(message).toContain('destinations.a.url: is not a valid URL');
    expect(message).toContain('destinations.b.url: must not carry credentials');
    expect(message).toContain(
      'destinations.c.routingKey: a PagerDuty Events API v2 integration key has 32 characters',
    );
  });

  it('refuses a route naming a zone not in the catalog', async () => {
    const message = await refusal(`
destinations:
  hook: { type: webhook, url: "https://hooks.example.net/", secret: "\${WEBHOOK_SECRET}" }
routes:
  - { match: { zone: [zen.spamhaus.org, zen.spamhauss.org] }, to: hook }
`);
    expect(message).toContain('routes[0].match.zone[1]: zen.spamhauss.org is not a zone in use');
    expect(message).not.toContain('zone[0]');
  });

  it('refuses a destination nothing sends to, and reports to a pager or with a bad schedule', async () => {
    const message = await refusal(`
destinations:
  pager: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}" }
  hook: { type: webhook, url: "https://hooks.example.net/", secret: "\${WEBHOOK_SECRET}" }
reports:
  - { schedule: "every monday", to: [pager] }
`);
    expect(message).toContain('destinations.hook: no route or report sends anything here');
    expect(message).toContain('reports[0].schedule: "every monday" is not a valid cron expression');
    expect(message).toContain(
      'reports[0].to[0]: pager is a pager (pagerduty); reports go to chat channels and webhooks',
    );
  });

  it('refuses an unknown type, an unknown kind and a chat destination without credentials', async () => {
    const message = await refusal(`
destinations:
  a: { type: pagerdooty, routingKey: x }
  s: { type: slack, channel: C0123456789 }
routes:
  - match: { kind: [listd] }
    to: [s]
`);
    expect(message).toContain('destinations.a');
    expect(message).toContain('routes[0].match.kind[0]');
    await expect(
      load(`
destinations:
  s: { type: slack, channel: C0123456789 }
routes: [{ to: [s] }]
`),
    ).rejects.toThrow('destinations.s: a slack destination needs SLACK_BOT_TOKEN in the environment');
  });

  it('reads chat credentials from the environment and checks their form', async () => {
    const config = await load('chat: { slack: { allowedUsers: [U012ABCDEF] } }\n', {
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_APP_TOKEN: 'xapp-1-2-3',
    });
    expect(config.chat.slack).toMatchObject({
      mode: 'socket',
      command: '/rbl',
      policy: { users: ['U012ABCDEF'] },
    });
    expect(config.chat.discord).toBeUndefined();
    const message = await refusal('{}\n', { SLACK_BOT_TOKEN: 'xoxp-user-token', DISCORD_TOKEN: 'abc' });
    expect(message).toContain('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
    expect(message).toContain('SLACK_SIGNING_SECRET: the HTTP receiver needs the signing secret');
    expect(message).toContain('DISCORD_APPLICATION_ID');
    expect(message).not.toContain('xoxp-user-token');
  });

  describe('the Discord servers the bot serves', () => {
    const discordEnv = { DISCORD_TOKEN: 'discord-bot-token', DISCORD_APPLICATION_ID: '112233445566778899' };
    const A = '223344556677889900';
    const B = '334455667788990011';

    it('refuses Discord without any server: commands from other servers are refused', async () => {
      const message = await refusal('{}\n', discordEnv);
      expect(message).toContain(
        'environment variable DISCORD_GUILD_ID: set the server (guild) id(s) the bot serves; commands from other servers are refused',
      );
      expect(message).not.toContain('discord-bot-token');
    });

    it('reads DISCORD_GUILD_ID as a comma-separated list, over chat.discord.guilds', async () => {
      const fromEnv = await load(`chat: { discord: { guilds: ["${A}"] } }\n`, {
        ...discordEnv,
        DISCORD_GUILD_ID: ` ${A}, ${B},${A} `,
      });
      expect(fromEnv.chat.discord?.guildIds).toEqual([A, B]);
      const fromFile = await load(`chat: { discord: { guilds: ["${A}", "${B}"] } }\n`, discordEnv);
      expect(fromFile.chat.discord?.guildIds).toEqual([A, B]);
      const legacy = await load(`chat: { discord: { guildId: "${B}" } }\n`, discordEnv);
      expect(legacy.chat.discord?.guildIds).toEqual([B]);
    });

    it('refuses an id that is not a guild id', async () => {
      const message = await refusal('{}\n', { ...discordEnv, DISCORD_GUILD_ID: `${A},my-server` });
      expect(message).toContain('environment variable DISCORD_GUILD_ID: expected guild ids');
      expect(message).toContain('"my-server"');
      expect(await refusal('chat: { discord: { guilds: ["nope"] } }\n', discordEnv)).toContain(
        'chat.discord.guilds[0]',
      );
    });
  });
});
