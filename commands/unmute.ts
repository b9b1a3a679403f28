import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { describeCaller } from '../src/command-api/format-reply.ts';
import { findMute } from '../src/command-api/resolve-subject.ts';

/** `/rbl unmute subject`: end a mute early. */
export const unmuteCommand = defineCommand({
  name: 'unmute',
  description: 'End a mute early',
  access: 'change',
  options: [{ name: 'subject', description: 'The muted zone or target', type: 'string', required: true }],
  async run(context: CommandContext) {
    const { mutes, clock } = context.services;
    const now = clock();
    const found = findMute(await mutes.listMutes(now), String(context.args.subject ?? ''));
    if (!found.ok || found.value === undefined) {
      await context.reply({
        title: 'Nothing was unmuted',
        lines: [found.ok ? `That is not muted; ${context.syntax('mutes')} lists what is.` : found.error],
        tone: 'warning',
        ephemeral: true,
      });
      return found.ok ? 'not-found' : 'invalid';
    }
    const { scope, value } = found.value;
    // false: it expired between the read and now, which is the outcome asked for anyway.
    await mutes.removeMute(scope, value, now);
    const by = describeCaller(context.user);
    context.log.info({ by, action: 'unmute', scope, subject: value }, 'unmute');
    await context.reply({
      title: `Unmuted ${value}`,
      lines: [`New listings ${scope === 'zone' ? 'on' : 'of'} ${value} raise alarms again.`],
      tone: 'neutral',
      footer: `Unmuted by ${by}`,
      ephemeral: false,
    });
    return 'ok';
  },
});
