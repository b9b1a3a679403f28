import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { describeCaller, formatDuration, formatTime } from '../src/command-api/format-reply.ts';
import { resolveMuteSubject } from '../src/command-api/resolve-subject.ts';
import { parseDuration } from '../src/domain/duration.ts';
import { cleanText, type Message } from '../src/domain/message.ts';

/** Shortest mute: anything shorter ends before the next scan could notice it. */
export const MIN_MUTE_MS = 60_000;
/** Longest mute: a forgotten mute must not silence a list or a target for good. */
export const MAX_MUTE_MS = 90 * 86_400_000;

function refused(reason: string): Message {
  return { title: 'Nothing was muted', lines: [reason], tone: 'warning', ephemeral: true };
}

/** `/rbl mute subject duration [reason]` (`rblwatch mute` in a shell): silence new alarms for a zone or a watched target for a while. */
export const muteCommand = defineCommand({
  name: 'mute',
  description: 'Silence new alarms for a zone or a watched target for a while',
  access: 'change',
  options: [
    {
      name: 'subject',
      description: 'A zone in use, or a watched IP, range or domain',
      type: 'string',
      required: true,
    },
    {
      name: 'duration',
      description: 'How long: 30m, 2h, 7d or 1h30m (at most 90d)',
      type: 'string',
      required: true,
    },
    { name: 'reason', description: 'Why, for the others in the channel', type: 'string', rest: true },
  ],
  async run(context: CommandContext) {
    const { store, zones, mutes, clock } = context.services;
    const durationText = String(context.args.duration ?? '').trim();
    const ms = parseDuration(durationText.toLowerCase());
    if (ms === undefined) {
      await context.reply(refused('the duration must look like 30m, 2h, 7d or 1h30m'));
      return 'invalid';
    }
    if (ms < MIN_MUTE_MS || ms > MAX_MUTE_MS) {
      await context.reply(
        refused(ms < MIN_MUTE_MS ? 'a mute lasts at least 1 minute' : 'a mute lasts at most 90 days'),
      );
      return 'invalid';
    }

    const subject = resolveMuteSubject(
      String(context.args.subject ?? ''),
      zones.list(),
      await store.listInventory(),
      context.syntax,
    );
    if (!subject.ok) {
      await context.reply(refused(subject.error));
      return 'invalid';
    }
    const { scope, value } = subject.value;

    const now = clock();
    const until = new Date(now.getTime() + ms).toISOString();
    const reason = typeof context.args.reason === 'string' ? cleanText(context.args.reason, 200) : '';
    const by = describeCaller(context.user);
    const earlier = (await mutes.listMutes(now)).find((mute) => mute.scope === scope && mute.value === value);
    await mutes.putMute({
      scope,
      value,
      until,
      createdAt: now.toISOString(),
      by,
      ...(reason ? { reason } : {}),
    });
    context.log.info({ by, action: 'mute', scope, subject: value, until, reason }, 'mute');
    const what = scope === 'zone' ? `New listings on ${value}` : `New listings of ${value}`;
    await context.reply({
      title: `Muted ${value} until ${formatTime(until)}`,
      lines: [
        `${what} will not raise alarms for ${formatDuration(ms)}. Listings are still recorded, and delistings still announced.`,
        ...(reason ? [`Reason: ${reason}`] : []),
        ...(earlier ? [`This replaces the earlier mute until ${formatTime(earlier.until)}.`] : []),
      ],
      tone: 'neutral',
      footer: `Muted by ${by}; ${context.syntax('unmute', value)} ends it early`,
      // Announced to the channel: everyone should know an alarm is silenced, and by whom.
      ephemeral: false,
    });
    return 'ok';
  },
});
