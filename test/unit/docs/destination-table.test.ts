/**
 * The README's table of destination types is derived from the notifier registry: this test renders the table from
 * the registry and compares it with the README, so a new type (or a changed field) fails until the README says so.
 * `UPDATE_DOCS=1 npx vitest run test/unit/docs` writes the table into the README instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { NotifierDefinition } from '../../../src/alerts/notifiers/notifier.ts';
import { notifiers } from '../../../src/alerts/notifiers/registry.ts';

const START = '<!-- destination-types: generated from src/alerts/notifiers/registry.ts -->';
const END = '<!-- /destination-types -->';

const deliveries = {
  'per-key': 'one page per (target, zone), resolved by the delisting',
  grouped: 'grouped messages; takes reports',
} as const;

function settings(definition: NotifierDefinition): string {
  const fields = Object.entries(definition.configSchema.shape).filter(([field]) => field !== 'type');
  const code = (names: readonly string[]): string => names.map((name) => `\`${name}\``).join(', ');
  const required = fields
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([field]) => field);
  const optional = fields.filter(([, schema]) => schema.safeParse(undefined).success).map(([field]) => field);
  return [code(required), optional.length > 0 ? `optional ${code(optional)}` : ''].filter(Boolean).join('; ');
}

/** The table as markdown, columns padded the way the README's other tables are. */
function destinationTable(registry: readonly NotifierDefinition[]): string {
  const rows = [
    ['type', 'delivery', 'settings', 'what it is'],
    ...registry.map((definition) => [
      `\`${definition.type}\``,
      deliveries[definition.mode],
      settings(definition),
      definition.description,
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

describe('the README table of destination types', () => {
  it('is the one the notifier registry gives', async () => {
    const file = new URL('../../../README.md', import.meta.url);
    const readme = await readFile(file, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md lacks the marker ${START}`).toBeGreaterThan(-1);
    expect(end, `README.md lacks the marker ${END}`).toBeGreaterThan(start);
    const table = destinationTable(notifiers);
    if (process.env.UPDATE_DOCS === '1') {
      await writeFile(file, `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`);
      return;
    }
    expect(readme.slice(start + START.length, end).trim()).toBe(table);
  });
});
