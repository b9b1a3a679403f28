import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { describeReason, formatTime } from '../src/command-api/format-reply.ts';
import { isWatched, resolveWatchedTarget } from '../src/command-api/resolve-subject.ts';
import type { ListingEvent } from '../src/domain/listing.ts';

/** Events shown; older ones are left to the CLI, which pages through everything. */
const HISTORY_LIMIT = 20;

function describe(event: ListingEvent): string {
  switch (event.kind) {
    case 'listed':
      return event.initial
        ? `already listed on ${event.zone} when watching began: ${describeReason(event)}`
        : `listed on ${event.zone}: ${describeReason(event)}`;
    case 'delisted':
      return `delisted from ${event.zone}`;
    // Zone events carry no target, so a target's history never holds them; kept for completeness.
    case 'zone-degraded':
      return `zone ${event.zone} degraded`;
    case 'zone-recovered':
      return `zone ${event.zone} recovered`;
    case 'resolver-down':
      return `DNS resolver down: ${event.detail ?? ''}`;
    case 'resolver-recovered':
      return 'DNS resolver recovered';
  }
}

/** `/rbl history target`: the target's recorded listings and delistings, newest first. */
export const historyCommand = defineCommand({
  name: 'history',
  description: "A target's listing history, newest first",
  access: 'read',
  options: [
    {
      name: 'target',
      description: 'An IP address or domain (watched now or before)',
      type: 'string',
      required: true,
      autocomplete: 'target',
    },
  ],
  async run(context: CommandContext) {
    const { store } = context.services;
    const resolved = resolveWatchedTarget(String(context.args.target ?? ''), await store.listInventory());
    if (!resolved.ok) {
      await context.reply({
        title: 'Cannot show the history of that',
        lines: [resolved.error],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    const { target, kind } = resolved.value;
    if (kind === 'cidr') {
      await context.reply({
        title: 'History is kept per address',
        lines: [`Give one address of ${target}, or see its current listings with /rbl status ${target}.`],
        tone: 'neutral',
        ephemeral: true,
      });
      return;
    }
    // One more than shown, to know whether older changes exist.
    const { events } = await store.listEvents({ target, limit: HISTORY_LIMIT + 1 });
    if (events.length === 0) {
      await context.reply({
        title: `No recorded changes for ${target}`,
        lines: [
          isWatched(resolved.value)
            ? `${target} has not been listed on any list in use since watching began.`
            : `${target} is not watched and has no recorded history.`,
        ],
        tone: 'neutral',
        ephemeral: true,
      });
      return;
    }
    const lines = events
      .slice(0, HISTORY_LIMIT)
      .map((event) => `${formatTime(event.at)}  ${describe(event)}`);
    if (events.length > HISTORY_LIMIT) {
      lines.push(`... older changes not shown: rblwatch history ${target} lists them all`);
    }
    await context.reply({
      title: `History of ${target}, newest first`,
      lines,
      tone: 'neutral',
      ephemeral: true,
    });
  },
});
