/**
 * The ListingRepository compliance suite: one set of behaviours every backend must show, run against each of
 * them (memory and SQLite always, Redis and PostgreSQL when reachable), in the spirit of keyv's
 * `core/test-suite`. Backend-specific checks (durability across SIGKILL, the SQLite lock wait, outages) live next
 * to the backend's own test file; the cases about several writers, atomic commits, run owners, identity and
 * pruning are in listing-repository-writers.contract.ts and run from here.
 *
 * The failure, cost and corruption tests reach under the port through the fixture's keyv: they build a second
 * repository over an {@link InstrumentedStore} wrapping the same data, which counts reads, writes and transactions,
 * or makes a write fail part-way through a transaction.
 */
import { hostname } from 'node:os';
import type { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listingKey } from '../../src/domain/listing.ts';
import { type ScanRun, startedRun } from '../../src/domain/scan-run.ts';
import { ErrorCode } from '../../src/errors.ts';
import {
  KeyvListingRepository,
  type KeyvListingRepositoryOptions,
  storeKeys,
} from '../../src/store/keyv-repository.ts';
import type { ListingRepository } from '../../src/store/listing-repository.ts';
import { type InstrumentOptions, instrumentKeyv, readRaw, writeRaw } from './instrumented-store.ts';
import { describeWriterContract } from './listing-repository-writers.contract.ts';
import {
  allEvents,
  codeOf,
  commitOf,
  completed,
  entry,
  errorOf,
  event,
  iso,
  outboxItem,
  runId,
  scan,
  snapshot,
  state,
} from './store-builders.ts';

/** What a backend's factory hands the suite. */
export interface RepositoryFixture {
  /** A repository over an empty, isolated key space. */
  readonly repo: ListingRepository;
  /** The keyv instance under `repo`; the suite layers instrumented repositories over the same data. */
  readonly keyv: Keyv;
  /**
   * Another repository over the same data through connections of its own, the way a second process would open it
   * (memory: a second repository over the same map, the closest one process can come). Closed by the suite.
   */
  connect(options?: RepositoryOptions): Promise<ListingRepository>;
  /** Where a child process finds the same data (`openStore(url, { namespace })`); absent for memory. */
  readonly location?: { readonly url: string; readonly namespace: string };
  /** Closes `repo` and removes everything it wrote (its namespace, its file). */
  cleanup(): Promise<void>;
}

/** Repository options a test may set on a connection: owner, lease, clock. */
export type RepositoryOptions = Omit<KeyvListingRepositoryOptions, 'keyv' | 'backend'>;

/** What the suite's parts share: the current fixture and ways to get more repositories over it. */
export interface ContractContext {
  readonly fixture: RepositoryFixture;
  readonly repo: ListingRepository;
  /** Another empty fixture, cleaned up with the test's own. */
  freshFixture(): Promise<RepositoryFixture>;
  /** A repository over `base`'s data whose store counts or fails (see {@link InstrumentOptions}). */
  instrumented(
    options?: InstrumentOptions & RepositoryOptions,
    base?: RepositoryFixture,
  ): { repo: ListingRepository; store: ReturnType<typeof instrumentKeyv>['store'] };
  /** {@link RepositoryFixture.connect}, closed after the test. */
  connect(options?: RepositoryOptions): Promise<ListingRepository>;
}

/** A run as stored while running: with this process as its owner. */
export function owned(run: ScanRun): ScanRun {
  return { ...run, owner: expect.objectContaining({ host: hostname(), pid: process.pid }) };
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
    const connected: ListingRepository[] = [];

    /** Another empty fixture, cleaned up with the test's own (for tests that need several fresh stores). */
    async function freshFixture(): Promise<RepositoryFixture> {
      const another = await factory();
      extra.push(another);
      return another;
    }

    /** A repository over the fixture's data whose store counts, or fails writes after `failAfterWrites`. */
    function instrumented(
      options: InstrumentOptions & RepositoryOptions = {},
      base: RepositoryFixture = fixture,
    ) {
      const { failAfterWrites, beforeWrite, ...repoOptions } = options;
      const { keyv, store } = instrumentKeyv(base.keyv, {
        ...(failAfterWrites === undefined ? {} : { failAfterWrites }),
        ...(beforeWrite === undefined ? {} : { beforeWrite }),
      });
      return { repo: new KeyvListingRepository({ ...repoOptions, keyv, backend: base.repo.backend }), store };
    }

    const context: ContractContext = {
      get fixture() {
        return fixture;
      },
      get repo() {
        return repo;
      },
      freshFixture,
      instrumented,
      async connect(options) {
        const another = await fixture.connect(options);
        connected.push(another);
        return another;
      },
    };

    beforeEach(async () => {
      fixture = await factory();
      repo = fixture.repo;
    });

    afterEach(async () => {
      await Promise.all(connected.splice(0).map((other) => other.close()));
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
        expect(await repo.getRun(first.id)).toEqual(owned(first));
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

        expect(await repo.listRuns()).toEqual([owned(third), failed, done]);
        expect(await repo.listRuns({ limit: 2 })).toEqual([owned(third), failed]);
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

    describeWriterContract(context);

    describe('alert store (outbox, mutes, routing progress)', () => {
      const item = outboxItem;

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
