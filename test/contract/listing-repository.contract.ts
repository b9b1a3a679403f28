/**
 * The ListingRepository compliance suite: one set of behaviours every backend must show, run against each of
 * them (memory and SQLite always, Redis and PostgreSQL when reachable), in the spirit of keyv's
 * `core/test-suite`. Backend-specific checks (durability across SIGKILL, fail-fast connects) live next to the
 * backend's own test file.
 *
 * The crash, write-count and corruption tests reach under the port through the fixture's keyv: they build a second
 * repository over an {@link InstrumentedStore} wrapping the same data, which either counts writes or stops writing
 * part-way, exactly as a killed process would.
 */
import type { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../src/alerts/outbox-item.ts';
import type { InventoryEntry } from '../../src/domain/inventory.ts';
import { type ListingEvent, type ListingState, listingKey } from '../../src/domain/listing.ts';
import { type ScanRun, startedRun } from '../../src/domain/scan-run.ts';
import { AppError, ErrorCode } from '../../src/errors.ts';
import { KeyvListingRepository, storeKeys } from '../../src/store/keyv-repository.ts';
import type { ListingRepository, ScanCommit } from '../../src/store/listing-repository.ts';
import { instrumentKeyv, readRaw, writeRaw } from './instrumented-store.ts';

/** What a backend's factory hands the suite. */
export interface RepositoryFixture {
  /** A repository over an empty, isolated key space. */
  readonly repo: ListingRepository;
  /** The keyv instance under `repo`; the suite layers instrumented repositories over the same data. */
  readonly keyv: Keyv;
  /** Closes `repo` and removes everything it wrote (its namespace, its file). */
  cleanup(): Promise<void>;
}

// --- builders ----------------------------------------------------------------------------------------------

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const MINUTE = 60_000;

function iso(minutes: number): string {
  return new Date(T0 + minutes * MINUTE).toISOString();
}

function runId(minutes: number, suffix = 'a1b2c3'): string {
  return `${iso(minutes)}-${suffix}`;
}

function entry(target: string, overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    target,
    kind: target.includes('/') ? 'cidr' : /^[\d.]+$/.test(target) ? 'ip4' : 'domain',
    labels: { owner: 'mail-team' },
    source: 'store',
    addedAt: iso(-60),
    ...overrides,
  };
}

function completed(run: ScanRun, endedAt: string, overrides: Partial<ScanRun> = {}): ScanRun {
  return {
    ...run,
    status: 'completed',
    endedAt,
    targets: 3,
    lookups: 120,
    listed: 1,
    clean: 118,
    unknown: 1,
    unknownByReason: { timeout: 1 },
    zoneHealth: [{ zone: 'zen.example', health: 'ok', detail: 'test points answered' }],
    ...overrides,
  };
}

function state(target: string, zone: string, overrides: Partial<ListingState> = {}): ListingState {
  return {
    target,
    zone,
    status: 'listed',
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: ['see https://example.test/lookup'],
    listedSince: iso(0),
    listedStreak: 1,
    cleanStreak: 0,
    updatedAt: iso(0),
    ...overrides,
  };
}

function event(run: string, n: number, at: string, overrides: Partial<ListingEvent> = {}): ListingEvent {
  return {
    id: `${run}:${n}`,
    kind: 'listed',
    at,
    runId: run,
    zone: 'zen.example',
    target: '192.0.2.1',
    severity: 'critical',
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: [],
    ...overrides,
  };
}

function commitOf(run: ScanRun, parts: Partial<Omit<ScanCommit, 'run'>> = {}): ScanCommit {
  return {
    run: { ...run, events: parts.events?.length ?? 0 },
    events: [],
    states: [],
    degradedZones: [],
    firstScanned: [],
    ...parts,
  };
}

/** Starts and commits one run at `minutes` past T0 with the given changes. */
async function scan(
  repo: ListingRepository,
  minutes: number,
  parts: (id: string, at: string) => Partial<Omit<ScanCommit, 'run'>> = () => ({}),
  suffix = 'a1b2c3',
): Promise<ScanCommit> {
  const id = runId(minutes, suffix);
  const run = startedRun(id, iso(minutes));
  await repo.startRun(run);
  const commit = commitOf(completed(run, iso(minutes + 1)), parts(id, iso(minutes + 1)));
  await repo.commitRun(commit);
  return commit;
}

