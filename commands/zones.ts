import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { capLines, formatTime, MAX_LINES } from '../src/command-api/format-reply.ts';
import type { ZoneHealth } from '../src/domain/check-result.ts';
import { cleanText } from '../src/domain/message.ts';

/** Health values that mean a zone's answers cannot be used. */
const broken: ReadonlySet<ZoneHealth> = new Set(['wildcard', 'refused', 'unreachable']);

/** `/rbl zones`: the lists in use, what they list, how much a listing matters, and whether they answer. */
export const zonesCommand = defineCommand({
  name: 'zones',
  description: 'The blocklists in use: kind, severity and health',
  access: 'read',
  options: [{ name: 'public', description: 'Show the answer to the whole channel', type: 'boolean' }],
  async run(context: CommandContext) {
    const { zones, store, mutes, clock } = context.services;
    const ephemeral = context.args.public !== true;
    // Health may need a live probe when no scan has covered a zone yet.
    await context.defer();
    const now = clock();
    const [health, degraded, muted] = await Promise.all([
      zones.health(),
      store.getDegradedZones(),
      mutes.listMutes(now),
    ]);
    const healthOf = new Map(health.map((report) => [report.zone, report]));
    const mutedUntil = new Map(
      muted.filter((mute) => mute.scope === 'zone').map((mute) => [mute.value, mute.until]),
    );
    const list = zones.list();
    let unhealthy = 0;
    const lines = list.map((zone) => {
      const report = healthOf.get(zone.zone);
      const state = report?.health ?? 'not checked yet';
      if ((report && broken.has(report.health)) || degraded.has(zone.zone)) unhealthy++;
      const notes = [
        report && report.health !== 'ok' ? cleanText(report.detail, 120) : '',
        degraded.has(zone.zone) ? 'degraded: answers not used' : '',
        mutedUntil.has(zone.zone) ? `muted until ${formatTime(mutedUntil.get(zone.zone) ?? '')}` : '',
      ].filter(Boolean);
      const name = zone.name === zone.zone ? '' : ` (${cleanText(zone.name, 60)})`;
      return `${zone.zone}${name}: ${zone.kind}, ${zone.severity}, ${state}${notes.length ? `; ${notes.join('; ')}` : ''}`;
    });
    await context.reply({
      title: `${list.length} list${list.length === 1 ? '' : 's'} in use${unhealthy > 0 ? `, ${unhealthy} not healthy` : ''}`,
      lines: capLines(lines, MAX_LINES, 'more lists (rblwatch zones shows all)'),
      tone: unhealthy > 0 ? 'warning' : 'good',
      footer: 'Health is from the last scan that queried each list, or probed now.',
      ephemeral,
    });
  },
});
