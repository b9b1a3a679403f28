import { describe, expect, it } from 'vitest';
import type { InventoryEntry, Labels } from '../../../src/domain/inventory.ts';
import { ErrorCode, UserError } from '../../../src/errors.ts';
import {
  canonicalTarget,
  checkOverlap,
  countTargets,
  countTargetsByKind,
  describeOverlap,
  expandEntries,
  makeEntry,
  relateTargets,
  validateLabels,
} from '../../../src/inventory/inventory.ts';

const meta = { source: 'store', addedAt: '2026-01-02T03:04:05.000Z' } as const;

function entry(text: string, labels: Labels = {}): InventoryEntry {
  return makeEntry(text, labels, meta);
}

function entries(...texts: string[]): InventoryEntry[] {
  return texts.map((text) => entry(text));
}

function refusal(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

/** Each yielded target as `value<-entry`, to see both what is scanned and which entry it is credited to. */
function expanded(list: readonly InventoryEntry[]): string[] {
  return [...expandEntries(list)].map(({ target, entry: from }) => `${target.value}<-${from.target}`);
}

describe('makeEntry', () => {
  it.each([
    [' 203.0.113.7 ', '203.0.113.7', 'ip4'],
    ['2001:DB8:0:0::25', '2001:db8::25', 'ip6'],
    ['198.51.100.7/28', '198.51.100.0/28', 'cidr'],
    ['203.0.113.7/32', '203.0.113.7', 'ip4'],
    ['Mail.Example.COM.', 'mail.example.com', 'domain'],
  ])('stores %j canonically as %s (%s)', (text, target, kind) => {
    expect(makeEntry(text, {}, meta)).toEqual({
      target,
      kind,
      labels: {},
      source: 'store',
      addedAt: meta.addedAt,
    });
  });

  it('keeps who added it, copies and freezes labels', () => {
    const tags = ['edge', 'edge', 'mx'];
    const made = makeEntry('example.com', { team: 'mail', tags }, { ...meta, addedBy: 'slack:U123' });
    tags.push('later');
    expect(made).toEqual({
      target: 'example.com',
      kind: 'domain',
      labels: { team: 'mail', tags: ['edge', 'mx'] },
      source: 'store',
      addedAt: meta.addedAt,
      addedBy: 'slack:U123',
    });
    expect(Object.isFrozen(made)).toBe(true);
    expect(Object.isFrozen(made.labels)).toBe(true);
    expect(Object.isFrozen(made.labels.tags)).toBe(true);
  });

  it('accepts ranges up to /16 without any flag and refuses wider ones', () => {
    expect(entry('10.1.0.0/16').target).toBe('10.1.0.0/16');
    const error = refusal(() => entry('10.0.0.0/8'));
    expect(error.code).toBe(ErrorCode.TARGET_RANGE_TOO_LARGE);
    expect(error.message).toContain('"10.0.0.0/8"');
  });

  it('refuses invalid targets', () => {
    expect(refusal(() => entry('300.1.1.1')).code).toBe(ErrorCode.TARGET_INVALID);
    expect(refusal(() => entry('2001:db8::/64')).code).toBe(ErrorCode.TARGET_INVALID);
  });

  it('refuses bad labels, naming the label', () => {
    expect(refusal(() => entry('example.com', { team: 'mail team' })).message).toBe(
      'invalid label team: must be 1-64 letters, digits, dots, underscores or hyphens',
    );
    expect(refusal(() => entry('example.com', { owner: 'x'.repeat(65) })).message).toMatch(
      /^invalid label owner:/,
    );
    expect(refusal(() => entry('example.com', { tags: ['ok', ''] })).message).toMatch(
      /^invalid label tags\[1\]:/,
    );
    const seventeen = Array.from({ length: 17 }, (_, index) => `t${index}`);
    expect(refusal(() => entry('example.com', { tags: seventeen })).message).toBe(
      'invalid label tags: at most 16 tags',
    );
    const typo = { teem: 'mail' } as unknown as Labels;
    const error = refusal(() => entry('example.com', typo));
    expect(error.code).toBe(ErrorCode.TARGET_INVALID);
    expect(error.message).toBe('unknown label "teem": labels are owner, team, customer and tags');
  });

  it('accepts the label alphabet at its limits', () => {
    const labels = {
      owner: 'A-z_0.9',
      team: 't'.repeat(64),
      tags: Array.from({ length: 16 }, (_, i) => `t${i}`),
    };
    expect(validateLabels(labels)).toEqual(labels);
  });
});

describe('canonicalTarget', () => {
  it('gives the key an entry is stored under', () => {
    expect(canonicalTarget('198.51.100.77/24')).toEqual({ target: '198.51.100.0/24', kind: 'cidr' });
    expect(canonicalTarget('2001:0db8::0:1')).toEqual({ target: '2001:db8::1', kind: 'ip6' });
  });
});

describe('checkOverlap', () => {
  const inventory = entries('203.0.113.7', '198.51.100.0/28', '10.20.0.0/16', 'example.com', '2001:db8::1');

  it('finds the same address, range, domain or IPv6 address in any text form', () => {
    expect(checkOverlap(inventory, '203.0.113.7')).toEqual({ duplicate: inventory[0], overlaps: [] });
    expect(checkOverlap(inventory, '203.0.113.7/32').duplicate).toBe(inventory[0]);
    expect(checkOverlap(inventory, '198.51.100.9/28').duplicate).toBe(inventory[1]);
    expect(checkOverlap(inventory, 'EXAMPLE.com.').duplicate).toBe(inventory[3]);
    expect(checkOverlap(inventory, '2001:DB8:0:0:0:0:0:1').duplicate).toBe(inventory[4]);
  });

  it('reports an address inside a listed range, a range around listed addresses, and nested ranges', () => {
    expect(checkOverlap(inventory, '198.51.100.15')).toEqual({ overlaps: [inventory[1]] });
    expect(checkOverlap(inventory, '203.0.113.0/24')).toEqual({ overlaps: [inventory[0]] });
    expect(checkOverlap(inventory, '198.51.100.0/24')).toEqual({ overlaps: [inventory[1]] });
    expect(checkOverlap(inventory, '10.20.30.0/24')).toEqual({ overlaps: [inventory[2]] });
  });

  it('does not confuse neighbours, subdomains or address families', () => {
    expect(checkOverlap(inventory, '198.51.100.16')).toEqual({ overlaps: [] });
    expect(checkOverlap(inventory, '198.51.100.16/28')).toEqual({ overlaps: [] });
    expect(checkOverlap(inventory, 'mail.example.com')).toEqual({ overlaps: [] });
    expect(checkOverlap(inventory, '::ffff:203.0.113.7')).toEqual({ overlaps: [] });
  });

  it('refuses an invalid candidate', () => {
    expect(refusal(() => checkOverlap(inventory, '10.0.0.0/8')).code).toBe(ErrorCode.TARGET_RANGE_TOO_LARGE);
  });
});

describe('relateTargets and describeOverlap', () => {
  it('says which way two targets nest', () => {
    const [address, range, wider, other] = entries(
      '198.51.100.5',
      '198.51.100.0/28',
      '198.51.100.0/24',
      'x.example',
    );
    if (!address || !range || !wider || !other) throw new Error('fixture');
    expect(relateTargets(address, range)).toBe('inside');
    expect(relateTargets(wider, range)).toBe('contains');
    expect(relateTargets('198.51.100.0/28', range)).toBe('same');
    expect(relateTargets(other, range)).toBe('disjoint');
    expect(describeOverlap(address, range)).toBe('198.51.100.5 is inside 198.51.100.0/28');
    expect(describeOverlap(wider, range)).toBe('198.51.100.0/24 contains 198.51.100.0/28');
  });
});

describe('expandEntries', () => {
  it('yields every target in inventory order, ranges address by address', () => {
    expect(expanded(entries('example.com', '192.0.2.0/30', '2001:db8::25'))).toEqual([
      'example.com<-example.com',
      '192.0.2.0<-192.0.2.0/30',
      '192.0.2.1<-192.0.2.0/30',
      '192.0.2.2<-192.0.2.0/30',
      '192.0.2.3<-192.0.2.0/30',
      '2001:db8::25<-2001:db8::25',
    ]);
  });

  it('scans an address listed on its own and in a range once, for the entry listed first', () => {
    expect(expanded(entries('192.0.2.2', '192.0.2.0/30'))).toEqual([
      '192.0.2.2<-192.0.2.2',
      '192.0.2.0<-192.0.2.0/30',
      '192.0.2.1<-192.0.2.0/30',
      '192.0.2.3<-192.0.2.0/30',
    ]);
    expect(expanded(entries('192.0.2.0/30', '192.0.2.2'))).toEqual([
      '192.0.2.0<-192.0.2.0/30',
      '192.0.2.1<-192.0.2.0/30',
      '192.0.2.2<-192.0.2.0/30',
      '192.0.2.3<-192.0.2.0/30',
    ]);
  });

  it('de-duplicates nested ranges, repeated entries, domains and IPv6 addresses', () => {
    const list = entries(
      '192.0.2.4/30',
      '192.0.2.0/29',
      '192.0.2.0/29',
      '192.0.2.6',
      'a.example',
      '2001:db8::1',
    );
    const twice = [...list, ...entries('a.example', '2001:db8::1')];
    expect(expanded(twice)).toEqual([
      '192.0.2.4<-192.0.2.4/30',
      '192.0.2.5<-192.0.2.4/30',
      '192.0.2.6<-192.0.2.4/30',
      '192.0.2.7<-192.0.2.4/30',
      '192.0.2.0<-192.0.2.0/29',
      '192.0.2.1<-192.0.2.0/29',
      '192.0.2.2<-192.0.2.0/29',
      '192.0.2.3<-192.0.2.0/29',
      'a.example<-a.example',
      '2001:db8::1<-2001:db8::1',
    ]);
    expect(countTargets(twice)).toBe(10);
    expect(countTargetsByKind(twice)).toEqual({ ip4: 8, ip6: 1, domain: 1 });
  });

  it('is lazy: the first address of a /16 arrives without the rest being produced', () => {
    const iterator = expandEntries(entries('10.9.0.0/16'));
    expect(iterator.next().value?.target).toEqual({ kind: 'ip4', value: '10.9.0.0' });
    expect(iterator.next().value?.target).toEqual({ kind: 'ip4', value: '10.9.0.1' });
    iterator.return(undefined);
  });

  it('covers 65,536 addresses across overlapping ranges exactly once each', () => {
    // A /16 listed after pieces of itself: every address must come out once, and the pieces keep their own.
    const list = entries(
      '10.9.200.0/24',
      '10.9.128.0/17',
      '10.9.0.7',
      '10.9.0.0/16',
      '10.9.128.0/17',
      '10.9.0.7/32',
    );
    const seen = new Uint8Array(65_536);
    const byEntry = new Map<string, number>();
    let total = 0;
    let repeats = 0;
    for (const { target, entry: from } of expandEntries(list)) {
      const [, , third = '0', fourth = '0'] = target.value.split('.');
      const offset = Number(third) * 256 + Number(fourth);
      if (seen[offset] === 1) repeats++;
      seen[offset] = 1;
      total++;
      byEntry.set(from.target, (byEntry.get(from.target) ?? 0) + 1);
    }
    expect(repeats).toBe(0);
    expect(total).toBe(65_536);
    expect(Object.fromEntries(byEntry)).toEqual({
      '10.9.200.0/24': 256,
      '10.9.128.0/17': 32_768 - 256,
      '10.9.0.7': 1,
      '10.9.0.0/16': 32_768 - 1,
    });
    expect(countTargets(list)).toBe(65_536);
  });

  it('matches a naive set-based expansion on random overlapping inventories', () => {
    let seed = 42;
    const random = (limit: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % limit;
    };
    for (let round = 0; round < 50; round++) {
      const list: InventoryEntry[] = [];
      for (let i = 0; i < 12; i++) {
        const prefix = 22 + random(11);
        const address = `10.0.${random(4)}.${random(256)}`;
        list.push(entry(`${address}/${prefix}`));
      }
      const naive: string[] = [];
      const seen = new Set<string>();
      for (const item of list) {
        for (const { target } of expandEntries([item])) {
          if (seen.has(target.value)) continue;
          seen.add(target.value);
          naive.push(`${target.value}<-${item.target}`);
        }
      }
      expect(expanded(list)).toEqual(naive);
      expect(countTargets(list)).toBe(naive.length);
    }
  });
});
