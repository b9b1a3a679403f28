import type { z } from 'zod';
import type { CommandDefinition, CommandServices } from '../command-api/command.ts';
import type { Secret } from '../domain/secret.ts';
import type { Logger } from '../log.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { CommandRuntime } from './command-runtime.ts';
import type { ChangePolicy } from './permissions.ts';

/** What a platform's {@link ChatPlatformDefinition.detect} reads the environment through. */
export interface ChatPlatformContext {
  /** The variable's value, trimmed; `undefined` when it is unset or empty (as in `.env` files). */
  read(variable: string): string | undefined;
  /** The variable's value as a {@link Secret}, or `undefined` when it is unset or empty. */
  secret(variable: string): Secret | undefined;
  /** Records a problem with `variable`; the start is refused with every problem named. */
  problem(variable: string, message: string): void;
}

/** What a platform's adapter is built with. */
export interface ChatPlatformDeps {
  /** The commands `/rbl <name> ...` runs. */
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  /** The shared command runtime, with this platform's permission policy. */
  readonly runtime: CommandRuntime;
  readonly services: CommandServices;
  readonly log: Logger;
}

/**
 * One chat platform: when it is on (its credential is in the environment), how its settings are read (the
 * environment, and `chat.<name>` in `rblwatch.yml`), and how its adapter is built. Each platform folder has one
 * (`slack/slack-platform.ts`), `platforms.ts` lists them, and the config's `chat` mapping, the "needs ..."
 * message of a channel destination and `serve`'s connections are derived from that list.
 */
export interface ChatPlatformDefinition<
  Name extends string = string,
  Schema extends z.ZodObject = z.ZodObject,
  Config extends { readonly policy: ChangePolicy; readonly command: string } = {
    readonly policy: ChangePolicy;
    readonly command: string;
  },
> {
  /** The platform, the key under `chat:` and the type of its channel destinations (`slack`). */
  readonly name: Name;
  /** The variable whose presence turns the platform on (`SLACK_BOT_TOKEN`). */
  readonly credential: string;
  /** `chat.<name>` in `rblwatch.yml`: strict, every key optional. */
  readonly configSchema: Schema;
  /**
   * The platform's settings, or `undefined` when its credential is not set. Problems (a token of the wrong kind,
   * a missing companion variable) are recorded, never skipped.
   */
  detect(section: z.output<Schema> | undefined, context: ChatPlatformContext): Config | undefined;
  /** Builds the adapter. The platform's SDK is imported only here: it is large, and most commands never chat. */
  create(config: Config, deps: ChatPlatformDeps): Promise<ChatAdapter>;
}

/** Who may change things from chat: the users and roles (or groups) listed, and the platform's admins unless not. */
export function changePolicy(
  users: readonly string[] | undefined,
  roles: readonly string[] | undefined,
  admins: boolean | undefined,
): ChangePolicy {
  return { users: users ?? [], roles: roles ?? [], admins: admins ?? true };
}
