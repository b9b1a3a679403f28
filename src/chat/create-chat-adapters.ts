import { type CommandDefinition, type CommandServices, chatSyntax } from '../command-api/command.ts';
import type { Logger } from '../log.ts';
import type { ChatAdapter } from './chat-adapter.ts';
import type { ChatPlatformDefinition } from './chat-platform.ts';
import { createCommandRuntime } from './command-runtime.ts';
import { type ChatConfig, chatPlatforms, platformSettings } from './platforms.ts';
import { createRateLimiter } from './rate-limit.ts';

export interface ChatAdapters {
  /** The adapters by platform name (`slack`), for the channel destinations they post to. */
  readonly byPlatform: ReadonlyMap<string, ChatAdapter>;
  readonly all: readonly ChatAdapter[];
}

/**
 * One adapter per platform whose credentials are configured, all running the same commands through one runtime
 * each (the platform's permission policy) and one shared lookup limiter, so a user cannot double their lookups by
 * using both platforms. Nothing is connected yet: each adapter's `start` does that.
 */
export async function createChatAdapters(
  config: ChatConfig,
  registry: ReadonlyMap<string, CommandDefinition>,
  services: CommandServices,
  log: Logger,
  platforms: readonly ChatPlatformDefinition[] = chatPlatforms,
): Promise<ChatAdapters> {
  const limiter = createRateLimiter(config.lookupLimit);
  const byPlatform = new Map<string, ChatAdapter>();
  for (const platform of platforms) {
    const platformConfig = platformSettings(config, platform.name);
    if (platformConfig === undefined) continue;
    const runtime = createCommandRuntime({
      services,
      log: log.child({ platform: platform.name }),
      policy: platformConfig.policy,
      limiter,
      // Replies name commands as people type them on this platform.
      syntax: chatSyntax(
        platformConfig.command.startsWith('/') ? platformConfig.command : `/${platformConfig.command}`,
      ),
    });
    byPlatform.set(
      platform.name,
      await platform.create(platformConfig, { registry, runtime, services, log }),
    );
  }
  return { byPlatform, all: [...byPlatform.values()] };
}
