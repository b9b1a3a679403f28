import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import {
  capLines,
  delistLinks,
  describeDegraded,
  describeReason,
  describeRun,
  formatSince,
  listedSince,
  MAX_LINES,
} from '../src/command-api/format-reply.ts';
import { watchedFilter } from '../src/command-api/inventory.ts';
import {
  describeListedShare,
  isCovered,
  sortListings,
  statusOfTarget,
  type TargetStatus,
} from '../src/command-api/target-status.ts';
import type { ListingState } from '../src/domain/listing.ts';
import { cleanText, type Message } from '../src/domain/message.ts';
import type { Zone } from '../src/domain/zone.ts';

/** How the inventory covers the target, for the first line of the answer. */
function coverage(status: TargetStatus): string {
  if (!isCovered(status)) {
    return `${status.target} is no longer watched; these listings are from the last scan that covered it.`;
  }
  const { entries, scanned } = status.coverage;
  const exact = entries.find((entry) => entry.target === status.target);
  const how = exact
    ? 'is watched'
    : `is watched as part of ${entries.map((entry) => entry.target).join(', ')}`;
  return `${status.target} ${how}${scanned ? '' : ' but not every address has been scanned yet'}.`;
}

/** `/rbl status [target] [public]`: what is listed now, since when and why, as of the last scan. */
export const statusCommand = defineCommand({
  name: 'status',
  description: 'What is listed now: since when, where and why',
  access: 'read',
  options: [
    {
      name: 'target',
      description: 'A watched IP, range or domain (default: everything watched)',
      type: 'string',
      autocomplete: 'target',
    },
    { name: 'public', description: 'Show the answer to the whole channel', type: 'boolean' },
  ],
  async run(context: CommandContext) {
    const { store, zones, clock } = context.services;
    const ephemeral = context.args.public !== true;
    const now = clock();
    const text = typeof context.args.target === 'string' ? context.args.target.trim() : '';
    const [states, degraded, runs, resolverAlarm] = await Promise.all([
      store.getStates(),
      store.getDegradedZones(),
      store.listRuns({ limit: 1 }),
      store.getResolverAlarm(),
    ]);
    // While the resolver is down, "not listed" only means "not listed when last seen": said first, and not "good".
    const blind = resolverAlarm
      ? `The resolver is down or unusable since ${formatSince(resolverAlarm.downSince, now)}: ${cleanText(resolverAlarm.detail, 300)}. These are the listings of the last scan that got answers.`
      : undefined;
    const footer = [describeRun(runs[0], now), describeDegraded(degraded)].filter(Boolean).join(' ');

    if (text === '') {
      // States of targets no longer watched are history now, not "listed".
      const watched = watchedFilter(await store.listInventory());
      const listed = sortListings([...states.values()].filter((state) => watched(state.target)));
      await context.reply(
        summary({ listed, degraded: degraded.size, blind, footer, now, zones: zones.list(), ephemeral }),
      );
      return;
    }

    const inventory = await store.listInventory();
    const resolved = statusOfTarget(text, inventory, states.values());
    if (!resolved.ok) {
      await context.reply({
        title: 'Cannot show the status of that',
        lines: [resolved.error],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    const status = resolved.value;
    const found = status.listings;
    if (!isCovered(status) && found.length === 0) {
      await context.reply({
        title: `${status.target} is not watched`,
        lines: [
          `Look it up now with ${context.syntax('check', status.target)}, or start watching it with ${context.syntax('watch', 'add', status.target)}.`,
        ],
        tone: 'neutral',
        ephemeral,
      });
      return;
    }
    const share = describeListedShare(status);
    // Sentences that begin with a target keep its spelling ("example.com is listed").
    const headline = /^(none|the) /.test(share) ? `${share.charAt(0).toUpperCase()}${share.slice(1)}` : share;
    if (found.length === 0) {
      await context.reply({
        title: headline,
        lines: [
          ...(blind ? [blind] : []),
          coverage(status),
          'Not listed on any list in use, as of the last scan.',
        ],
        tone: degraded.size > 0 || blind ? 'warning' : 'good',
        footer,
        ephemeral,
      });
      return;
    }
    const lines = found.map((state) => {
      const who = status.kind === 'cidr' ? `${state.target} on ` : '';
      return `${who}${state.zone} since ${formatSince(listedSince(state), now)}: ${describeReason(state)}`;
    });
    const links = delistLinks(found, zones.list());
    await context.reply({
      title: headline,
      lines: [coverage(status), ...capLines(lines, MAX_LINES, 'more listings')],
      ...(links.length > 0 ? { links } : {}),
      tone: 'danger',
      footer,
      ephemeral,
    });
  },
});

/** Every listing, when no target is given. */
function summary(input: {
  listed: readonly ListingState[];
  degraded: number;
  /** Why the answer may be stale (the resolver is down), said first. */
  blind: string | undefined;
  footer: string;
  now: Date;
  zones: readonly Zone[];
  ephemeral: boolean;
}): Message {
  const { listed, footer, now, ephemeral } = input;
  if (listed.length === 0) {
    return {
      title: 'Nothing is listed',
      lines: [
        ...(input.blind ? [input.blind] : []),
        'No watched target is listed on any list in use, as of the last scan.',
      ],
      tone: input.degraded > 0 || input.blind ? 'warning' : 'good',
      footer,
      ephemeral,
    };
  }
  const targets = new Set(listed.map((state) => state.target)).size;
  const lines = listed.map(
    (state) =>
      `${state.target} on ${state.zone} since ${formatSince(listedSince(state), now)}: ${describeReason(state)}`,
  );
  const links = delistLinks(listed, input.zones);
  return {
    title: `${listed.length} listing${listed.length === 1 ? '' : 's'} on ${targets} target${targets === 1 ? '' : 's'}`,
    lines: capLines(lines, MAX_LINES, 'more listings (/rbl status TARGET shows one target)'),
    ...(links.length > 0 ? { links } : {}),
    tone: 'danger',
    footer,
    ephemeral,
  };
}
