import { describe, expect, it } from 'vitest';
import type { CheckResult, ZoneHealthReport } from '../../../src/domain/check-result.ts';
import {
  defaultListingPolicy,
  type ListingPolicy,
  type ListingState,
  listingKey,
} from '../../../src/domain/listing.ts';
import { createDecider, type Decision } from '../../../src/watch/decide-events.ts';

type Status = CheckResult['status'];

function result(target: string, status: Status, zone = 'bl.test', codes = ['127.0.0.2']): CheckResult {
  return {
    target,
    zone,
    status,
    codes: status === 'listed' ? codes : [],
    meanings: status === 'listed' ? codes.map(() => 'spam') : [],
    classes: status === 'listed' ? codes.map(() => 'listed' as const) : [],
    txt: status === 'listed' ? [`listed ${target}`] : [],
    severity: 'major',
    ...(status === 'unknown' ? { reason: 'timeout' as const } : {}),
    ...(status === 'listed' ? { delist: `https://bl.test/?ip=${target}` } : {}),
    ms: 1,
  };
}

interface World {
  states: Map<string, ListingState>;
  degraded: Set<string>;
  seen: Set<string>;
  run: number;
}

const newWorld = (): World => ({ states: new Map(), degraded: new Set(), seen: new Set(), run: 0 });

/** Run one scan through the decider and apply its decision to the world, as the scan runner will. */
function scan(
  world: World,
  results: CheckResult[],
  options: { policy?: Partial<ListingPolicy>; health?: ZoneHealthReport[] } = {},
): Decision {
  world.run++;
  const targets = new Set(results.map((r) => r.target));
  const decider = createDecider({
    runId: `run${world.run}`,
    at: `2026-11-0${world.run}T00:00:00.000Z`,
    policy: { ...defaultListingPolicy, ...options.policy },
    previous: world.states,
    isFirstCheck: (target) => targets.has(target) && !world.seen.has(target),
    degradedZones: world.degraded,
    health: new Map((options.health ?? []).map((h) => [h.zone, h])),
    severityOf: () => 'major',
  });
  for (const r of results) decider.add(r);
  const decision = decider.finish();
  for (const [key, state] of decision.states) {
    if (state) world.states.set(key, state);
    else world.states.delete(key);
  }
  world.degraded = new Set(decision.degradedZones);
  for (const t of targets) world.seen.add(t);
  return decision;
}

const kinds = (decision: Decision): string[] =>
  decision.events.map((e) => `${e.kind} ${e.target ?? e.zone}${e.initial ? ' (initial)' : ''}`);

