import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { capLines, formatTime, MAX_LINES } from '../src/command-api/format-reply.ts';
import { countTargets } from '../src/command-api/inventory.ts';
import type { InventoryEntry } from '../src/domain/inventory.ts';
import { cleanText } from '../src/domain/message.ts';

function describe(entry: InventoryEntry): string {
  const labels = Object.entries(entry.labels)
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(', ');
  const origin =
    entry.source === 'config'
      ? 'config file'
      : `added ${formatTime(entry.addedAt)}${entry.addedBy ? ` by ${cleanText(entry.addedBy, 100)}` : ''}`;
  const scanned = entry.firstScannedAt === undefined ? ', not scanned yet' : '';
  return `${entry.target}${labels ? ` (${labels})` : ''}: ${origin}${scanned}`;
}

/** `/rbl watched [public]`: what is watched, with labels and where each entry came from. */
export const watchedCommand = defineCommand({
  name: 'watched',
  description: 'List the watched IPs, ranges and domains',
  access: 'read',
  options: [{ name: 'public', description: 'Show the answer to the whole channel', type: 'boolean' }],
  async run(context: CommandContext) {
    const ephemeral = context.args.public !== true;
    const entries = await context.services.store.listInventory();
    if (entries.length === 0) {
      await context.reply({
        title: 'Nothing is watched yet',
        lines: [`Add targets to the config file, or run ${context.syntax('watch', 'add', 'TARGET')}.`],
        tone: 'neutral',
        ephemeral,
      });
      return;
    }
    const sorted = [...entries].sort((a, b) => a.target.localeCompare(b.target));
    const targets = countTargets(entries);
    await context.reply({
      title: `Watching ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${targets} single target${targets === 1 ? '' : 's'} to look up)`,
      lines: capLines(sorted.map(describe), MAX_LINES, 'more (rblwatch watch list shows all)'),
      tone: 'neutral',
      ephemeral,
    });
  },
});
