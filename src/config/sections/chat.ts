/**
 * `chat:` and the chat credentials in the environment. The mapping has one key per registered platform
 * (`chat.slack`, `chat.discord`) plus the lookup limit they share; each platform's definition reads its own
 * settings and variables (`SLACK_*`, `DISCORD_*`) and is on only when its credential is set.
 */
import { z } from 'zod';
import type { ChatPlatformDefinition } from '../../chat/chat-platform.ts';
import { type ChatConfig, type ChatPlatformConfigs, chatPlatforms } from '../../chat/platforms.ts';
import { defaultLookupLimit } from '../../chat/rate-limit.ts';
import { Secret } from '../../domain/secret.ts';
import { durationField, nonEmpty } from '../fields.ts';
import type { SectionContext } from '../section.ts';

const lookupLimitShape = {
  perUser: z.number().int().min(1).max(1000).optional(),
  window: durationField('1m', 1_000, 86_400_000).optional(),
};

/** The top-level keys of this section: `chat`, with a mapping per platform. */
export function chatKeys(platforms: readonly ChatPlatformDefinition[] = chatPlatforms) {
  return {
    chat: z.strictObject({
      ...Object.fromEntries(platforms.map((platform) => [platform.name, platform.configSchema.optional()])),
      lookupLimit: z.strictObject(lookupLimitShape).optional(),
    }),
  };
}

export function chatAllowedKeys(platforms: readonly ChatPlatformDefinition[] = chatPlatforms) {
  return [['chat', [...platforms.map((platform) => platform.name), 'lookupLimit']]] as const;
}

export interface ChatFile {
  readonly chat?: Readonly<Record<string, unknown>> | null | undefined;
}

/** Each platform whose credential is set, read by its definition, and the lookup limit they share. */
export function resolveChat(
  file: ChatFile,
  context: SectionContext,
  platforms: readonly ChatPlatformDefinition[] = chatPlatforms,
): ChatConfig {
  const sections = file.chat ?? {};
  const read = (variable: string) => nonEmpty(context.env[variable]);
  const enabled: [string, unknown][] = [];
  for (const platform of platforms) {
    // The section was checked against this platform's schema by `chatKeys`.
    const section = sections[platform.name] as Parameters<typeof platform.detect>[0];
    const settings = platform.detect(section, {
      read,
      secret: (variable) => {
        const value = read(variable);
        return value === undefined ? undefined : new Secret(value);
      },
      problem: (variable, message) => context.issues.inEnv(variable, message),
    });
    if (settings !== undefined) enabled.push([platform.name, settings]);
  }
  const limit = sections.lookupLimit as z.output<z.ZodObject<typeof lookupLimitShape>> | undefined;
  return {
    ...(Object.fromEntries(enabled) as ChatPlatformConfigs),
    lookupLimit: {
      limit: limit?.perUser ?? defaultLookupLimit.limit,
      windowMs: limit?.window ?? defaultLookupLimit.windowMs,
    },
  };
}
