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
import { isWatched, resolveWatchedTarget, type WatchedTarget } from '../src/command-api/resolve-subject.ts';
import type { ListingState } from '../src/domain/listing.ts';
import type { Zone } from '../src/domain/zone.ts';
import { makeEntry, relateTargets } from '../src/inventory/inventory.ts';
import type { Message } from '../src/render/message.ts';

function byTargetAndZone(a: ListingState, b: ListingState): number {
  return a.target.localeCompare(b.target) || a.zone.localeCompare(b.zone);
}

/** The listings of one target: the target itself, or every address of a range. */
function listingsOf(target: WatchedTarget, listed: readonly ListingState[]): ListingState[] {
  if (target.kind !== 'cidr') return listed.filter((state) => state.target === target.target);
  // relateTargets compares with an entry: a range typed but not watched as such gets a throwaway one.
  const range =
    target.exact ?? makeEntry(target.target, {}, { source: 'store', addedAt: new Date(0).toISOString() });
  return listed.filter((state) => {
    const relation = relateTargets(state.target, range);
    return relation === 'inside' || relation === 'same';
  });
}

/** How the inventory covers the target, for the first line of the answer. */
function coverage(target: WatchedTarget): string {
  if (target.exact) {
    return target.exact.firstScannedAt === undefined
      ? `${target.target} is watched but not scanned yet.`
      : `${target.target} is watched.`;
  }
  const ranges = target.within.map((entry) => entry.target).join(', ');
  return `${target.target} is watched as part of ${ranges}.`;
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
    const [states, degraded, runs] = await Promise.all([
      store.getStates(),
      store.getDegradedZones(),
      store.listRuns({ limit: 1 }),
    ]);
    const listed = [...states.values()].filter((state) => state.status === 'listed').sort(byTargetAndZone);
    const footer = [describeRun(runs[0], now), describeDegraded(degraded)].filter(Boolean).join(' ');

    if (text === '') {
      await context.reply(
        summary({ listed, degraded: degraded.size, footer, now, zones: zones.list(), ephemeral }),
      );
      return;
    }

    const resolved = resolveWatchedTarget(text, await store.listInventory());
    if (!resolved.ok) {
      await context.reply({
        title: 'Cannot show the status of that',
        lines: [resolved.error],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    const target = resolved.value;
    const found = listingsOf(target, listed);
    if (!isWatched(target) && found.length === 0) {
      await context.reply({
        title: `${target.target} is not watched`,
        lines: [
          `Look it up now with /rbl check ${target.target}, or start watching it with /rbl watch add ${target.target}.`,
        ],
        tone: 'neutral',
        ephemeral,
      });
      return;
    }
    const first = isWatched(target)
      ? coverage(target)
      : `${target.target} is no longer watched; these listings are from the last scan that covered it.`;
    if (found.length === 0) {
      await context.reply({
        title: `${target.target} is not listed`,
        lines: [first, 'Not listed on any list in use, as of the last scan.'],
        tone: degraded.size > 0 ? 'warning' : 'good',
        footer,
        ephemeral,
      });
      return;
    }
    const zonesListing = new Set(found.map((state) => state.zone)).size;
    const lines = found.map((state) => {
      const who = target.kind === 'cidr' ? `${state.target} on ` : '';
      return `${who}${state.zone} since ${formatSince(listedSince(state), now)}: ${describeReason(state)}`;
    });
    const links = delistLinks(found, zones.list());
    await context.reply({
      title: `${target.target} is listed on ${zonesListing} list${zonesListing === 1 ? '' : 's'}`,
      lines: [first, ...capLines(lines, MAX_LINES, 'more listings')],
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
  footer: string;
  now: Date;
  zones: readonly Zone[];
  ephemeral: boolean;
}): Message {
  const { listed, footer, now, ephemeral } = input;
  if (listed.length === 0) {
    return {
      title: 'Nothing is listed',
      lines: ['No watched target is listed on any list in use, as of the last scan.'],
      tone: input.degraded > 0 ? 'warning' : 'good',
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
