import { randomBytes } from 'node:crypto';
import {
  type ArgValue,
  type CommandContext,
  type CommandDefinition,
  type CommandServices,
  type CommandSyntax,
  type CommandUser,
  chatSyntax,
  type Reply,
} from '../command-api/command.ts';
import { isUserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type ChangePolicy, isAllowedToChange } from './permissions.ts';
import type { RateLimiter } from './rate-limit.ts';

/** One command as an adapter received it, already parsed into typed arguments. */
export interface Invocation {
  readonly command: CommandDefinition;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly user: CommandUser;
  /** Acknowledge now, answer later (Discord `deferReply`; Slack has already acked). */
  defer(): Promise<void>;
  reply(reply: Reply): Promise<void>;
}

export interface CommandRuntimeOptions {
  readonly services: CommandServices;
  readonly log: Logger;
  /** Who may run `change` commands on this platform. */
  readonly policy: ChangePolicy;
  /** Limits commands marked `rateLimited` per user. */
  readonly limiter: RateLimiter;
  /** Correlation ids; injectable for tests. */
  readonly newId?: () => string;
  /** How replies name other commands on this platform (default `/rbl ...`; the configured slash command). */
  readonly syntax?: CommandSyntax;
}

export interface CommandRuntime {
  /** Runs one invocation to the end. Never rejects: every failure becomes a reply and a log line. */
  run(invocation: Invocation): Promise<void>;
}

/**
 * The one path from an adapter to a command: permission check, rate limit, a child logger with a correlation id,
 * and the single error sink. A user error becomes a short reply; anything else is logged in full and the user sees
 * only a generic line with the correlation id, so internals and secrets never reach a channel.
 */
export function createCommandRuntime(options: CommandRuntimeOptions): CommandRuntime {
  const newId = options.newId ?? (() => randomBytes(4).toString('hex'));
  const syntax = options.syntax ?? chatSyntax();
  return {
    async run(invocation) {
      const id = newId();
      const { command, user } = invocation;
      const caller = `${user.platform}:${user.id}`;
      const log = options.log.child({ invocation: id, command: command.name, user: caller });
      const answer = async (reply: Reply) => {
        try {
          await invocation.reply(reply);
        } catch (error) {
          log.error({ err: error }, 'could not deliver the reply');
        }
      };
      if (command.access === 'change' && !isAllowedToChange(user, options.policy)) {
        log.warn('denied: the user may not run commands that change state');
        await answer({
          title: 'Not allowed',
          lines: [
            `\`${command.name}\` changes what rblwatch watches or alerts on. Ask an admin to add you to the allowed users or roles.`,
          ],
          tone: 'warning',
          ephemeral: true,
        });
        return;
      }
      if (command.rateLimited) {
        const waitMs = options.limiter.take(caller);
        if (waitMs > 0) {
          log.warn({ waitMs }, 'rate limited');
          await answer({
            title: 'Slow down',
            lines: [
              `Live lookups are limited per user so the blocklists do not block us. Try again in ${Math.ceil(waitMs / 1000)} s.`,
            ],
            tone: 'warning',
            ephemeral: true,
          });
          return;
        }
      }
      const context: CommandContext = {
        args: invocation.args,
        user,
        defer: () => invocation.defer(),
        reply: (reply) => invocation.reply(reply),
        services: options.services,
        log,
        invocationId: id,
        syntax,
      };
      const started = Date.now();
      try {
        const outcome = (await command.run(context)) ?? 'ok';
        log.info({ ms: Date.now() - started, outcome }, 'command done');
      } catch (error) {
        if (isUserError(error)) {
          log.info({ code: error.code }, `refused: ${error.message}`);
          await answer({ title: 'Cannot do that', lines: [error.message], tone: 'warning', ephemeral: true });
          return;
        }
        log.error({ err: error }, 'command failed');
        await answer({
          title: 'Something went wrong',
          lines: [`The command failed on our side. Reference: ${id} (the operator can find it in the log).`],
          tone: 'danger',
          ephemeral: true,
        });
      }
    },
  };
}
