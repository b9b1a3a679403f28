import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { capLines, formatDuration, formatTime, MAX_LINES } from '../src/command-api/format-reply.ts';
import { cleanText } from '../src/domain/message.ts';

/** `/rbl mutes`: what is muted, until when, by whom and why. */
export const mutesCommand = defineCommand({
  name: 'mutes',
  description: 'What is muted and until when',
  access: 'read',
  options: [{ name: 'public', description: 'Show the answer to the whole channel', type: 'boolean' }],
  async run(context: CommandContext) {
    const { mutes, clock } = context.services;
    const ephemeral = context.args.public !== true;
    const now = clock();
    const list = (await mutes.listMutes(now)).sort((a, b) => a.until.localeCompare(b.until));
    if (list.length === 0) {
      await context.reply({
        title: 'Nothing is muted',
        lines: ['Every alarm goes out.'],
        tone: 'good',
        ephemeral,
      });
      return;
    }
    const lines = list.map((mute) => {
      const left = formatDuration(Date.parse(mute.until) - now.getTime());
      const by = mute.by ? ` by ${cleanText(mute.by, 100)}` : '';
      const reason = mute.reason ? `: ${cleanText(mute.reason, 200)}` : '';
      return `${mute.scope} ${cleanText(mute.value, 260)} until ${formatTime(mute.until)} (${left} left)${by}${reason}`;
    });
    await context.reply({
      title: `${list.length} mute${list.length === 1 ? '' : 's'} in force`,
      lines: capLines(lines, MAX_LINES, 'more mutes'),
      tone: 'neutral',
      ephemeral,
    });
  },
});
