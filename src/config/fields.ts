/**
 * zod fields the config sections share, so every section words the same mistake the same way: "is required" for
 * a missing value, "must be ..." for a wrong one, and the value itself quoted where it helps.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.ts';

/** The message for a wrong type: "is required" when absent, otherwise what was expected. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`);
}

const NUMERIC_TEXT = /^-?\d+(?:\.\d+)?$/;

/**
 * Numbers may arrive as text: from `${VAR}` (`port: ${PORT}`), quoting, the environment or a command-line flag;
 * anything else is left to fail.
 */
export function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' && NUMERIC_TEXT.test(value.trim()) ? Number(value) : value),
    schema,
  );
}

/** A whole number in `[min, max]`, as a number or as text. */
export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return numeric(z.number({ error: message }).int(message).min(min, message).max(max, message));
}

/** A duration (`30s`, `6h`, `1d`) in `[minMs, maxMs]`, as milliseconds; `example` shows the form in messages. */
export function durationField(example: string, minMs: number, maxMs: number) {
  return z.string({ error: `must be a duration such as ${example}` }).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms !== undefined && ms >= minMs && ms <= maxMs) return ms;
    ctx.addIssue({
      code: 'custom',
      message:
        ms === undefined
          ? `${JSON.stringify(value)} is not a duration: use a number and a unit (s, m, h, d), e.g. ${example}`
          : `${JSON.stringify(value)} is out of range`,
    });
    return z.NEVER;
  });
}

/** One value or a list of them, always a list after parsing. */
export function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(item).min(1));
}

/** Checks a node-cron expression; returns why it is refused, or `undefined`. */
export function checkCronExpression(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  // node-cron 4 validates `@hourly` but then never fires it; require the field forms it actually schedules.
  if ((fields.length === 5 || fields.length === 6) && cron.validate(fields.join(' '))) return undefined;
  return (
    `${JSON.stringify(expression)} is not a valid cron expression: use 5 fields (minute hour day-of-month month ` +
    'day-of-week), or 6 with seconds first, e.g. "0 * * * *"'
  );
}

/** A node-cron expression, single-spaced. */
export function cronField(example: string) {
  return z.string({ error: expected(`a cron expression such as "${example}"`) }).transform((value, ctx) => {
    const problem = checkCronExpression(value);
    if (problem === undefined) return value.trim().split(/\s+/).join(' ');
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });
}

/** The trimmed value, or `undefined` when it is unset or empty (as `.env` files mean it). */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
