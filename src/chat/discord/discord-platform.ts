import { z } from 'zod';
import type { DiscordConfig } from '../chat-config.ts';
import { type ChatPlatformDefinition, changePolicy } from '../chat-platform.ts';

/** Discord ids (users, roles, guilds, channels) are 64-bit snowflakes written in decimal. */
export const SNOWFLAKE = /^\d{15,21}$/;

const ids = (what: string) => z.array(z.string().regex(SNOWFLAKE, `must be ${what}`));

const configSchema = z.strictObject({
  allowedUsers: ids('a Discord user id').optional(),
  allowedRoles: ids('a Discord role id').optional(),
  admins: z.boolean().optional(),
  /** The servers the bot serves; commands from any other server are refused. */
  guilds: ids('a Discord guild (server) id').optional(),
  /** One server; the older spelling of `guilds: [id]`, still accepted. */
  guildId: z.string().regex(SNOWFLAKE, 'must be a Discord guild id').optional(),
  command: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be a command name such as rbl')
    .optional(),
});

/** Discord: on with `DISCORD_TOKEN`; serves only the guilds it is given. */
export const discordPlatform = {
  name: 'discord',
  credential: 'DISCORD_TOKEN',
  configSchema,
  detect(section, context) {
    const token = context.secret('DISCORD_TOKEN');
    if (token === undefined) return undefined;
    const applicationId = context.read('DISCORD_APPLICATION_ID');
    if (!applicationId || !SNOWFLAKE.test(applicationId)) {
      context.problem(
        'DISCORD_APPLICATION_ID',
        'set it to the application id (General Information in the Developer Portal)',
      );
    }
    // The servers the bot serves: the environment (a comma-separated list) wins over the file.
    const fromEnv = context.read('DISCORD_GUILD_ID');
    const listed =
      fromEnv !== undefined
        ? fromEnv.split(',').map((id) => id.trim())
        : [...(section?.guilds ?? []), ...(section?.guildId ? [section.guildId] : [])];
    const guildIds = [...new Set(listed.filter((id) => id !== ''))];
    const malformed = guildIds.filter((id) => !SNOWFLAKE.test(id));
    if (malformed.length > 0) {
      context.problem(
        'DISCORD_GUILD_ID',
        `expected guild ids (long numbers), comma-separated; "${malformed[0]?.slice(0, 40)}" is not one`,
      );
    } else if (guildIds.length === 0) {
      // Without it the bot would answer in any server it is added to, and Manage Server there would count as admin.
      context.problem(
        'DISCORD_GUILD_ID',
        'set the server (guild) id(s) the bot serves; commands from other servers are refused',
      );
    }
    const apiUrl = context.read('DISCORD_API_URL');
    return {
      token,
      applicationId: applicationId ?? '',
      guildIds,
      command: section?.command ?? 'rbl',
      ...(apiUrl ? { apiUrl } : {}),
      policy: changePolicy(section?.allowedUsers, section?.allowedRoles, section?.admins),
    };
  },
  async create(config, deps) {
    const { createDiscordAdapter } = await import('./discord-adapter.ts');
    return createDiscordAdapter({ config, ...deps });
  },
} satisfies ChatPlatformDefinition<'discord', typeof configSchema, DiscordConfig>;
