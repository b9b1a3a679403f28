/**
 * Pure helpers over the managed inventory, shared by the config loader, `watch add|remove|list` and the scan:
 * building canonical entries, spotting duplicates and overlaps, and expanding ranges into single targets without
 * scanning an address twice.
 */
import { z } from 'zod';
import type { InventoryEntry, Labels } from '../domain/inventory.ts';
import { formatIpv4 } from '../domain/ip-text.ts';
import type { Target } from '../domain/target.ts';
import { ErrorCode, UserError } from '../errors.ts';
import { type ParsedTarget, parseTarget, widestPrefix } from './parse-target.ts';

/** Label values (owner, team, customer, each tag): what routing keys and chat mentions can carry safely. */
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Tags per entry; more than this is a sign tags are being used as data. */
export const MAX_TAGS = 16;

const labelValue = z
  .string({ error: 'must be a string' })
  .regex(LABEL_VALUE_PATTERN, 'must be 1-64 letters, digits, dots, underscores or hyphens');

/**
 * Schema for {@link Labels}: unknown keys are refused so a typo (`teem:`) cannot silently drop alert routing.
 * Repeated tags are dropped, keeping the first.
 */
export const labelsSchema = z
  .strictObject(
    {
      owner: labelValue.optional(),
      team: labelValue.optional(),
      customer: labelValue.optional(),
      tags: z
        .array(labelValue, { error: 'must be a list of tags' })
        .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
        .transform((tags) => [...new Set(tags)])
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'must be a mapping of owner, team, customer, tags' : undefined,
    },
  )
  .transform(freezeLabels);

function freezeLabels(labels: {
  owner?: string | undefined;
  team?: string | undefined;
  customer?: string | undefined;
  tags?: string[] | undefined;
}): Labels {
  // Only present keys are copied: `{ team: undefined }` and `{}` must compare (and serialise) the same.
  return Object.freeze({
    ...(labels.owner === undefined ? {} : { owner: labels.owner }),
    ...(labels.team === undefined ? {} : { team: labels.team }),
    ...(labels.customer === undefined ? {} : { customer: labels.customer }),
    ...(labels.tags === undefined ? {} : { tags: Object.freeze([...labels.tags]) }),
  });
}

/**
 * Validates labels as given on the command line or in chat and returns a frozen copy.
 * @throws UserError `TARGET_INVALID` naming the label and the rule it breaks.
 */
