import { type CommandContext, type CommandOutcome, defineCommand } from '../src/command-api/command.ts';
import { describeCaller } from '../src/command-api/format-reply.ts';
import { checkOverlap, defaultMaxPrefix, describeOverlap, makeEntry } from '../src/command-api/inventory.ts';
import { resolveWatchedTarget } from '../src/command-api/resolve-subject.ts';
import { isReservedAddress } from '../src/command-api/resolve-targets.ts';
import type { InventoryEntry, Labels } from '../src/domain/inventory.ts';
import { cleanText, type Message } from '../src/domain/message.ts';
import { isUserError } from '../src/errors.ts';

function refused(title: string, reason: string): Message {
  return { title, lines: [reason], tone: 'warning', ephemeral: true };
}

/** Answers a refusal privately and reports `outcome`. */
async function refuse(
  context: CommandContext,
  outcome: CommandOutcome,
  title: string,
  reason: string,
): Promise<CommandOutcome> {
  await context.reply(refused(title, reason));
  return outcome;
}

function labelsOf(args: CommandContext['args']): Labels {
  const labels: { owner?: string; team?: string; customer?: string } = {};
  for (const key of ['owner', 'team', 'customer'] as const) {
    const value = args[key];
    if (typeof value === 'string' && value.trim() !== '') labels[key] = value.trim();
  }
  return labels;
}

function describeLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([key, value]) => `${key} ${Array.isArray(value) ? value.join(',') : String(value)}`,
  );
  return parts.length > 0 ? `Labels: ${parts.join(', ')}.` : 'No labels.';
}

/**
 * Why chat may not add this entry, beyond what `watch add` on the CLI refuses: reserved space (no public list
 * lists it) and ranges wider than the CLI's default /24, which multiply every scan's lookups.
 */
function chatRefusal(entry: InventoryEntry): string | undefined {
  if (entry.kind === 'domain') return undefined;
  const [address = '', prefix] = entry.target.split('/');
  if (isReservedAddress(address)) {
    return `${entry.target} is private, loopback or reserved address space; no public blocklist lists it`;
  }
  if (prefix !== undefined && Number(prefix) < defaultMaxPrefix) {
    return `${entry.target} is wider than /${defaultMaxPrefix}; add wider ranges with the CLI (rblwatch watch add)`;
  }
  return undefined;
}

async function add(context: CommandContext, text: string): Promise<CommandOutcome> {
  const { store, clock } = context.services;
  const by = describeCaller(context.user);
  let entry: InventoryEntry;
  try {
    entry = makeEntry(text, labelsOf(context.args), {
      source: 'store',
      addedAt: clock().toISOString(),
      addedBy: by,
    });
  } catch (error) {
    if (isUserError(error)) return refuse(context, 'invalid', 'Nothing was added', cleanText(error.message));
    throw error;
  }
  const notForChat = chatRefusal(entry);
  if (notForChat) return refuse(context, 'refused', 'Nothing was added', notForChat);
  // The same checks, and the same wording, as `rblwatch watch add`, made on the inventory as it is inside the one
  // atomic change: a `watch add` of the same target from the CLI at the same moment cannot be overwritten.
  let refusal: string | undefined;
  await store.changeInventory((current) => {
    refusal = undefined;
    const { duplicate, overlaps } = checkOverlap(current, entry.target);
    const overlap = overlaps[0];
    if (duplicate) {
      const where = duplicate.source === 'config' ? 'config file' : 'store';
      refusal = `${entry.target} is already watched (${where})`;
    } else if (overlap) {
      // The CLI only warns: each address is scanned once, credited to the first entry. From chat an overlapping
      // entry is almost always a mistake (its labels would never route the shared addresses), so it is refused.
      refusal =
        `${entry.target} overlaps ${overlap.target} (${describeOverlap(entry, overlap)}); ` +
        'addresses in both would be scanned once, under the first entry. Remove one of them first.';
    }
    return refusal ? {} : { put: [entry] };
  });
  if (refusal) return refuse(context, 'refused', 'Nothing was added', refusal);
  context.log.info({ by, action: 'watch-add', target: entry.target, labels: entry.labels }, 'watch add');
  await context.reply({
    title: `Now watching ${entry.target}`,
    lines: [
      describeLabels(entry.labels),
      `The next scan covers it; ${context.syntax('status', entry.target)} shows the result.`,
    ],
    tone: 'good',
    footer: `Added by ${by}`,
    // Announced to the channel, like every change: the team sees who changed what is watched.
    ephemeral: false,
  });
  return 'ok';
}

async function remove(context: CommandContext, text: string): Promise<CommandOutcome> {
  const { store } = context.services;
  let refusal: { outcome: 'invalid' | 'not-found' | 'refused'; why: string } | undefined;
  let target = '';
  await store.changeInventory((current) => {
    refusal = undefined;
    const resolved = resolveWatchedTarget(text, current);
    if (!resolved.ok) {
      refusal = { outcome: 'invalid', why: resolved.error };
      return {};
    }
    const { exact, within } = resolved.value;
    target = resolved.value.target;
    if (!exact) {
      const inside = within.length > 0 ? `; it is part of ${within.map((e) => e.target).join(', ')}` : '';
      refusal = { outcome: 'not-found', why: `${target} is not watched${inside}` };
    } else if (exact.source === 'config') {
      refusal = { outcome: 'refused', why: `${target} comes from the config file; remove it there` };
    }
    return refusal ? {} : { remove: [target] };
  });
  if (refusal) return refuse(context, refusal.outcome, 'Nothing was removed', refusal.why);
  const by = describeCaller(context.user);
  context.log.info({ by, action: 'watch-remove', target }, 'watch remove');
  await context.reply({
    title: `Stopped watching ${target}`,
    lines: [`Its history is kept: ${context.syntax('history', target)}.`],
    tone: 'neutral',
    footer: `Removed by ${by}`,
    ephemeral: false,
  });
  return 'ok';
}

/**
 * `/rbl watch add|remove target [owner] [team] [customer]`: change what is watched. Listing what is watched is
 * `/rbl watched`, a read command, so people without change rights can see it.
 */
export const watchCommand = defineCommand({
  name: 'watch',
  description: 'Start or stop watching an IP, a range up to /24 or a domain',
  access: 'change',
  options: [
    {
      name: 'action',
      description: 'add or remove',
      type: 'string',
      required: true,
      choices: ['add', 'remove'],
    },
    {
      name: 'target',
      description: 'IP address, IPv4 range up to /24, or domain',
      type: 'string',
      required: true,
      autocomplete: 'target',
    },
    { name: 'owner', description: 'Owner label for alert routing (add only)', type: 'string' },
    { name: 'team', description: 'Team label for alert routing (add only)', type: 'string' },
    { name: 'customer', description: 'Customer label (add only)', type: 'string' },
  ],
  async run(context: CommandContext) {
    const action = context.args.action;
    const text = String(context.args.target ?? '');
    if (action === 'add') return add(context, text);
    if (action === 'remove') return remove(context, text);
    return refuse(context, 'invalid', 'Nothing was changed', 'the action must be add or remove');
  },
});
