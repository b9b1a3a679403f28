import { type CommandContext, defineCommand } from '../src/command-api/command.ts';
import { resolveChatTargets } from '../src/command-api/resolve-targets.ts';
import type { CheckResult } from '../src/domain/check-result.ts';

/** Text from DNS and from users reaches chat: drop control characters and neutralise mention and markup syntax. */
function safe(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[<>@*_~`|]/g, (c) => `\\${c}`)
      .slice(0, 300)
  );
}

function describe(result: CheckResult): string {
  if (result.status === 'listed') {
    const why = result.meanings.join('; ') || result.codes.join(', ');
    const txt = result.txt.length > 0 ? ` "${safe(result.txt.join(' '))}"` : '';
    const delist = result.delist ? ` delist: ${result.delist}` : '';
    return `LISTED ${result.target} on ${result.zone}: ${safe(why)}${txt}${delist}`;
  }
  return `UNKNOWN ${result.target} on ${result.zone}: ${result.reason ?? 'unknown'}`;
}

/** `/rbl check TARGET...`: a live lookup of a few IPs, a small range or domains. */
export const checkCommand = defineCommand({
  name: 'check',
  description: 'Look IPs, a small range or domains up on every blocklist now',
  access: 'read',
  options: [
    { name: 'targets', description: 'IPs, a range up to /28, or domains', type: 'string', required: true },
  ],
  async run(context: CommandContext) {
    const resolved = resolveChatTargets(String(context.args.targets ?? ''));
    if (!resolved.ok) {
      await context.reply({ title: 'Cannot check that', lines: [resolved.error], ephemeral: true });
      return;
    }
    await context.defer();
    const { results } = await context.services.lookup.check(resolved.value);
    const listed = results.filter((r) => r.status === 'listed');
    const unknown = results.filter((r) => r.status === 'unknown');
    const clean = results.length - listed.length - unknown.length;
    const title =
      listed.length > 0
        ? `${listed.length} listing${listed.length === 1 ? '' : 's'} found`
        : unknown.length > 0
          ? 'No listing found, but some lists could not be checked'
          : 'Clean on every list checked';
    const lines = [...listed.map(describe), ...unknown.slice(0, 20).map(describe)];
    if (unknown.length > 20) lines.push(`... and ${unknown.length - 20} more unknown`);
    lines.push(`${listed.length} listed, ${unknown.length} unknown, ${clean} clean`);
    await context.reply({ title, lines, ephemeral: true });
  },
});
