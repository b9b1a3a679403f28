import { z } from 'zod';
import { chatChannelNotifier } from './chat.ts';

/** Discord ids are 64-bit snowflakes written in decimal. */
const DISCORD_CHANNEL = /^\d{15,21}$/;

/** `type: discord`: a channel, posted by the Discord bot that `serve` runs. */
export const discordNotifier = chatChannelNotifier({
  type: 'discord',
  description: 'a Discord channel id, quoted (`"112233445566778899"`); needs the Discord bot (see Chat)',
  channel: z.string().regex(DISCORD_CHANNEL, 'must be a Discord channel id (a long number, quoted)'),
});
