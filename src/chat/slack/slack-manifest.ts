import { stringify } from 'yaml';
import { ErrorCode, UserError } from '../../errors.ts';

/**
 * The Slack app manifest for rblwatch: paste it into "Create New App → From an app manifest" and the app has the
 * slash command, the bot scopes and the connection mode it needs. Field names and limits follow Slack's manifest
 * schema (version 1).
 *
 * @see https://docs.slack.dev/reference/app-manifest
 * @see https://github.com/slackapi/manifest-schema/blob/main/schemas/manifest.schema.1.0.0.json
 */

export interface SlackManifestOptions {
  /** App and bot name (default `rblwatch`): 1-35 characters. */
  readonly appName?: string;
  /** The slash command (default `/rbl`): `/` then lowercase letters, digits, `-` or `_`, 2-32 characters in all. */
  readonly command?: string;
  /** `socket`: Socket Mode, no public URL. `http`: Slack posts to `requestUrl`. */
  readonly mode: 'socket' | 'http';
  /** Required in `http` mode: the public https URL of the receiver, ending in `/slack/events`. */
  readonly requestUrl?: string;
}

export interface SlackManifest {
  readonly _metadata: { readonly major_version: 1; readonly minor_version: 1 };
  readonly display_information: { readonly name: string; readonly description: string };
  readonly features: {
    readonly bot_user: { readonly display_name: string; readonly always_online: boolean };
    readonly slash_commands: readonly {
      readonly command: string;
      readonly description: string;
      readonly usage_hint: string;
      readonly should_escape: boolean;
      readonly url?: string;
    }[];
  };
  readonly oauth_config: { readonly scopes: { readonly bot: readonly string[] } };
  readonly settings: {
    readonly interactivity: { readonly is_enabled: boolean; readonly request_url?: string };
    readonly org_deploy_enabled: boolean;
    readonly socket_mode_enabled: boolean;
    readonly token_rotation_enabled: boolean;
  };
}

/**
 * Bot scopes, each for one thing rblwatch does:
 * `commands` (the slash command), `chat:write` (alerts and reports), `chat:write.public` (post in public channels
 * without being invited), `usergroups:read` (user groups allowed to change state), `users:read` (admins and owners).
 */
export const SLACK_BOT_SCOPES = Object.freeze([
  'commands',
  'chat:write',
  'chat:write.public',
  'usergroups:read',
  'users:read',
] as const);

const commandPattern = /^\/[a-z0-9_-]{1,31}$/;

function invalid(message: string): never {
  throw new UserError(ErrorCode.CONFIG_INVALID, `Slack manifest: ${message}`);
}

/** Build the manifest as an object (pure). Throws a CONFIG_INVALID AppError on options Slack would refuse. */
export function buildSlackManifest(options: SlackManifestOptions): SlackManifest {
  const appName = options.appName ?? 'rblwatch';
  const command = options.command ?? '/rbl';
  if (appName.trim().length === 0 || appName.length > 35) invalid('the app name must be 1-35 characters');
  if (!commandPattern.test(command)) {
    invalid(`the command "${command.slice(0, 40)}" must be "/" and 1-31 of a-z, 0-9, "-" or "_"`);
  }
  let requestUrl: string | undefined;
  if (options.mode === 'http') {
    if (!options.requestUrl) invalid('http mode needs the public request URL (https://…/slack/events)');
    let parsed: URL;
    try {
      parsed = new URL(options.requestUrl);
    } catch {
      invalid('the request URL is not a URL');
    }
    if (parsed.protocol !== 'https:') invalid('Slack only calls https request URLs');
    if (options.requestUrl.length > 3_000) invalid('the request URL is longer than 3,000 characters');
    requestUrl = options.requestUrl;
  } else if (options.mode !== 'socket') {
    invalid('mode must be "socket" or "http"');
  }

  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: appName,
      description: 'DNS blocklist monitor: live lookups, watched targets and listing alerts',
    },
    features: {
      bot_user: { display_name: appName, always_online: true },
      slash_commands: [
        {
          command,
          description: 'Check IPs and domains on DNS blocklists, manage what rblwatch watches',
          usage_hint: 'help | check 192.0.2.1 example.com',
          should_escape: false,
          ...(requestUrl ? { url: requestUrl } : {}),
        },
      ],
    },
    oauth_config: { scopes: { bot: [...SLACK_BOT_SCOPES] } },
    settings: {
      // Link buttons (delist pages) send a block_actions payload that the app acknowledges.
      interactivity: { is_enabled: true, ...(requestUrl ? { request_url: requestUrl } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: options.mode === 'socket',
      token_rotation_enabled: false,
    },
  };
}

/** The manifest as YAML, ready to paste into the Slack app settings. */
export function renderSlackManifestYaml(options: SlackManifestOptions): string {
  return stringify(buildSlackManifest(options), { lineWidth: 0 });
}
