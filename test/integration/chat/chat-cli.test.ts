import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commandRegistry } from '../../../commands/index.ts';
import { type FakeDiscord, snowflake, startFakeDiscord } from '../../helpers/fake-discord.ts';
import { runCli } from '../../helpers/run-cli.ts';

describe('rblwatch slack-manifest', () => {
  it('prints a manifest with the fields Slack requires, for Socket Mode by default', async () => {
    const result = await runCli(['slack-manifest']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = parse(result.stdout);
    // Required by the manifest schema: display_information.name; a bot user for slash commands and chat:write.
    expect(manifest.display_information.name).toBe('rblwatch');
    expect(manifest.features.bot_user.display_name).toBe('rblwatch');
    expect(manifest.features.slash_commands).toEqual([
      expect.objectContaining({ command: '/rbl', should_escape: false }),
    ]);
    expect(manifest.features.slash_commands[0].url).toBeUndefined();
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']));
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('points commands and interactivity at the receiver in http mode, and refuses plain http', async () => {
    const url = 'https://rbl.example.net/slack/events';
    const result = await runCli(['slack-manifest', '--mode', 'http', '--request-url', url]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = parse(result.stdout);
    expect(manifest.features.slash_commands[0].url).toBe(url);
    expect(manifest.settings.interactivity.request_url).toBe(url);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    const insecure = await runCli(['slack-manifest', '--request-url', 'http://rbl.example.net/slack/events']);
    expect(insecure.code).toBe(64);
    expect(insecure.stdout).toBe('');
  });
});

describe('rblwatch discord-register', () => {
  let discord: FakeDiscord;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(async () => {
    await discord?.close();
  });

  const register = (...args: string[]) =>
    runCli(['discord-register', ...args], {
      env: {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_GUILD_ID: discord.guildId,
        DISCORD_API_URL: discord.apiUrl,
      },
    });
  const writes = () =>
    discord.calls.filter((call) => call.method !== 'GET' && call.path.includes('/commands'));

  it('creates /rbl in a guild once, then sends nothing while it is up to date', async () => {
    const first = await register('--guild', discord.guildId);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 created, 0 updated, 0 removed');
    const [command] = discord.commands(discord.guildId);
    expect(command?.name).toBe('rbl');
    const subcommands = (command as unknown as { options: { name: string }[] }).options.map(
      (option) => option.name,
    );
    expect(subcommands.sort()).toEqual([...commandRegistry.keys()].sort());
    expect(writes()).toHaveLength(1);

    const again = await register('--guild', discord.guildId, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ scope: 'guild', created: [], updated: [], removed: [] });
    expect(writes()).toHaveLength(1);
  });

  it('updates only what differs', async () => {
    const [command] = discord.commands(discord.guildId);
    discord.seedCommands([{ ...(command as object), description: 'an older description' }], discord.guildId);
    const before = writes().length;
    const result = await register('--guild', discord.guildId);
    expect(result.code, result.stderr).toBe(0);
    expect(
      writes()
        .slice(before)
        .map((call) => call.method),
    ).toEqual(['PATCH']);
  });

  it('registers in every server DISCORD_GUILD_ID lists, never globally', async () => {
    const second = snowflake();
    const result = await runCli(['discord-register', '--json'], {
      env: {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_GUILD_ID: `${discord.guildId},${second}`,
        DISCORD_API_URL: discord.apiUrl,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      expect.objectContaining({ guild: discord.guildId, scope: 'guild', created: [] }),
      expect.objectContaining({ guild: second, scope: 'guild', created: ['rbl'] }),
    ]);
    expect(discord.commands(second).map((command) => command.name)).toEqual(['rbl']);
    expect(discord.commands('global')).toEqual([]);
  });

  it('refuses to run without the servers the bot serves', async () => {
    const result = await runCli(['discord-register'], {
      env: {
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_API_URL: discord.apiUrl,
      },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('DISCORD_GUILD_ID: set the server (guild) id(s) the bot serves');
  });

  it('says what to set when Discord is not configured, and never prints the token on a refusal', async () => {
    const missing = await runCli(['discord-register']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('DISCORD_TOKEN');
    const wrong = await runCli(['discord-register', '--guild', discord.guildId], {
      env: {
        DISCORD_TOKEN: 'not-the-right-token',
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_GUILD_ID: discord.guildId,
        DISCORD_API_URL: discord.apiUrl,
      },
    });
    expect(wrong.code).toBe(69);
    expect(wrong.stderr).toContain('HTTP 401');
    expect(wrong.stderr).not.toContain('not-the-right-token');
  });
});
