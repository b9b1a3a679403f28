/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests that check what /metrics says
 * rather than how it is laid out: families with their HELP and TYPE, and each sample with its labels and value.
 * Anything it cannot read (a sample outside a declared family, a broken label set, a raw line feed inside a label
 * value) throws, so a malformed exposition fails the test instead of being skipped.
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export interface MetricSample {
  /** The sample name: the family name, or for histograms and summaries `_bucket`, `_sum`, `_count` after it. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

function unescapeText(text: string, quotes: boolean): string {
  return text.replace(quotes ? /\\([\\"n])/g : /\\([\\n])/g, (_, char: string) =>
    char === 'n' ? '\n' : char,
  );
}

/** Values as Prometheus reads them (Go's ParseFloat: `NaN` and `Inf` in any case; prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  const special = text.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value in: ${line}`);
  return value;
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(
  text: string,
  start: number,
  line: string,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start + 1;
  while (text[at] !== '}') {
    const eq = text.indexOf('=', at);
    const name = text.slice(at, eq);
    if (eq < 0 || !NAME.test(name) || text[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
    let end = eq + 2;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    if (end >= text.length) throw new Error(`unterminated label value in: ${line}`);
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = unescapeText(text.slice(eq + 2, end), true);
    at = end + 1;
    if (text[at] === ',') at += 1;
    else if (text[at] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return { labels, end: at + 1 };
}

/** Parses an exposition into its families, keyed by name, in the order they appear. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line feed');
  const families = new Map<string, MetricFamily>();
  const familyOf = (sample: string): MetricFamily | undefined => {
    const direct = families.get(sample);
    if (direct) return direct;
    for (const family of families.values()) {
      const suffix = sample.slice(family.name.length);
      if (sample.startsWith(family.name) && SUFFIXES[family.type]?.includes(suffix)) return family;
    }
    return undefined;
  };
  const declare = (name: string, line: string): MetricFamily => {
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    const family = families.get(name) ?? { name, help: '', type: 'untyped', samples: [] };
    families.set(name, family);
    return family;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      const family = declare(name, line);
      if (family.samples.length > 0) throw new Error(`${kind} after samples of ${name}`);
      families.set(
        name,
        kind === 'HELP' ? { ...family, help: unescapeText(rest, false) } : { ...family, type: rest },
      );
      continue;
    }
    if (line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    const { labels, end } =
      line[nameEnd] === '{' ? parseLabels(line, nameEnd, line) : { labels: {}, end: nameEnd };
    if (line[end] !== ' ') throw new Error(`expected a space before the value in: ${line}`);
    const [valueText = '', timestamp, ...extra] = line.slice(end + 1).split(' ');
    if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
      throw new Error(`trailing text in: ${line}`);
    }
    const family = familyOf(name);
    if (!family) throw new Error(`sample ${name} outside a declared family`);
    family.samples.push({ name, labels, value: parseValue(valueText, line) });
  }
  return families;
}

/** A family's samples as `name{a="x",b="y"} value` strings, sorted: easy to compare and to read in a diff. */
export function sampleLines(family: MetricFamily | undefined): string[] {
  return (family?.samples ?? [])
    .map((sample) => {
      const labels = Object.entries(sample.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(',');
      return `${sample.name}${labels ? `{${labels}}` : ''} ${sample.value}`;
    })
    .sort();
}
