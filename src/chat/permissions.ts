import type { CommandUser } from '../command-api/command.ts';

/**
 * Who may run commands that change state (`watch`, `mute`, `scan`) on one platform, from `rblwatch.yml`.
 * Read-only commands are open to everyone who can see the bot.
 */
export interface ChangePolicy {
  /** Slack user ids (`U0123…`) or Discord user ids. */
  readonly users: readonly string[];
  /** Slack user group ids (`S0123…`) or Discord role ids. */
  readonly roles: readonly string[];
  /** Discord members with Manage Server, Slack workspace admins and owners. Default true. */
  readonly admins: boolean;
}

export const defaultChangePolicy: ChangePolicy = Object.freeze({ users: [], roles: [], admins: true });

export function isAllowedToChange(user: CommandUser, policy: ChangePolicy): boolean {
  if (policy.users.includes(user.id)) return true;
  if (policy.admins && user.admin === true) return true;
  return (user.roles ?? []).some((role) => policy.roles.includes(role));
}
