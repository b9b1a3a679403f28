import type { Secret } from '../domain/secret.ts';
import type { ChangePolicy } from './permissions.ts';

/**
 * Slack, validated at start from the environment (`SLACK_*`) and `rblwatch.yml` (`chat.slack`). Present only when
 * `SLACK_BOT_TOKEN` is set.
 */
export interface SlackConfig {
  readonly botToken: Secret;
  /**
   * `socket` (default when `SLACK_APP_TOKEN` is set): outbound WebSocket, no inbound port.
   * `http`: the Events API receiver at `/slack/events`, verified with the signing secret.
   */
  readonly mode: 'socket' | 'http';
  /** `xapp-…` token for Socket Mode. */
  readonly appToken?: Secret;
  /** For the HTTP receiver (request signatures). */
  readonly signingSecret?: Secret;
  /** HTTP receiver listen address (default 0.0.0.0:3000). */
  readonly port: number;
  readonly host: string;
  /** The slash command as created in the app (default `/rbl`). */
  readonly command: string;
  /** Web API base; only for tests and proxies (default https://slack.com/api/). */
  readonly apiUrl?: string;
  readonly policy: ChangePolicy;
}

/** Discord, from `DISCORD_*` and `chat.discord`. Present only when `DISCORD_TOKEN` is set. */
export interface DiscordConfig {
  readonly token: Secret;
  /** The application (client) id, needed to register commands. */
  readonly applicationId: string;
  /**
   * The servers (guilds) the bot serves, never empty (`DISCORD_GUILD_ID`, `chat.discord.guilds`). `/rbl` is
   * registered in each of them, and interactions from any other guild, or from outside a guild, are refused before
   * they reach the command runtime: anyone can add a public bot to a server of their own, and Manage Server there
   * must not count as admin here.
   */
  readonly guildIds: readonly string[];
  /** The root command name (default `rbl`). */
  readonly command: string;
  /** REST API base; only for tests and proxies (default https://discord.com/api). */
  readonly apiUrl?: string;
  readonly policy: ChangePolicy;
}
