import { z } from 'zod';
import { chatChannelNotifier } from './chat.ts';

/** Slack channel ids: `C` (public), `G` (private), `D` (direct), then upper-case letters and digits. */
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{6,}$/;

/** `type: slack`: a channel, posted by the Slack bot that `serve` runs. */
export const slackNotifier = chatChannelNotifier({
  type: 'slack',
  description: 'a Slack channel id (`C0123456789`); needs the Slack bot (see Chat)',
  channel: z.string().regex(SLACK_CHANNEL, 'must be a Slack channel id such as C0123456789'),
});
