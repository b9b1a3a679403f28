/** Milliseconds per duration unit. Weeks and months are left out: a month has no fixed length. */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(?:\d+[smhd])+$/;
const PART = /(\d+)([smhd])/g;

/**
 * Parses a duration such as `30m`, `6h`, `1d` or `1h30m` into milliseconds. Units are `s`, `m`, `h` and `d`; a bare
 * number is refused because its unit would be a guess.
 * @returns milliseconds, or `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const input = text.trim();
  if (!DURATION.test(input)) return undefined;
  let total = 0;
  for (const [, amount, unit] of input.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}
