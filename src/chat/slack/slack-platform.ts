import { z } from 'zod';
import type { SlackConfig } from '../chat-config.ts';
import { type ChatPlatformDefinition, changePolicy } from '../chat-platform.ts';

/** Slack user and user-group ids (`U...`, `W...` on Enterprise Grid, `S...` for groups). */
const SLACK_ID = /^[UWS][A-Z0-9]{6,}$/;

const ids = (what: string) => z.array(z.string().regex(SLACK_ID, `must be ${what}`));

const configSchema = z.strictObject({
  allowedUsers: ids('a Slack user id such as U0123ABCD').optional(),
  allowedGroups: ids('a Slack user group id such as S0123ABCD').optional(),
  admins: z.boolean().optional(),
  mode: z.enum(['socket', 'http']).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  host: z.string().min(1).optional(),
  command: z
    .string()
    .regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /rbl')
    .optional(),
});

/** Slack: on with `SLACK_BOT_TOKEN`; Socket Mode with `SLACK_APP_TOKEN`, else the HTTP receiver. */
export const slackPlatform = {
  name: 'slack',
  credential: 'SLACK_BOT_TOKEN',
  configSchema,
  detect(section, context) {
    const botToken = context.secret('SLACK_BOT_TOKEN');
    if (botToken === undefined) return undefined;
    const appToken = context.secret('SLACK_APP_TOKEN');
    const signingSecret = context.secret('SLACK_SIGNING_SECRET');
    const mode = section?.mode ?? (appToken ? 'socket' : 'http');
    if (!botToken.reveal().startsWith('xoxb-')) {
      context.problem('SLACK_BOT_TOKEN', 'expected a bot token starting with xoxb-');
    }
    if (mode === 'socket' && !appToken) {
      context.problem(
        'SLACK_APP_TOKEN',
        'Socket Mode needs an app-level token (xapp-...) with connections:write',
      );
    } else if (mode === 'socket' && appToken && !appToken.reveal().startsWith('xapp-')) {
      context.problem('SLACK_APP_TOKEN', 'expected an app-level token starting with xapp-');
    }
    if (mode === 'http' && !signingSecret) {
      context.problem(
        'SLACK_SIGNING_SECRET',
        'the HTTP receiver needs the signing secret to verify requests',
      );
    }
    const apiUrl = context.read('SLACK_API_URL');
    return {
      botToken,
      mode,
      ...(appToken ? { appToken } : {}),
      ...(signingSecret ? { signingSecret } : {}),
      port: section?.port ?? 3000,
      host: section?.host ?? '0.0.0.0',
      command: section?.command ?? '/rbl',
      ...(apiUrl ? { apiUrl } : {}),
      policy: changePolicy(section?.allowedUsers, section?.allowedGroups, section?.admins),
    };
  },
  async create(config, deps) {
    const { createSlackAdapter } = await import('./slack-adapter.ts');
    return createSlackAdapter({ config, ...deps });
  },
} satisfies ChatPlatformDefinition<'slack', typeof configSchema, SlackConfig>;