describe('createDecider (listing policy)', () => {
  it('records listings found on the first scan of a target as existing, not new', () => {
    const world = newWorld();
    const decision = scan(world, [result('1.1.1.1', 'listed'), result('1.1.1.2', 'clean')]);
    expect(kinds(decision)).toEqual(['listed 1.1.1.1 (initial)']);
    expect(decision.events[0]).toMatchObject({
      id: 'run1:000001',
      runId: 'run1',
      codes: ['127.0.0.2'],
      txt: ['listed 1.1.1.1'],
      delist: 'https://bl.test/?ip=1.1.1.1',
    });
    expect(world.states.get(listingKey('1.1.1.1', 'bl.test'))).toMatchObject({
      status: 'listed',
      listedSince: '2026-11-01T00:00:00.000Z',
    });
    expect(world.states.has(listingKey('1.1.1.2', 'bl.test'))).toBe(false);
  });

  it('announces a new listing of a watched target after listAfter listed results', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'clean')]);
    const policy = { listAfter: 2 };
    expect(kinds(scan(world, [result('1.1.1.1', 'listed')], { policy }))).toEqual([]);
    expect(world.states.get(listingKey('1.1.1.1', 'bl.test'))).toMatchObject({
      status: 'clean',
      listedStreak: 1,
    });
    expect(kinds(scan(world, [result('1.1.1.1', 'listed')], { policy }))).toEqual(['listed 1.1.1.1']);
  });

  it('delists after delistAfter consecutive clean results, and forgets the pair', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'listed')]);
    expect(kinds(scan(world, [result('1.1.1.1', 'clean')]))).toEqual([]);
    expect(world.states.get(listingKey('1.1.1.1', 'bl.test'))).toMatchObject({
      status: 'listed',
      cleanStreak: 1,
    });
    const decision = scan(world, [result('1.1.1.1', 'clean')]);
    expect(kinds(decision)).toEqual(['delisted 1.1.1.1']);
    expect(decision.events[0]?.codes).toEqual(['127.0.0.2']);
    expect(world.states.size).toBe(0);
  });

  it('unknown never changes state and never resets a streak', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'listed')]);
    scan(world, [result('1.1.1.1', 'clean')]);
    const during = scan(world, [result('1.1.1.1', 'unknown')]);
    expect(kinds(during)).toEqual([]);
    expect(during.states.size).toBe(0);
    expect(kinds(scan(world, [result('1.1.1.1', 'clean')]))).toEqual(['delisted 1.1.1.1']);
  });

  it('a flapping listing (listed, clean, listed, clean) stays listed with delistAfter 2', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'listed')]);
    for (const status of ['clean', 'listed', 'clean', 'listed'] as const) {
      expect(kinds(scan(world, [result('1.1.1.1', status)]))).toEqual([]);
    }
    expect(world.states.get(listingKey('1.1.1.1', 'bl.test'))?.status).toBe('listed');
  });

  it('a scan that changes nothing writes nothing', () => {
    const world = newWorld();
    const targets = Array.from({ length: 100 }, (_, i) => `1.1.1.${i}`);
    scan(
      world,
      targets.map((t) => result(t, t === '1.1.1.7' ? 'listed' : 'clean')),
    );
    const again = scan(
      world,
      targets.map((t) => result(t, t === '1.1.1.7' ? 'listed' : 'clean')),
    );
    expect(again.events).toEqual([]);
    expect(again.states.size).toBe(0);
  });

  it('an unhealthy zone gives one zone-degraded event, then zone-recovered, never one per target', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'clean')]);
    const wildcard: ZoneHealthReport = { zone: 'bl.test', health: 'wildcard', detail: 'lists 127.0.0.1' };
    const unknowns = [result('1.1.1.1', 'unknown'), result('1.1.1.2', 'unknown')];
    const first = scan(world, unknowns, { health: [wildcard] });
    expect(kinds(first)).toEqual(['zone-degraded bl.test']);
    expect(first.events[0]).toMatchObject({ health: 'wildcard', detail: 'lists 127.0.0.1' });
    expect(kinds(scan(world, unknowns, { health: [wildcard] }))).toEqual([]);
    const ok: ZoneHealthReport = { zone: 'bl.test', health: 'ok', detail: 'fine' };
    expect(kinds(scan(world, [result('1.1.1.1', 'clean')], { health: [ok] }))).toEqual([
      'zone-recovered bl.test',
    ]);
  });

  it('a degraded zone that was not probed in this run stays degraded, silently', () => {
    const world = newWorld();
    const refused: ZoneHealthReport = { zone: 'bl.test', health: 'refused', detail: 'REFUSED' };
    scan(world, [result('1.1.1.1', 'unknown')], { health: [refused] });
    const skipped = scan(world, [], { health: [] });
    expect(skipped.events).toEqual([]);
    expect([...skipped.degradedZones]).toEqual(['bl.test']);
  });

  it('a zone that suddenly lists half of 20 or more targets is degraded, not a mass listing', () => {
    const world = newWorld();
    const targets = Array.from({ length: 24 }, (_, i) => `2.2.2.${i}`);
    scan(
      world,
      targets.map((t) => result(t, 'clean')),
    );
    const mass = scan(
      world,
      targets.map((t, i) => result(t, i < 12 ? 'listed' : 'clean')),
    );
    expect(kinds(mass)).toEqual(['zone-degraded bl.test']);
    expect(mass.events[0]?.detail).toContain('12 of 24');
    expect(mass.states.size).toBe(0);
    expect(world.states.size).toBe(0);
  });

  it('a list without test points that suddenly delists half or more of 20+ listings is degraded, not believed', () => {
    const world = newWorld();
    const targets = Array.from({ length: 24 }, (_, i) => `4.4.4.${i}`);
    const untested: ZoneHealthReport[] = [{ zone: 'bl.test', health: 'untested', detail: 'no test points' }];
    // Listed gradually over time: the mass-listing guard is not what this is about.
    scan(
      world,
      targets.map((t) => result(t, 'listed')),
      { health: untested, policy: { massListingShare: 2 } },
    );
    // A lapsed list answering NXDOMAIN for everything: two clean scans would delist all 24.
    scan(
      world,
      targets.map((t) => result(t, 'clean')),
      { health: untested },
    );
    const suspect = scan(
      world,
      targets.map((t) => result(t, 'clean')),
      { health: untested },
    );
    expect(kinds(suspect)).toEqual(['zone-degraded bl.test']);
    expect(suspect.events[0]?.detail).toContain('would delist 24 of its 24 listings');
    expect([...world.states.values()].filter((state) => state.status === 'listed')).toHaveLength(24);
    // A list whose test points answer is believed: the same delistings go through.
    const tested: ZoneHealthReport[] = [{ zone: 'bl.test', health: 'ok', detail: 'test points answer' }];
    const believed = scan(
      world,
      targets.map((t) => result(t, 'clean')),
      { health: tested },
    );
    expect(kinds(believed).filter((kind) => kind.startsWith('delisted'))).toHaveLength(24);
  });

  it('the mass-listing guard leaves small inventories alone', () => {
    const world = newWorld();
    const targets = Array.from({ length: 19 }, (_, i) => `3.3.3.${i}`);
    scan(
      world,
      targets.map((t) => result(t, 'clean')),
    );
    const decision = scan(
      world,
      targets.map((t) => result(t, 'listed')),
    );
    expect(decision.events).toHaveLength(19);
    expect(decision.events.every((e) => e.kind === 'listed' && !e.initial)).toBe(true);
  });

  it('keeps zones apart and numbers events in order', () => {
    const world = newWorld();
    scan(world, [result('1.1.1.1', 'clean', 'a.test'), result('1.1.1.1', 'clean', 'b.test')]);
    const decision = scan(world, [
      result('1.1.1.1', 'listed', 'a.test'),
      result('1.1.1.1', 'clean', 'b.test'),
    ]);
    expect(decision.events.map((e) => [e.id, e.zone])).toEqual([['run2:000001', 'a.test']]);
  });

  it('refuses results after finish', () => {
    const decider = createDecider({
      runId: 'r',
      at: '2026-11-01T00:00:00.000Z',
      policy: defaultListingPolicy,
      previous: new Map(),
      isFirstCheck: () => false,
      degradedZones: new Set(),
      health: new Map(),
      severityOf: () => 'major',
    });
    decider.finish();
    expect(() => decider.add(result('1.1.1.1', 'clean'))).toThrow(/finished/);
  });
});
