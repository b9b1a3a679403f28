import { REST } from 'discord.js';
import { commandRegistry } from '../../commands/index.ts';
import { registerDiscordCommands } from '../chat/discord/command-data.ts';
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
 * `rblwatch discord-register [--guild ID]`: registers `/rbl` with Discord, reading what is registered first and
 * sending only the difference (nothing at all when it is up to date). Guild registration shows at once; global
 * registration can take up to an hour to reach every client.
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
  const guildId = flags.guild ?? discord.guildId;
  if (guildId !== undefined && !/^\d{15,21}$/.test(guildId)) {
    throw new UserError(ErrorCode.USAGE, '--guild must be a guild id (a long number)');
  }
  const rest = new REST({
    version: '10',
    retries: 1,
    ...(discord.apiUrl ? { api: discord.apiUrl } : {}),
  }).setToken(discord.token.reveal());
  try {
    const result = await registerDiscordCommands({
      rest,
      applicationId: discord.applicationId,
      ...(guildId ? { guildId } : {}),
      registry: commandRegistry,
      rootName: discord.command,
      log: createLogger({ level: 'warn', destination: io.stderr }),
    });
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const changes = result.created.length + result.updated.length + result.removed.length;
      const where =
        result.scope === 'guild' ? `guild ${guildId}` : 'globally (may take up to an hour to show)';
      io.stdout.write(
        changes === 0
          ? `/${discord.command} is already registered ${where}: nothing to change\n`
          : `registered ${where}: ${result.created.length} created, ${result.updated.length} updated, ${result.removed.length} removed\n`,
      );
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