async function allEvents(repo: ListingRepository, query: { limit?: number } = {}): Promise<ListingEvent[]> {
  const events: ListingEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await repo.listEvents({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    events.push(...result.events);
    if (result.next === undefined) return events;
    cursor = result.next;
  }
  throw new Error('paging did not end');
}

/** Everything a caller can observe, in a stable order. */
async function snapshot(repo: ListingRepository): Promise<unknown> {
  return {
    inventory: await repo.listInventory(),
    states: [...(await repo.getStates())].sort(([a], [b]) => (a < b ? -1 : 1)),
    degraded: [...(await repo.getDegradedZones())].sort(),
    runs: await repo.listRuns({ limit: 1000 }),
    events: await allEvents(repo),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

// --- the suite ---------------------------------------------------------------------------------------------

/**
 * Registers the compliance suite for one backend. `factory` is called before each test and must return a
 * repository over an empty, isolated key space; `cleanup` runs after each test.
 */
export function describeListingRepository(name: string, factory: () => Promise<RepositoryFixture>): void {
  describe(`ListingRepository contract: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ListingRepository;
    const extra: RepositoryFixture[] = [];

    /** Another empty fixture, cleaned up with the test's own (for tests that need several fresh stores). */
    async function freshFixture(): Promise<RepositoryFixture> {
      const another = await factory();
      extra.push(another);
      return another;
    }

    /** A repository over the fixture's data whose store counts writes or stops after `failAfterWrites`. */
    function instrumented(options: { failAfterWrites?: number } = {}, base: RepositoryFixture = fixture) {
      const { keyv, store } = instrumentKeyv(base.keyv, options);
      return { repo: new KeyvListingRepository({ keyv, backend: base.repo.backend }), store };
    }

    beforeEach(async () => {
      fixture = await factory();
      repo = fixture.repo;
    });

    afterEach(async () => {
      await Promise.all(extra.splice(0).map((other) => other.cleanup()));
      await fixture.cleanup();
    });

    it('reports its backend name', () => {
      expect(['memory', 'sqlite', 'redis', 'postgres']).toContain(repo.backend);
    });

    describe('an empty store', () => {
      it('reads as empty everywhere', async () => {
        expect(await repo.listInventory()).toEqual([]);
        expect(await repo.getStates()).toEqual(new Map());
        expect(await repo.getDegradedZones()).toEqual(new Set());
        expect(await repo.listRuns()).toEqual([]);
        expect(await repo.listEvents()).toEqual({ events: [] });
        expect(await repo.getRun('nope')).toBeUndefined();
        expect(await repo.recover(iso(0))).toEqual({ replayed: [], interrupted: [] });
      });
    });

    describe('inventory', () => {
      it('inserts, replaces by target, and removes', async () => {
        await repo.putInventory(entry('192.0.2.1'));
        await repo.putInventory(entry('example.com'));
        await repo.putInventory(entry('198.51.100.0/28'));
        await repo.putInventory(entry('192.0.2.1', { labels: { owner: 'other', tags: ['edge'] } }));

        const listed = await repo.listInventory();
        expect(listed.map((e) => e.target)).toEqual(['192.0.2.1', 'example.com', '198.51.100.0/28']);
        expect(listed[0]).toEqual(entry('192.0.2.1', { labels: { owner: 'other', tags: ['edge'] } }));

        expect(await repo.removeInventory('example.com')).toBe(true);
        expect(await repo.removeInventory('example.com')).toBe(false);
        expect((await repo.listInventory()).map((e) => e.target)).toEqual(['192.0.2.1', '198.51.100.0/28']);
      });

      it('keeps a removed target’s history', async () => {
        await repo.putInventory(entry('192.0.2.1'));
        await scan(repo, 0, (id, at) => ({ events: [event(id, 0, at)] }));
        await repo.removeInventory('192.0.2.1');
        const { events } = await repo.listEvents({ target: '192.0.2.1' });
        expect(events.map((e) => e.id)).toEqual([`${runId(0)}:0`]);
      });

      it('sets firstScannedAt once, at the end of the first run that covered the entry', async () => {
        await repo.putInventory(entry('192.0.2.1'));
        await repo.putInventory(entry('192.0.2.2'));
        await scan(repo, 0, () => ({ firstScanned: ['192.0.2.1', 'not-in-inventory.example'] }));
        await scan(repo, 10, () => ({ firstScanned: ['192.0.2.1', '192.0.2.2'] }));
        const byTarget = new Map((await repo.listInventory()).map((e) => [e.target, e]));
        expect(byTarget.get('192.0.2.1')?.firstScannedAt).toBe(iso(1));
        expect(byTarget.get('192.0.2.2')?.firstScannedAt).toBe(iso(11));
        expect(byTarget.has('not-in-inventory.example')).toBe(false);
      });
    });

    describe('listing states', () => {
      it('round-trips states and deletes them with null', async () => {
        const a = state('192.0.2.1', 'zen.example');
        const b = state('192.0.2.2', 'bl.example', {
          status: 'clean',
          listedSince: undefined,
          listedStreak: 0,
        });
        await scan(repo, 0, () => ({
          states: [
            [listingKey(a.target, a.zone), a],
            [listingKey(b.target, b.zone), b],
          ],
        }));
        expect(await repo.getStates()).toEqual(
          new Map([
            [listingKey(a.target, a.zone), a],
            [listingKey(b.target, b.zone), b],
          ]),
        );

        const b2 = { ...b, cleanStreak: 1, updatedAt: iso(11) };
        await scan(repo, 10, () => ({
          states: [
            [listingKey(a.target, a.zone), null],
            [listingKey(b.target, b.zone), b2],
            [listingKey('192.0.2.9', 'zen.example'), null],
          ],
        }));
        expect(await repo.getStates()).toEqual(new Map([[listingKey(b.target, b.zone), b2]]));
      });

      it('rejects a state stored under the wrong key', async () => {
        const run = startedRun(runId(0), iso(0));
        await repo.startRun(run);
        const bad = commitOf(completed(run, iso(1)), {
          states: [['wrong|key', state('192.0.2.1', 'zen.example')]],
        });
        expect(await codeOf(repo.commitRun(bad))).toBe(ErrorCode.STORE_INVALID_INPUT);
      });
    });

    describe('degraded zones', () => {
      it('replaces the set with each commit', async () => {
        await scan(repo, 0, () => ({ degradedZones: ['b.example', 'a.example', 'b.example'] }));
        expect(await repo.getDegradedZones()).toEqual(new Set(['a.example', 'b.example']));
        await scan(repo, 10, () => ({ degradedZones: ['c.example'] }));
        expect(await repo.getDegradedZones()).toEqual(new Set(['c.example']));
        await scan(repo, 20);
        expect(await repo.getDegradedZones()).toEqual(new Set());
      });
    });

    describe('runs', () => {
      it('records start, commit and end, and lists newest first across days', async () => {
        const first = startedRun(runId(0), iso(0));
        await repo.startRun(first);
        expect(await repo.getRun(first.id)).toEqual(first);
        const done = completed(first, iso(1));
        await repo.commitRun(commitOf(done));
        expect(await repo.getRun(first.id)).toEqual(done);

        // The next day, and the day after: the index spans several days.
        const failedRun = startedRun(runId(24 * 60), iso(24 * 60));
        await repo.startRun(failedRun);
        const failed: ScanRun = {
          ...failedRun,
          status: 'failed',
          endedAt: iso(24 * 60 + 1),
          error: 'resolver gone',
        };
        await repo.endRun(failed);
        const third = startedRun(runId(48 * 60), iso(48 * 60));
        await repo.startRun(third);

        expect(await repo.listRuns()).toEqual([third, failed, done]);
        expect(await repo.listRuns({ limit: 2 })).toEqual([third, failed]);
      });

      it('orders runs of the same minute by start time, then id', async () => {
        const a = startedRun(runId(0, 'aaaaaa'), iso(0));
        const b = startedRun(runId(0, 'bbbbbb'), iso(0));
        const c = startedRun(runId(5, '000000'), iso(5));
        for (const run of [b, c, a]) await repo.startRun(run);
        expect((await repo.listRuns()).map((run) => run.id)).toEqual([c.id, b.id, a.id]);
      });

      it('records an ended run that was never started', async () => {
        const run: ScanRun = {
          ...startedRun(runId(3), iso(3)),
          status: 'interrupted',
          endedAt: iso(4),
          error: 'x',
        };
        await repo.endRun(run);
        expect(await repo.listRuns()).toEqual([run]);
        expect(await repo.recover(iso(10))).toEqual({ replayed: [], interrupted: [] });
      });

      it('rejects runs in the wrong status for the call', async () => {
        const run = startedRun(runId(0), iso(0));
        expect(await codeOf(repo.startRun(completed(run, iso(1))))).toBe(ErrorCode.STORE_INVALID_INPUT);
        expect(await codeOf(repo.commitRun(commitOf(run)))).toBe(ErrorCode.STORE_INVALID_INPUT);
        expect(await codeOf(repo.endRun(completed(run, iso(1))))).toBe(ErrorCode.STORE_INVALID_INPUT);
        expect(await codeOf(repo.startRun({ ...run, startedAt: 'yesterday' }))).toBe(
          ErrorCode.STORE_INVALID_INPUT,
        );
        const wrongEvent = commitOf(completed(run, iso(1)), { events: [event('other-run', 0, iso(1))] });
        expect(await codeOf(repo.commitRun(wrongEvent))).toBe(ErrorCode.STORE_INVALID_INPUT);
        expect(await repo.listRuns()).toEqual([]);
      });
    });

    describe('events', () => {
      /** Three runs: targets .1 and .2 on two zones, with a same-time tie inside the last run. */
      async function seedHistory(): Promise<void> {
        await scan(repo, 0, (id, at) => ({
          events: [event(id, 0, at), event(id, 1, at, { target: '192.0.2.2', zone: 'bl.example' })],
        }));
        await scan(repo, 10, (id, at) => ({
          events: [event(id, 0, at, { kind: 'delisted' }), event(id, 1, at, { target: '192.0.2.2' })],
        }));
        await scan(repo, 20, (id, at) => ({
          events: [
            event(id, 0, at, { zone: 'bl.example' }),
            event(id, 1, iso(20.5), { kind: 'zone-degraded', target: undefined, zone: 'dnsbl.example' }),
            ...Array.from({ length: 10 }, (_, k) => event(id, k + 2, at, { target: '192.0.2.2' })),
          ],
        }));
      }

      it('lists newest first: by time, then by id with numeric sequence numbers', async () => {
        await seedHistory();
        const ids = (await repo.listEvents()).events.map((e) => e.id);
        const r0 = runId(0);
        const r10 = runId(10);
        const r20 = runId(20);
        expect(ids).toEqual([
          `${r20}:11`,
          `${r20}:10`,
          `${r20}:9`,
          `${r20}:8`,
          `${r20}:7`,
          `${r20}:6`,
          `${r20}:5`,
          `${r20}:4`,
          `${r20}:3`,
          `${r20}:2`,
          `${r20}:0`,
          `${r20}:1`,
          `${r10}:1`,
          `${r10}:0`,
          `${r0}:1`,
          `${r0}:0`,
        ]);
      });

      it('filters by target, zone and time range (since inclusive, until exclusive)', async () => {
        await seedHistory();
        const ids = async (query: Parameters<ListingRepository['listEvents']>[0]) =>
          (await repo.listEvents(query)).events.map((e) => e.id);
        expect(await ids({ target: '192.0.2.1' })).toEqual([
          `${runId(20)}:0`,
          `${runId(10)}:0`,
          `${runId(0)}:0`,
        ]);
        expect(await ids({ zone: 'bl.example' })).toEqual([`${runId(20)}:0`, `${runId(0)}:1`]);
        expect(await ids({ target: '192.0.2.1', zone: 'zen.example' })).toEqual([
          `${runId(10)}:0`,
          `${runId(0)}:0`,
        ]);
        expect(await ids({ zone: 'dnsbl.example' })).toEqual([`${runId(20)}:1`]);
        expect(await ids({ since: iso(11), until: iso(21) })).toEqual([
          `${runId(20)}:1`,
          `${runId(10)}:1`,
          `${runId(10)}:0`,
        ]);
        expect(await ids({ since: iso(11), until: iso(20.5) })).toEqual([`${runId(10)}:1`, `${runId(10)}:0`]);
        expect(await ids({ since: iso(1), until: iso(12) })).toEqual([
          `${runId(10)}:1`,
          `${runId(10)}:0`,
          `${runId(0)}:1`,
          `${runId(0)}:0`,
        ]);
        expect(await ids({ since: iso(2), until: iso(12) })).toEqual([`${runId(10)}:1`, `${runId(10)}:0`]);
        expect(await ids({ since: iso(21) })).toHaveLength(11);
        expect(await ids({ until: iso(1) })).toEqual([]);
        expect(await ids({ target: '203.0.113.99' })).toEqual([]);
      });

      it('pages with a cursor across runs without gaps or repeats', async () => {
        await seedHistory();
        const everything = (await repo.listEvents({ limit: 1000 })).events.map((e) => e.id);
        expect(everything).toHaveLength(16);
        for (const limit of [1, 3, 7, 16]) {
          const paged = (await allEvents(repo, { limit })).map((e) => e.id);
          expect(paged).toEqual(everything);
        }
        const filtered = (await repo.listEvents({ limit: 1000, target: '192.0.2.2' })).events.map(
          (e) => e.id,
        );
        expect(filtered).toHaveLength(12);
        const first = await repo.listEvents({ limit: 5, target: '192.0.2.2' });
        expect(first.events).toHaveLength(5);
        expect(first.next).toEqual(expect.any(String));
        const rest = await repo.listEvents({ limit: 50, target: '192.0.2.2', cursor: first.next });
        expect(rest.next).toBeUndefined();
        expect([...first.events, ...rest.events].map((e) => e.id)).toEqual(filtered);
      });

      it('caps a page at 1000 and defaults to 100', async () => {
        await scan(repo, 0, (id) => ({
          events: Array.from({ length: 1100 }, (_, n) => event(id, n, iso(n / 100))),
        }));
        const capped = await repo.listEvents({ limit: 5000 });
        expect(capped.events).toHaveLength(1000);
        expect(capped.next).toEqual(expect.any(String));
        expect(capped.events[0]?.id).toBe(`${runId(0)}:1099`);
        const rest = await repo.listEvents({ limit: 5000, cursor: capped.next });
        expect(rest.events).toHaveLength(100);
        expect(rest.next).toBeUndefined();
        expect((await repo.listEvents()).events).toHaveLength(100);
      });

      it('refuses a cursor it did not hand out and a malformed time', async () => {
        expect(await codeOf(repo.listEvents({ cursor: 'not-a-cursor' }))).toBe(
          ErrorCode.STORE_CURSOR_INVALID,
        );
        expect(await codeOf(repo.listEvents({ since: 'last tuesday' }))).toBe(ErrorCode.STORE_INVALID_INPUT);
      });
    });

    describe('commit idempotency', () => {
      it('stores nothing twice when the same commit is applied again', async () => {
        await repo.putInventory(entry('192.0.2.1'));
        const a = state('192.0.2.1', 'zen.example');
        const commit = await scan(repo, 0, (id, at) => ({
          events: [event(id, 0, at), event(id, 1, at, { zone: 'bl.example' })],
          states: [[listingKey(a.target, a.zone), a]],
          degradedZones: ['dnsbl.example'],
          firstScanned: ['192.0.2.1'],
        }));
        const before = await snapshot(repo);
        await repo.commitRun(commit);
        expect(await snapshot(repo)).toEqual(before);
        expect((await repo.listEvents()).events).toHaveLength(2);
      });

      it('accepts a commit for a run that was never started', async () => {
        const run = completed(startedRun(runId(0), iso(0)), iso(1));
        await repo.commitRun(commitOf(run, { events: [event(run.id, 0, iso(1))] }));
        expect(await repo.listRuns()).toEqual([{ ...run, events: 1 }]);
        expect(await repo.recover(iso(5))).toEqual({ replayed: [], interrupted: [] });
      });
    });

    describe('recovery', () => {
      /** A commit touching every part of the store, on top of one earlier run. */
      async function prepare(target: ListingRepository): Promise<ScanCommit> {
        await target.putInventory(entry('192.0.2.1'));
        await target.putInventory(entry('192.0.2.2'));
        const old = state('192.0.2.2', 'bl.example');
        await scan(target, 0, (id, at) => ({
          events: [event(id, 0, at, { target: '192.0.2.2', zone: 'bl.example' })],
          states: [[listingKey(old.target, old.zone), old]],
          degradedZones: ['old.example'],
          firstScanned: ['192.0.2.2'],
        }));
        const run = startedRun(runId(10), iso(10));
        await target.startRun(run);
        const listed = state('192.0.2.1', 'zen.example', { listedSince: iso(11), updatedAt: iso(11) });
        return commitOf(completed(run, iso(11)), {
          events: [
            event(run.id, 0, iso(11)),
            event(run.id, 1, iso(11), { kind: 'delisted', target: '192.0.2.2', zone: 'bl.example' }),
          ],
          states: [
            [listingKey(listed.target, listed.zone), listed],
            [listingKey(old.target, old.zone), null],
          ],
          degradedZones: ['new.example'],
          firstScanned: ['192.0.2.1'],
        });
      }

      it('replays a commit when only its write-ahead record was written', async () => {
        const commit = await prepare(repo);
        const crashed = instrumented({ failAfterWrites: 1 });
        expect(await codeOf(crashed.repo.commitRun(commit))).toBe(ErrorCode.STORE_BACKEND_ERROR);
        expect(crashed.store.writes[0]?.key).toContain(storeKeys.commit(commit.run.id));
        // Nothing but the record is visible yet.
        expect((await repo.getRun(commit.run.id))?.status).toBe('running');
        expect((await repo.listEvents()).events).toHaveLength(1);

        expect(await repo.recover(iso(30))).toEqual({ replayed: [commit.run.id], interrupted: [] });
        expect(await repo.getRun(commit.run.id)).toEqual(commit.run);
        expect((await repo.listEvents()).events.map((e) => e.id)).toEqual([
          `${commit.run.id}:1`,
          `${commit.run.id}:0`,
          `${runId(0)}:0`,
        ]);
        expect([...(await repo.getStates()).keys()]).toEqual([listingKey('192.0.2.1', 'zen.example')]);
        expect(await repo.getDegradedZones()).toEqual(new Set(['new.example']));
        expect((await repo.listInventory()).map((e) => e.firstScannedAt)).toEqual([iso(11), iso(1)]);
        expect(await readRaw(fixture.keyv, storeKeys.commit(commit.run.id))).toBeUndefined();
        expect(await repo.recover(iso(31))).toEqual({ replayed: [], interrupted: [] });
      });

      it('ends in the same state whichever write the crash interrupted', async () => {
        // The reference: the same history with no crash.
        const reference = await freshFixture();
        const referenceCommit = await prepare(reference.repo);
        const counter = instrumented({}, reference);
        await counter.repo.commitRun(referenceCommit);
        const expected = await snapshot(reference.repo);
        const writes = counter.store.writes.length;
        expect(writes).toBeGreaterThanOrEqual(6);

        for (let survived = 1; survived < writes; survived++) {
          const attempt = await freshFixture();
          const commit = await prepare(attempt.repo);
          const crashed = instrumented({ failAfterWrites: survived }, attempt);
          expect(await codeOf(crashed.repo.commitRun(commit))).toBe(ErrorCode.STORE_BACKEND_ERROR);
          await attempt.repo.recover(iso(30));
          expect({ survived, state: await snapshot(attempt.repo) }).toEqual({ survived, state: expected });
        }
      });

      it('marks a run left running without a commit as interrupted', async () => {
        await scan(repo, 0);
        const run = startedRun(runId(10), iso(10));
        await repo.startRun(run);
        expect(await repo.recover(iso(30))).toEqual({ replayed: [], interrupted: [run.id] });
        expect(await repo.getRun(run.id)).toEqual({
          ...run,
          status: 'interrupted',
          endedAt: iso(30),
          error: 'interrupted: the process stopped mid-scan',
        });
        expect((await repo.getRun(runId(0)))?.status).toBe('completed');
        expect(await repo.recover(iso(40))).toEqual({ replayed: [], interrupted: [] });
      });

      it('completes a commit whose apply failed when the run is then ended as failed', async () => {
        const commit = await prepare(repo);
        const broken = instrumented({ failAfterWrites: 2 });
        expect(await codeOf(broken.repo.commitRun(commit))).toBe(ErrorCode.STORE_BACKEND_ERROR);
        await repo.endRun({ ...commit.run, status: 'failed', error: 'store went away' });
        expect(await repo.getRun(commit.run.id)).toEqual(commit.run);
        expect((await repo.listEvents()).events).toHaveLength(3);
        expect(await repo.recover(iso(30))).toEqual({ replayed: [], interrupted: [] });
      });

      it('refuses a new commit while an older one waits for recovery', async () => {
        const commit = await prepare(repo);
        const crashed = instrumented({ failAfterWrites: 1 });
        await codeOf(crashed.repo.commitRun(commit));
        const next = startedRun(runId(20), iso(20));
        await repo.startRun(next);
        expect(await codeOf(repo.commitRun(commitOf(completed(next, iso(21)))))).toBe(
          ErrorCode.STORE_INVALID_INPUT,
        );
        expect((await repo.recover(iso(30))).replayed).toEqual([commit.run.id]);
        await repo.commitRun(commitOf(completed(next, iso(21)), { degradedZones: ['later.example'] }));
        expect(await repo.getDegradedZones()).toEqual(new Set(['later.example']));
      });
    });

    describe('write cost', () => {
      it('commits a scan with no changes in a handful of writes, however large the store', async () => {
        const counts: number[] = [];
        for (const size of [1, 300]) {
          const target = await freshFixture();
          for (let i = 0; i < size; i++)
            await target.repo.putInventory(entry(`10.0.${Math.floor(i / 250)}.${i % 250}`));
          await scan(target.repo, 0, () => ({
            states: Array.from({ length: size }, (_, i) => {
              const s = state(`10.0.${Math.floor(i / 250)}.${i % 250}`, 'zen.example');
              return [listingKey(s.target, s.zone), s] as const;
            }),
            degradedZones: ['slow.example'],
          }));
          const run = startedRun(runId(10), iso(10));
          await target.repo.startRun(run);
          const counter = instrumented({}, target);
          await counter.repo.commitRun(
            commitOf(completed(run, iso(11), { lookups: size * 50 }), { degradedZones: ['slow.example'] }),
          );
          counts.push(counter.store.writes.length);
        }
        expect(counts[0]).toBeLessThanOrEqual(5);
        expect(counts[1]).toBe(counts[0]);
      });

      it('adds only a few writes for a commit with events and state changes', async () => {
        const run = startedRun(runId(0), iso(0));
        await repo.startRun(run);
        const counter = instrumented();
        const s = state('192.0.2.1', 'zen.example');
        await counter.repo.commitRun(
          commitOf(completed(run, iso(1)), {
            events: Array.from({ length: 50 }, (_, n) => event(run.id, n, iso(1))),
            states: [[listingKey(s.target, s.zone), s]],
          }),
        );
        expect(counter.store.writes.length).toBeLessThanOrEqual(7);
      });
    });

    describe('errors', () => {
      it('reports an unparsable value as corrupt, naming the key, and does not overwrite it', async () => {
        await writeRaw(fixture.keyv, storeKeys.inventory, '{"value":[{"target":');
        const error = await errorOf(repo.listInventory());
        expect(error.code).toBe(ErrorCode.STORE_CORRUPT);
        expect(error.message).toContain(storeKeys.inventory);
        expect(await codeOf(repo.putInventory(entry('192.0.2.1')))).toBe(ErrorCode.STORE_CORRUPT);
        expect(await readRaw(fixture.keyv, storeKeys.inventory)).toBe('{"value":[{"target":');
      });

      it('reports a value of the wrong shape as corrupt', async () => {
        await fixture.keyv.set(storeKeys.states, { '192.0.2.1|zen.example': 'listed' });
        const error = await errorOf(repo.getStates());
        expect(error.code).toBe(ErrorCode.STORE_CORRUPT);
        expect(error.message).toContain(storeKeys.states);

        await writeRaw(fixture.keyv, storeKeys.meta, '42');
        expect(await codeOf(repo.getDegradedZones())).toBe(ErrorCode.STORE_CORRUPT);
        expect(await codeOf(repo.listRuns())).toBe(ErrorCode.STORE_CORRUPT);

        await fixture.keyv.set(storeKeys.run('r1'), { id: 'r1', status: 'exploded', startedAt: iso(0) });
        expect(await codeOf(repo.getRun('r1'))).toBe(ErrorCode.STORE_CORRUPT);
      });

      it('surfaces an error event from the next operation, once', async () => {
        fixture.keyv.emit('error', new Error('connection reset'));
        const error = await errorOf(repo.listInventory());
        expect(error.code).toBe(ErrorCode.STORE_BACKEND_ERROR);
        expect(error.message).toContain('connection reset');
        expect(error.cause).toBeInstanceOf(Error);
        expect(await repo.listInventory()).toEqual([]);
      });

      it('fails a write the backend refuses, without poisoning the next operation', async () => {
        const broken = instrumented({ failAfterWrites: 0 });
        const error = await errorOf(broken.repo.putInventory(entry('192.0.2.1')));
        expect(error.code).toBe(ErrorCode.STORE_BACKEND_ERROR);
        expect(error.message).toContain('simulated crash');
        expect(await broken.repo.listInventory()).toEqual([]);
      });
    });

    describe('close', () => {
      it('finishes queued writes, then refuses further use', async () => {
        const { repo: closing } = instrumented();
        const writes = [closing.putInventory(entry('192.0.2.1')), closing.putInventory(entry('192.0.2.2'))];
        await closing.close();
        await Promise.all(writes);
        expect((await repo.listInventory()).map((e) => e.target)).toEqual(['192.0.2.1', '192.0.2.2']);
        expect(await codeOf(closing.listInventory())).toBe(ErrorCode.STORE_CLOSED);
        expect(await codeOf(closing.putInventory(entry('192.0.2.3')))).toBe(ErrorCode.STORE_CLOSED);
        await closing.close();
      });

      it('serializes concurrent writers within one instance', async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => repo.putInventory(entry(`192.0.2.${i}`))));
        expect(await repo.listInventory()).toHaveLength(20);
      });
    });

    describe('alert store (outbox, mutes, routing progress)', () => {
      const item = (id: string, overrides: Partial<OutboxItem> = {}): OutboxItem => ({
        id,
        destination: 'pager',
        action: 'trigger',
        key: `rblwatch:${id}`,
        alert: {
          id,
          kind: 'listed',
          at: iso(0),
          severity: 'critical',
          zone: 'bl.example',
          target: '192.0.2.1',
          codes: ['127.0.0.2'],
          meanings: [],
          txt: ['see http://bl.example/?192.0.2.1'],
        },
        createdAt: iso(0),
        dueAt: iso(0),
        attempts: 0,
        status: 'pending',
        ...overrides,
      });

      it('adds items once, keeps their order and survives a reopen of the same data', async () => {
        const added = await repo.alerts.addOutbox([item('a'), item('b')]);
        expect(added.map((i) => i.id)).toEqual(['a', 'b']);
        expect(await repo.alerts.addOutbox([item('b'), item('c')])).toEqual([item('c')]);
        const reopened = new KeyvListingRepository({ keyv: fixture.keyv, backend: repo.backend });
        expect((await reopened.alerts.listOutbox()).map((i) => i.id)).toEqual(['a', 'b', 'c']);
        expect((await reopened.alerts.listOutbox())[0]).toEqual(item('a'));
      });

      it('updates stored items, ignores unknown ones and removes delivered ones', async () => {
        await repo.alerts.addOutbox([item('a'), item('b')]);
        await repo.alerts.updateOutbox([item('a', { attempts: 3, lastError: 'HTTP 500' }), item('zz')]);
        await repo.alerts.removeOutbox(['b']);
        expect(await repo.alerts.listOutbox()).toEqual([item('a', { attempts: 3, lastError: 'HTTP 500' })]);
        await repo.alerts.removeOutbox(['a', 'never-there']);
        expect(await repo.alerts.listOutbox()).toEqual([]);
      });

      it('keeps mutes until they expire and replaces a mute of the same subject', async () => {
        const mute = { scope: 'zone' as const, value: 'bl.example', createdAt: iso(0), until: iso(60) };
        await repo.alerts.putMute(mute);
        await repo.alerts.putMute({ ...mute, until: iso(120), by: 'cli' });
        await repo.alerts.putMute({
          scope: 'target',
          value: '192.0.2.0/24',
          createdAt: iso(0),
          until: iso(30),
        });
        expect(await repo.alerts.listMutes(new Date(iso(10)))).toHaveLength(2);
        expect(await repo.alerts.listMutes(new Date(iso(90)))).toEqual([
          { ...mute, until: iso(120), by: 'cli' },
        ]);
        expect(await repo.alerts.removeMute('zone', 'bl.example', new Date(iso(90)))).toBe(true);
        expect(await repo.alerts.removeMute('zone', 'bl.example', new Date(iso(90)))).toBe(false);
        expect(await repo.alerts.listMutes(new Date(iso(0)))).toHaveLength(0);
      });

      it('keeps the open pages', async () => {
        expect(await repo.alerts.listPages()).toEqual([]);
        await repo.alerts.updatePages(['pager|rblwatch:a:z', 'pager|rblwatch:b:z'], []);
        await repo.alerts.updatePages(['other|rblwatch:a:z'], ['pager|rblwatch:a:z']);
        expect((await repo.alerts.listPages()).sort()).toEqual(['other|rblwatch:a:z', 'pager|rblwatch:b:z']);
      });

      it('remembers how far routing got', async () => {
        expect(await repo.alerts.getRoutedThrough()).toBeUndefined();
        await repo.alerts.setRoutedThrough(runId(5));
        expect(await repo.alerts.getRoutedThrough()).toBe(runId(5));
      });

      it('reports a corrupt outbox index instead of reading it as empty', async () => {
        await writeRaw(fixture.keyv, 'outbox', JSON.stringify({ value: { not: 'a list' }, expires: null }));
        await expect(repo.alerts.listOutbox()).rejects.toMatchObject({ code: ErrorCode.STORE_CORRUPT });
      });
    });
  });
}
