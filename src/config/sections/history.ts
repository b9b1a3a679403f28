/** `history:`: how long runs and events are kept (`keep: 400d`; every one, by default). */
import { z } from 'zod';
import { parseDuration } from '../../domain/duration.ts';
import { expected } from '../fields.ts';

/** Shortest `history.keep`: less would prune the listings a delisting is about to be paired with. */
const MIN_HISTORY_KEEP_MS = 86_400_000;

const historyShape = {
  keep: z
    .string({ error: expected('a duration such as 400d, or "forever"') })
    .transform((value, ctx) => {
      if (value.trim() === 'forever') return undefined;
      const ms = parseDuration(value);
      if (ms !== undefined && ms >= MIN_HISTORY_KEEP_MS) return ms;
      ctx.addIssue({
        code: 'custom',
        message:
          ms === undefined
            ? `${JSON.stringify(value)} is not a duration: use a number and a unit (h, d), e.g. 400d, or "forever"`
            : `${JSON.stringify(value)} is too short: keep at least 1d of history`,
      });
      return z.NEVER;
    })
    .nullish(),
};

/** The top-level keys of this section in `rblwatch.yml`. */
export const historyKeys = { history: z.strictObject(historyShape, { error: expected('a mapping') }) };

export const historyAllowedKeys = [['history', Object.keys(historyShape)]] as const;

export interface HistoryFile {
  readonly history?: { readonly keep?: number | null | undefined } | null | undefined;
}

/** How long runs and events are kept, ms; `undefined` keeps everything. */
export function resolveHistory(file: HistoryFile): number | undefined {
  return file.history?.keep ?? undefined;
}
