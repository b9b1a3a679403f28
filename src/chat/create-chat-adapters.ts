import { type CommandDefinition, type CommandServices, chatSyntax } from '../command-api/command.ts';
import type { Logger } from '../log.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { ChatConfig } from './chat-config.ts';
import { createCommandRuntime } from './command-runtime.ts';
import { createDiscordAdapter } from './discord/discord-adapter.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createSlackAdapter } from './slack/slack-adapter.ts';

export interface ChatAdapters {
  readonly slack?: ChatAdapter;
  readonly discord?: ChatAdapter;
  readonly all: readonly ChatAdapter[];
}

/**
 * One adapter per platform whose credentials are configured, all running the same commands through one runtime
 * each (the platform's permission policy) and one shared lookup limiter, so a user cannot double their lookups by
 * using both platforms.
 */
export function createChatAdapters(
  config: ChatConfig,
  registry: ReadonlyMap<string, CommandDefinition>,
  services: CommandServices,
  log: Logger,
): ChatAdapters {
  const limiter = createRateLimiter(config.lookupLimit);
  const slack = config.slack
    ? createSlackAdapter({
        config: config.slack,
        registry,
        runtime: createCommandRuntime({
          services,
          log: log.child({ platform: 'slack' }),
          policy: config.slack.policy,
          limiter,
          // Replies name commands as this workspace types them.
          syntax: chatSyntax(config.slack.command),
        }),
        log,
      })
    : undefined;
  const discord = config.discord
    ? createDiscordAdapter({
        config: config.discord,
        registry,
        runtime: createCommandRuntime({
          services,
          log: log.child({ platform: 'discord' }),
          policy: config.discord.policy,
          limiter,
          syntax: chatSyntax(`/${config.discord.command}`),
        }),
        services,
        log,
      })
    : undefined;
  return {
    ...(slack ? { slack } : {}),
    ...(discord ? { discord } : {}),
    all: [slack, discord].filter((adapter): adapter is NonNullable<typeof adapter> => adapter !== undefined),
  };
}
