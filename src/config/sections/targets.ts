/** `targets:`: what the file watches, each an address, a range or a domain, with labels for routing. */
import { z } from 'zod';
import type { InventoryEntry } from '../../domain/inventory.ts';
import { UserError } from '../../errors.ts';
import { checkOverlap, describeOverlap, labelsSchema, makeEntry } from '../../inventory/inventory.ts';
import { expected } from '../fields.ts';
import type { SectionContext } from '../section.ts';

const targetShape = {
  target: z.string({ error: expected('an address, a range or a domain') }),
  labels: labelsSchema.nullish(),
};

/** The top-level keys of this section; `addedAt` is what the file's entries are recorded as added at. */
export function targetsKeys(addedAt: string) {
  const target = z
    .preprocess(
      // A bare string is shorthand for `{ target: ... }`.
      (value) => (typeof value === 'string' ? { target: value } : value),
      z.strictObject(targetShape, {
        error: (issue) =>
          issue.code === 'invalid_type'
            ? 'must be a target (address, range or domain) or a mapping with target: and labels:'
            : undefined,
      }),
    )
    .transform((value, ctx) => {
      try {
        return makeEntry(value.target, value.labels ?? {}, { source: 'config', addedAt });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, path: ['target'] });
        return z.NEVER;
      }
    });
  return { targets: z.array(target, { error: expected('a list of targets') }) };
}

export const targetsAllowedKeys = [
  ['targets[]', Object.keys(targetShape)],
  ['targets[].labels', ['owner', 'team', 'customer', 'tags']],
] as const;

export interface TargetsFile {
  readonly targets?: readonly InventoryEntry[] | null | undefined;
}

/**
 * The file's targets, canonical, in file order. Keeps the first of exact repeats and warns about the rest; keeps
 * overlapping entries (they may carry different labels) and warns about each overlap. The scan expands every
 * address once either way.
 */
export function resolveTargets(
  file: TargetsFile,
  context: Pick<SectionContext, 'file'>,
  warnings: string[],
): InventoryEntry[] {
  const kept: InventoryEntry[] = [];
  const indexOf = new Map<InventoryEntry, number>();
  for (const [index, entry] of (file.targets ?? []).entries()) {
    const { duplicate, overlaps } = checkOverlap(kept, entry.target);
    if (duplicate !== undefined) {
      const labelsDiffer = JSON.stringify(duplicate.labels) !== JSON.stringify(entry.labels);
      warnings.push(
        `${context.file}: targets[${index}]: ${entry.target} repeats targets[${indexOf.get(duplicate)}]; the repeat ` +
          `${labelsDiffer ? 'and its different labels are' : 'is'} ignored`,
      );
      continue;
    }
    for (const other of overlaps) {
      warnings.push(
        `${context.file}: targets[${index}]: ${describeOverlap(entry, other)} (targets[${indexOf.get(other)}]); ` +
          'addresses in both are checked once, for the first entry',
      );
    }
    indexOf.set(entry, index);
    kept.push(entry);
  }
  return kept;
}