export function validateLabels(labels: Labels): Labels {
  const result = labelsSchema.safeParse(labels);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => JSON.stringify(key)).join(', ');
    throw new UserError(
      ErrorCode.TARGET_INVALID,
      `unknown label ${names}: labels are owner, team, customer and tags`,
    );
  }
  const field = (issue?.path ?? [])
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`))
    .join('')
    .replace(/^\./, '');
  throw new UserError(
    ErrorCode.TARGET_INVALID,
    `invalid label${field === '' ? 's' : ` ${field}`}: ${issue?.message ?? 'invalid'}`,
  );
}

/** The canonical text and kind of a parsed target; a /32 is the address itself, so it cannot hide a duplicate. */
function canonicalOf(parsed: ParsedTarget): { target: string; kind: InventoryEntry['kind'] } {
  if (parsed.kind === 'cidr') {
    return parsed.prefix === 32
      ? { target: parsed.network, kind: 'ip4' }
      : { target: `${parsed.network}/${parsed.prefix}`, kind: 'cidr' };
  }
  return { target: parsed.target.value, kind: parsed.target.kind };
}

/**
 * The canonical form of a target as typed (`198.51.100.7/28` -> `198.51.100.0/28`, `2001:DB8::0:1` ->
 * `2001:db8::1`, `Example.COM.` -> `example.com`, `203.0.113.7/32` -> `203.0.113.7`): the key an entry is stored,
 * removed and reported under.
 * @throws UserError `TARGET_INVALID`, or `TARGET_RANGE_TOO_LARGE` for ranges wider than /16.
 */
export function canonicalTarget(text: string): { target: string; kind: InventoryEntry['kind'] } {
  return canonicalOf(parseTarget(text, { maxPrefix: widestPrefix }));
}

/**
 * Builds a frozen inventory entry from user input, in canonical form.
 * @param text - an IPv4 or IPv6 address, an IPv4 range up to /16, or a domain.
 * @param meta.addedAt - ISO 8601.
 * @throws UserError `TARGET_INVALID` (bad target or labels) or `TARGET_RANGE_TOO_LARGE` (wider than /16).
 */
export function makeEntry(
  text: string,
  labels: Labels,
  meta: { source: InventoryEntry['source']; addedAt: string; addedBy?: string },
): InventoryEntry {
  const { target, kind } = canonicalTarget(text);
  return Object.freeze({
    target,
    kind,
    labels: validateLabels(labels),
    source: meta.source,
    addedAt: meta.addedAt,
    ...(meta.addedBy === undefined ? {} : { addedBy: meta.addedBy }),
  });
}

/**
 * What an entry covers: an inclusive span of IPv4 numbers, or a key (`ip6:...`, `domain:...`) that only matches
 * itself. CIDR blocks either nest or are disjoint, which the expansion below relies on.
 */
type Coverage =
  | { readonly start: number; readonly end: number }
  | { readonly key: string; readonly target: Extract<Target, { kind: 'ip6' | 'domain' }> };

/** Entries are frozen, so what they cover is parsed once per entry object, not once per comparison. */
const coverageCache = new WeakMap<InventoryEntry, Coverage>();

function coverageOfParsed(parsed: ParsedTarget): Coverage {
  if (parsed.kind === 'cidr') {
    const start = ipv4Number(parsed.network);
    return { start, end: start + parsed.size - 1 };
  }
  const { target } = parsed;
  if (target.kind === 'ip4') {
    const value = ipv4Number(target.value);
    return { start: value, end: value };
  }
  return { key: `${target.kind}:${target.value}`, target };
}

function coverageOf(entry: InventoryEntry): Coverage {
  let coverage = coverageCache.get(entry);
  if (coverage === undefined) {
    coverage = coverageOfParsed(parseTarget(entry.target, { maxPrefix: widestPrefix }));
    coverageCache.set(entry, coverage);
  }
  return coverage;
}

/** A canonical dotted quad (already validated by parseTarget) as a 32-bit number. */
function ipv4Number(text: string): number {
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** How two targets relate; IPv4 ranges are CIDR blocks, so two that meet always nest. */
export type TargetRelation = 'same' | 'inside' | 'contains' | 'disjoint';

function relate(a: Coverage, b: Coverage): TargetRelation {
  if ('key' in a || 'key' in b) return 'key' in a && 'key' in b && a.key === b.key ? 'same' : 'disjoint';
  if (a.end < b.start || b.end < a.start) return 'disjoint';
  if (a.start === b.start && a.end === b.end) return 'same';
  return a.start >= b.start && a.end <= b.end ? 'inside' : 'contains';
}

/**
 * How `candidate` relates to `other`: `inside` when every address of `candidate` is in `other` (an address in a
 * range, a /28 in a /24), `contains` for the reverse.
 * @throws UserError when `candidate` is not a valid target.
 */
export function relateTargets(candidate: InventoryEntry | string, other: InventoryEntry): TargetRelation {
  const coverage =
    typeof candidate === 'string'
      ? coverageOfParsed(parseTarget(candidate, { maxPrefix: widestPrefix }))
      : coverageOf(candidate);
  return relate(coverage, coverageOf(other));
}

/** One line for people: `198.51.100.5 is inside 198.51.100.0/28`. */
export function describeOverlap(candidate: InventoryEntry, other: InventoryEntry): string {
  switch (relateTargets(candidate, other)) {
    case 'same':
      return `${candidate.target} repeats ${other.target}`;
    case 'inside':
      return `${candidate.target} is inside ${other.target}`;
    case 'contains':
      return `${candidate.target} contains ${other.target}`;
    case 'disjoint':
      return `${candidate.target} does not overlap ${other.target}`;
  }
}

/**
 * Checks a candidate target against the inventory before it is added. Adding a duplicate or overlapping entry is
 * reported, never silently doubled.
 *
 * - `duplicate`: the first entry with the same canonical target (the same address, range or domain; IPv6 compared
 *   in canonical form, a /32 equal to its address).
 * - `overlaps`: every entry that shares some but not all addresses with the candidate (an address inside a listed
 *   range, a range that contains listed addresses, nested ranges), in inventory order.
 *
 * @param candidate - target text; canonicalised first, so raw user input is fine.
 * @throws UserError when `candidate` is not a valid target.
 */
export function checkOverlap(
  existing: readonly InventoryEntry[],
  candidate: string,
): { duplicate?: InventoryEntry; overlaps: InventoryEntry[] } {
  const coverage = coverageOfParsed(parseTarget(candidate, { maxPrefix: widestPrefix }));
  let duplicate: InventoryEntry | undefined;
  const overlaps: InventoryEntry[] = [];
  for (const entry of existing) {
    const relation = relate(coverage, coverageOf(entry));
    if (relation === 'same') duplicate ??= entry;
    else if (relation !== 'disjoint') overlaps.push(entry);
  }
  return duplicate === undefined ? { overlaps } : { duplicate, overlaps };
}

/**
 * The entry a target belongs to: the entry for the target itself, else the first range holding it. `undefined`
 * when none does, or when the target no longer parses under today's rules (stored by an older version): callers
 * then go on without labels rather than fail.
 */
export function entryHolding(
  target: string,
  inventory: readonly InventoryEntry[],
): InventoryEntry | undefined {
  try {
    // One parse of the target for the whole inventory.
    const { duplicate, overlaps } = checkOverlap(inventory, target);
    return duplicate ?? overlaps.find((entry) => relateTargets(target, entry) === 'inside');
  } catch {
    return undefined;
  }
}

/**
 * Which IPv4 addresses each entry contributes, so every address is scanned once and credited to the first entry
 * (in inventory order) that covers it. Held per entry, not per address: memory grows with the number of entries,
 * never with the size of the ranges.
 */
interface Ipv4Plan {
  /** Indexed like the entries: true when an earlier entry covers the whole of this one. */
  readonly covered: Uint8Array;
  /** Indexed like the entries: sorted, disjoint spans already contributed by earlier entries. */
  readonly holes: ReadonlyArray<ReadonlyArray<readonly [number, number]> | undefined>;
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number } | undefined>;
}

function planIpv4(entries: readonly InventoryEntry[]): Ipv4Plan {
  const spans: ({ start: number; end: number } | undefined)[] = entries.map((entry) => {
    const coverage = coverageOf(entry);
    return 'key' in coverage ? undefined : coverage;
  });
  const order: number[] = [];
  spans.forEach((span, index) => {
    if (span !== undefined) order.push(index);
  });
  const startOf = (index: number): number => spans[index]?.start ?? 0;
  const endOf = (index: number): number => spans[index]?.end ?? 0;
  // Outer blocks sort before the blocks they contain; equal blocks by inventory order.
  order.sort((a, b) => startOf(a) - startOf(b) || endOf(b) - endOf(a) || a - b);

  const covered = new Uint8Array(entries.length);
  const holes: (Array<readonly [number, number]> | undefined)[] = new Array(entries.length);
  // Blocks nest, so the blocks enclosing the current one form a stack. `minEnclosing` is the earliest inventory
  // index among a block's enclosing blocks: if it is earlier than the block's own, the block adds nothing.
  const stack: number[] = [];
  const minEnclosing = new Map<number, number>();
  for (const index of order) {
    while (stack.length > 0 && endOf(stack[stack.length - 1] ?? 0) < startOf(index)) stack.pop();
    const parent = stack[stack.length - 1];
    const earliest =
      parent === undefined ? Number.POSITIVE_INFINITY : Math.min(parent, minEnclosing.get(parent) ?? parent);
    minEnclosing.set(index, earliest);
    if (earliest < index) covered[index] = 1;
    stack.push(index);
  }
  // For each block that does contribute, the earlier blocks nested in it are holes. Nesting is at most 17 deep
  // (/16 to /32), so walking each block's descendants costs O(17 n) overall.
  for (let position = 0; position < order.length; position++) {
    const index = order[position] ?? 0;
    if (covered[index] === 1) continue;
    const end = endOf(index);
    let list: Array<readonly [number, number]> | undefined;
    let next = position + 1;
    while (next < order.length && startOf(order[next] ?? 0) <= end) {
      const inner = order[next] ?? 0;
      if (inner < index) {
        list ??= [];
        list.push([startOf(inner), endOf(inner)]);
        // Everything nested in this hole is inside it already.
        const holeEnd = endOf(inner);
        next++;
        while (next < order.length && startOf(order[next] ?? 0) <= holeEnd) next++;
      } else {
        next++;
      }
    }
    holes[index] = list;
  }
  return { covered, holes, spans };
}

/**
 * Every single target the inventory covers, lazily, in inventory order; each range address by address. An address
 * covered by several entries (a listed address inside a listed range, nested ranges) is yielded once, with the
 * first entry that covers it. Memory is proportional to the number of entries, not of addresses: a /16 is never
 * held in memory.
 */
export function* expandEntries(
  entries: readonly InventoryEntry[],
): Generator<{ target: Target; entry: InventoryEntry }> {
  const plan = planIpv4(entries);
  const seenKeys = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const span = plan.spans[index];
    if (span === undefined) {
      const coverage = coverageOf(entry);
      if (!('key' in coverage) || seenKeys.has(coverage.key)) continue;
      seenKeys.add(coverage.key);
      yield { target: coverage.target, entry };
      continue;
    }
    if (plan.covered[index] === 1) continue;
    const holes = plan.holes[index] ?? [];
    let hole = 0;
    for (let value = span.start; value <= span.end; value++) {
      const current = holes[hole];
      if (current !== undefined && value >= current[0]) {
        value = current[1];
        hole++;
        continue;
      }
      yield { target: { kind: 'ip4', value: formatIpv4(value) }, entry };
    }
  }
}

/** How many single targets of each kind {@link expandEntries} yields, computed without expanding anything. */
export function countTargetsByKind(entries: readonly InventoryEntry[]): {
  ip4: number;
  ip6: number;
  domain: number;
} {
  const plan = planIpv4(entries);
  const counts = { ip4: 0, ip6: 0, domain: 0 };
  const seenKeys = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const span = plan.spans[index];
    if (span === undefined) {
      const coverage = coverageOf(entry);
      if (!('key' in coverage) || seenKeys.has(coverage.key)) continue;
      seenKeys.add(coverage.key);
      counts[coverage.target.kind]++;
      continue;
    }
    if (plan.covered[index] === 1) continue;
    let size = span.end - span.start + 1;
    for (const [start, end] of plan.holes[index] ?? []) size -= end - start + 1;
    counts.ip4 += size;
  }
  return counts;
}

/** How many single targets {@link expandEntries} yields (ranges counted address by address, overlaps once). */
export function countTargets(entries: readonly InventoryEntry[]): number {
  const { ip4, ip6, domain } = countTargetsByKind(entries);
  return ip4 + ip6 + domain;
}

/**
 * A test for single targets (as stored in states and events: an address or a domain) that are `target` itself or
 * inside it: the addresses of a range, or the address or domain alone.
 * @throws UserError when `target` is not a valid target.
 */
export function targetFilter(target: string): (candidate: string) => boolean {
  const coverage = coverageOfParsed(parseTarget(target, { maxPrefix: widestPrefix }));
  if ('key' in coverage) return (candidate) => candidate === coverage.target.value;
  const { start, end } = coverage;
  return (candidate) => {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(candidate)) return false;
    const value = ipv4Number(candidate);
    return value >= start && value <= end;
  };
}

/** How the inventory covers a target typed by someone asking about it (`status`, `history`). */
export interface TargetCoverage {
  /** Entries sharing any address with the target (the entry itself, a range holding it, ranges inside it). */
  readonly entries: readonly InventoryEntry[];
  /** Watched single targets inside the target (an address counts once however many entries cover it). */
  readonly watched: number;
  /** Whether a single target (address or domain) is watched and inside the target. */
  readonly covers: (candidate: string) => boolean;
  /** Whether every one of those entries has been scanned at least once. */
  readonly scanned: boolean;
}

/**
 * Which watched entries and addresses a target covers. Counting costs one step per watched address inside the
 * target (at most a /16's 65,536); nothing is held per address.
 * @throws UserError when `target` is not a valid target.
 */
export function coverTarget(inventory: readonly InventoryEntry[], target: string): TargetCoverage {
  const { duplicate, overlaps } = checkOverlap(inventory, target);
  const entries = duplicate ? [duplicate, ...overlaps] : overlaps;
  const inside = targetFilter(target);
  const watchedNow = watchedFilter(entries);
  let watched = 0;
  for (const item of expandEntries(entries)) if (inside(item.target.value)) watched++;
  return {
    entries,
    watched,
    covers: (candidate) => inside(candidate) && watchedNow(candidate),
    scanned: entries.every((entry) => entry.firstScannedAt !== undefined),
  };
}

/**
 * A test for single targets covered by any of `entries`, built once (IPv4 spans merged and binary-searched, the
 * rest in a set), so checking every listing against a large inventory stays cheap.
 */
export function watchedFilter(entries: readonly InventoryEntry[]): (candidate: string) => boolean {
  const keys = new Set<string>();
  const spans: [number, number][] = [];
  for (const entry of entries) {
    const coverage = coverageOf(entry);
    if ('key' in coverage) keys.add(coverage.target.value);
    else spans.push([coverage.start, coverage.end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1] + 1) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return (candidate) => {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(candidate)) return keys.has(candidate);
    const value = ipv4Number(candidate);
    let low = 0;
    let high = merged.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const [start, end] = merged[middle] as [number, number];
      if (value < start) high = middle - 1;
      else if (value > end) low = middle + 1;
      else return true;
    }
    return false;
  };
}
