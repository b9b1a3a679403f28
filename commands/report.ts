import { defineCommand } from '../src/command-api/command.ts';
import { loadReport, renderReportMessage } from '../src/command-api/reports.ts';

/** `/rbl report [public]`: the blacklist report, posted to the channel (it is meant for the team) unless `public: false`. */
export const reportCommand = defineCommand({
  name: 'report',
  description: 'Blacklist report for the channel: listings by zone, severity and target',
  access: 'read',
  options: [
    {
      name: 'public',
      description: 'Post to the channel (default); false shows it only to you',
      type: 'boolean',
    },
  ],
  async run(context) {
    const message = renderReportMessage(await loadReport(context.services));
    await context.reply(context.args.public === false ? { ...message, ephemeral: true } : message);
  },
});
