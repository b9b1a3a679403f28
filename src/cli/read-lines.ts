import { createInterface } from 'node:readline';

/**
 * Targets from a stream, one per line: blank lines and `#` comments (whole-line or after the target) are ignored.
 * @param limit stop with an error past this many lines, so a wrong pipe cannot exhaust memory
 */
export async function readTargetLines(input: NodeJS.ReadableStream, limit = 1_000_000): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const raw of reader) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    lines.push(line);
    if (lines.length > limit) throw new RangeError(`more than ${limit} targets on standard input`);
  }
  return lines;
}
