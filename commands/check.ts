import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { capLines, MAX_LINKS } from '../src/command-api/format-reply.ts';
import { resolveChatTargets } from '../src/command-api/resolve-targets.ts';
import { type CheckResult, formatCodes } from '../src/domain/check-result.ts';
import { cleanText, type MessageLink } from '../src/domain/message.ts';
import { type Target, targetKindNames } from '../src/domain/target.ts';

/** Text from DNS reaches chat: `cleanText` drops control characters; the renderers escape markup and mentions. */
function describe(result: CheckResult): string {
  if (result.status === 'listed') {
    const why = cleanText(formatCodes(result.codes, result.meanings), 200);
    const txt = result.txt.length > 0 ? ` "${cleanText(result.txt.join(' '), 200)}"` : '';
    return `LISTED ${result.target} on ${result.zone}: ${why}${txt}`;
  }
  const detail = result.detail ? ` (${cleanText(result.detail, 120)})` : '';
  return `UNKNOWN ${result.target} on ${result.zone}: ${result.reason ?? 'unknown'}${detail}`;
}

function delistLinksOf(listed: readonly CheckResult[]): MessageLink[] {
  const links: MessageLink[] = [];
  for (const result of listed) {
    // The URL comes from the zone catalog with the target URL-encoded into it; never from DNS or the user.
    if (links.length === MAX_LINKS || !result.delist?.startsWith('https://')) continue;
    if (links.some((link) => link.url === result.delist)) continue;
    links.push({ label: cleanText(`Delist ${result.target} (${result.zone})`, 75), url: result.delist });
  }
  return links;
}

/** "IPv6 addresses", "domains" or "IPv4 addresses and domains": the kinds of targets asked about. */
function describeKinds(targets: readonly Target[]): string {
  const names = targetKindNames;
  return [...new Set(targets.map((target) => names[target.kind]))].join(' and ');
}

/** `/rbl check TARGET...`: a live lookup of a few IPs, a small range or domains. */
export const checkCommand = defineCommand({
  name: 'check',
  description: 'Look IPs, a small range or domains up on every blocklist now',
  access: 'read',
  rateLimited: true,
  options: [
    {
      name: 'targets',
      description: 'IPs, a range up to /28, or domains',
      type: 'string',
      required: true,
      rest: true,
    },
  ],
  async run(context: CommandContext) {
    const resolved = resolveChatTargets(String(context.args.targets ?? ''));
    if (!resolved.ok) {
      await context.reply({
        title: 'Cannot check that',
        lines: [cleanText(resolved.error)],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    await context.defer();
    const { results, resolver } = await context.services.lookup.check(resolved.value);
    if (resolver.status !== 'ok') {
      // One cause for every row: say it once instead of repeating it per list.
      await context.reply({
        title:
          resolver.status === 'down'
            ? 'The resolver is down: nothing was checked'
            : 'The resolver cannot be used: nothing was checked',
        lines: [cleanText(resolver.detail, 400), `${results.length} unknown`],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    if (results.length === 0) {
      await context.reply({
        title: 'Nothing was checked',
        lines: [`No list in use takes ${describeKinds(resolved.value)}, so nothing was looked up.`],
        tone: 'warning',
        ephemeral: true,
      });
      return;
    }
    const listed = results.filter((r) => r.status === 'listed');
    const unknown = results.filter((r) => r.status === 'unknown');
    const clean = results.length - listed.length - unknown.length;
    const title =
      listed.length > 0
        ? `${listed.length} listing${listed.length === 1 ? '' : 's'} found`
        : clean === 0
          ? 'Nothing could be checked'
          : unknown.length > 0
            ? 'No listing found, but some lists could not be checked'
            : 'Clean on every list checked';
    const lines = [
      ...capLines(listed.map(describe), 20, 'more listings'),
      ...capLines(unknown.map(describe), 10, 'more unknown'),
      `${listed.length} listed, ${unknown.length} unknown, ${clean} clean`,
    ];
    const links = delistLinksOf(listed);
    await context.reply({
      title,
      lines,
      ...(links.length > 0 ? { links } : {}),
      tone: listed.length > 0 ? 'danger' : unknown.length > 0 ? 'warning' : 'good',
      ephemeral: true,
    });
  },
});
