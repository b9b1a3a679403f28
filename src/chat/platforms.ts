import { defineRegistry } from '../registry.ts';
import type { ChatPlatformDefinition } from './chat-platform.ts';
import { discordPlatform } from './discord/discord-platform.ts';
import type { ChangePolicy } from './permissions.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import { slackPlatform } from './slack/slack-platform.ts';

/** Builds a chat platform registry, refusing empty or repeated names. */
export function defineChatPlatforms<const T extends ChatPlatformDefinition>(
  platforms: readonly T[],
): readonly T[] {
  return defineRegistry('chat platform', platforms, (platform) => platform.name);
}

/**
 * Every chat platform: the one list a new platform is added to (with its folder, which a test checks against this
 * list). Importing it loads no platform SDK: each definition imports its adapter only when it is created.
 */
export const chatPlatforms = defineChatPlatforms([slackPlatform, discordPlatform]);

type Registered = (typeof chatPlatforms)[number];

/** Each registered platform's settings, present when its credential is in the environment. */
export type ChatPlatformConfigs = {
  readonly [P in Registered as P['name']]?: Exclude<ReturnType<P['detect']>, undefined>;
};

/** Chat as configured: the platforms that are on, and the lookup limit they share. */
export interface ChatConfig extends ChatPlatformConfigs {
  /** Per-user limit on live lookups, shared by every platform. */
  readonly lookupLimit: RateLimitOptions;
}

/** The settings of platform `name` when it is on: what its definition's `create` takes. */
export function platformSettings(
  config: ChatConfig,
  name: string,
): { readonly policy: ChangePolicy; readonly command: string } | undefined {
  // Keyed by platform name; a registry passed in by a test may name a platform the type above does not list.
  const value: unknown = Object.entries(config).find(([key]) => key === name)?.[1];
  return typeof value === 'object' && value !== null && 'policy' in value && 'command' in value
    ? (value as { readonly policy: ChangePolicy; readonly command: string })
    : undefined;
}
