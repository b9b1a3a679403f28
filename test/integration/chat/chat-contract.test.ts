import { describeChatAdapter } from '../../contract/chat-adapter.contract.ts';
import { createDiscordHarness } from '../../helpers/discord-harness.ts';
import { createSlackHarness } from '../../helpers/slack-harness.ts';

describeChatAdapter('slack (HTTP receiver)', async (options) => ({
  harness: await createSlackHarness({ ...options, mode: 'http' }),
  channel: 'C0ALERTS01',
}));

describeChatAdapter('slack (Socket Mode)', async (options) => ({
  harness: await createSlackHarness({ ...options, mode: 'socket' }),
  channel: 'C0ALERTS01',
}));

describeChatAdapter('discord (gateway and REST)', async (options) => {
  const harness = await createDiscordHarness(options);
  return { harness, channel: harness.fake.channelId };
});
