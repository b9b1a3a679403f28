import { REST } from 'discord.js';
import { commandRegistry } from '../../commands/index.ts';
import { registerDiscordCommands } from '../chat/discord/command-data.ts';
import { SNOWFLAKE } from '../chat/discord/discord-platform.ts';
import { renderSlackManifestYaml } from '../chat/slack/slack-manifest.ts';
import { loadConfig } from '../config/app-config.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { type CliIo, ExitCode } from './io.ts';
import type { ConfigFlags } from './scan-commands.ts';

/** `rblwatch slack-manifest`: the app manifest to paste into api.slack.com/apps ("From an app manifest"). */
export function runSlackManifest(
  flags: { mode?: string; requestUrl?: string; name?: string; command?: string },
  io: CliIo,
): number {
  const mode = flags.mode ?? (flags.requestUrl ? 'http' : 'socket');
  if (mode !== 'socket' && mode !== 'http') {
    throw new UserError(ErrorCode.USAGE, `--mode must be socket or http (got "${mode.slice(0, 20)}")`);
  }
  io.stdout.write(
    renderSlackManifestYaml({
      mode,
      ...(flags.requestUrl ? { requestUrl: flags.requestUrl } : {}),
      ...(flags.name ? { appName: flags.name } : {}),
      ...(flags.command ? { command: flags.command } : {}),
    }),
  );
  return ExitCode.ok;
}

/**
 * `rblwatch discord-register [--guild ID]`: registers `/rbl` with Discord in every server the bot serves
 * (`DISCORD_GUILD_ID`), or only in `--guild`, reading what is registered first and sending only the difference
 * (nothing at all when it is up to date). Guild registration shows at once. There is no global registration:
 * rblwatch refuses commands from servers it does not serve, so a global `/rbl` would only show a dead command
 * there. `--json` prints the result object for one server, an array of them (each with `guild`) for several.
 */
export async function runDiscordRegister(
  flags: ConfigFlags & { guild?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadConfig({ env: io.env, ...(flags.config ? { file: flags.config } : {}) });
  const discord = config.chat.discord;
  if (!discord) {
    throw new UserError(
      ErrorCode.USAGE,
      'set DISCORD_TOKEN and DISCORD_APPLICATION_ID (see README, Chat: Discord) to register commands',
    );
  }
  if (flags.guild !== undefined && !SNOWFLAKE.test(flags.guild)) {
    throw new UserError(ErrorCode.USAGE, '--guild must be a guild id (a long number)');
  }
  const guildIds = flags.guild !== undefined ? [flags.guild] : discord.guildIds;
  const rest = new REST({
    version: '10',
    retries: 1,
    ...(discord.apiUrl ? { api: discord.apiUrl } : {}),
  }).setToken(discord.token.reveal());
  try {
    const results = [];
    for (const guildId of guildIds) {
      const result = await registerDiscordCommands({
        rest,
        applicationId: discord.applicationId,
        guildId,
        registry: commandRegistry,
        rootName: discord.command,
        log: createLogger({ level: 'warn', destination: io.stderr }),
      });
      results.push({ guild: guildId, ...result });
      if (!flags.json) {
        const changes = result.created.length + result.updated.length + result.removed.length;
        io.stdout.write(
          changes === 0
            ? `/${discord.command} is already registered in guild ${guildId}: nothing to change\n`
            : `registered in guild ${guildId}: ${result.created.length} created, ${result.updated.length} updated, ${result.removed.length} removed\n`,
        );
      }
    }
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    }
    return ExitCode.ok;
  } catch (error) {
    const status = (error as { status?: number }).status;
    io.stderr.write(
      `rblwatch: Discord refused the registration${status ? ` (HTTP ${status})` : ''}: ${
        status === 401 ? 'the token is wrong' : error instanceof Error ? error.message : String(error)
      }\n`,
    );
    return ExitCode.unavailable;
  }
}
