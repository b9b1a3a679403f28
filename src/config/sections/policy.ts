/** `policy:`: how many scans must agree before a listing or a delisting is decided, and the mass-listing guard. */
import { z } from 'zod';
import { defaultListingPolicy, type ListingPolicy } from '../../domain/listing.ts';
import { expected, numeric, wholeNumber } from '../fields.ts';

const SHARE = 'must be a share above 0 and at most 1 (0.5 is half)';

const policyShape = {
  listAfter: wholeNumber(1, 100).nullish(),
  delistAfter: wholeNumber(1, 100).nullish(),
  massListingShare: numeric(z.number({ error: SHARE }).gt(0, SHARE).max(1, SHARE)).nullish(),
  massListingMinTargets: wholeNumber(1, 1_000_000).nullish(),
};

/** The top-level keys of this section in `rblwatch.yml`. */
export const policyKeys = { policy: z.strictObject(policyShape, { error: expected('a mapping') }) };

export const policyAllowedKeys = [['policy', Object.keys(policyShape)]] as const;

export interface PolicyFile {
  readonly policy?: Partial<Record<keyof ListingPolicy, number | null | undefined>> | null | undefined;
}

export function resolvePolicy(file: PolicyFile): ListingPolicy {
  const policy = file.policy ?? {};
  return {
    listAfter: policy.listAfter ?? defaultListingPolicy.listAfter,
    delistAfter: policy.delistAfter ?? defaultListingPolicy.delistAfter,
    massListingShare: policy.massListingShare ?? defaultListingPolicy.massListingShare,
    massListingMinTargets: policy.massListingMinTargets ?? defaultListingPolicy.massListingMinTargets,
  };
}
