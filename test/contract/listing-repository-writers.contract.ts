/**
 * The store contract for what several writers need: every write atomic and serialisable across processes (memory:
 * across repositories of one process), commits that apply all or nothing, runs that know their owner, the store's
 * identity marker, failed runs with resolver events, atomic inventory changes, and pruning. Registered by
 * {@link describeListingRepository} inside each backend's suite, so every backend runs it.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { type ListingEvent, listingKey } from '../../src/domain/listing.ts';
import { type ScanRun, startedRun } from '../../src/domain/scan-run.ts';
import { ErrorCode, UserError } from '../../src/errors.ts';
import { storeKeys } from '../../src/store/keyv-repository.ts';
import type { ListingRepository, ScanCommit } from '../../src/store/listing-repository.ts';
import { deadPid, startTsxChild } from '../helpers/tsx-child.ts';
import {
  PER_WRITER,
  runScanner,
  runWriter,
  SCANS,
  scannerEntries,
  scanRunId,
  WRITERS,
  writerTarget,
} from './concurrency-workload.ts';
import { readRaw } from './instrumented-store.ts';
import type { ContractContext } from './listing-repository.contract.ts';
import {
  allEvents,
  codeOf,
  commitOf,
  completed,
  entry,
  errorOf,
  event,
  iso,
  MINUTE,
  outboxItem,
  runId,
  scan,
  snapshot,
  state,
  T0,
} from './store-builders.ts';

const CHILD = fileURLToPath(new URL('./store-child.ts', import.meta.url));

/** Polls `check` (on real timers) until it stops throwing, for up to `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  await vi.waitFor(check, { timeout: timeoutMs, interval: 20 });
}

/** A resolver event of a failed run. */
function resolverEvent(run: string, n: number, at: string, kind: ListingEvent['kind']): ListingEvent {
  return {
    id: `${run}:${n}`,
    kind,
    at,
    runId: run,
    zone: '',
    severity: 'major',
    codes: [],
    meanings: [],
    txt: [],
    detail: 'resolver 127.0.0.1:53 timed out on every test point',
  };
}

function failedRun(minutes: number): ScanRun {
  return {
    ...startedRun(runId(minutes), iso(minutes)),
    status: 'failed',
    endedAt: iso(minutes + 1),
    error: 'resolver down',
  };
}

export function describeWriterContract(ctx: ContractContext): void {
  describe('atomic commits', () => {
    /** A commit touching every part of the store, on top of one earlier run. */
    async function prepare(target: ListingRepository): Promise<ScanCommit> {
      await target.changeInventory(() => ({ put: [entry('192.0.2.1'), entry('192.0.2.2')] }));
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

    it('applies nothing when a commit fails at any of its writes, and the next commit succeeds', async () => {
      // The reference: the same history with no failure.
      const reference = await ctx.freshFixture();
      const referenceCommit = await prepare(reference.repo);
      const counter = ctx.instrumented({}, reference);
      await counter.repo.commitRun(referenceCommit);
      const expected = await snapshot(reference.repo);
      const writes = counter.store.writes.length;
      expect(writes).toBeGreaterThanOrEqual(5);

      for (let survived = 0; survived < writes; survived++) {
        const attempt = await ctx.freshFixture();
        const commit = await prepare(attempt.repo);
        const before = await snapshot(attempt.repo);
        const failing = ctx.instrumented({ failAfterWrites: survived }, attempt);
        expect(await codeOf(failing.repo.commitRun(commit))).toBe(ErrorCode.STORE_BACKEND_ERROR);
        expect({ survived, state: await snapshot(attempt.repo) }).toEqual({ survived, state: before });
        // No recovery step and no restart: the same commit simply goes through now.
        await attempt.repo.commitRun(commit);
        expect({ survived, state: await snapshot(attempt.repo) }).toEqual({ survived, state: expected });
      }
      expect(counter.store.transactions).toBe(1);
    });

    it('applies a write-ahead record left by the previous version when recovering', async () => {
      const commit = await prepare(ctx.repo);
      // What the previous version left when it died right after writing its commit record.
      await ctx.fixture.keyv.set(storeKeys.commit(commit.run.id), commit);
      expect((await ctx.repo.getRun(commit.run.id))?.status).toBe('running');

      expect(await ctx.repo.recover(iso(30))).toEqual({ replayed: [commit.run.id], interrupted: [] });
      expect(await ctx.repo.getRun(commit.run.id)).toEqual(commit.run);
      expect((await ctx.repo.listEvents()).events.map((e) => e.id)).toEqual([
        `${commit.run.id}:1`,
        `${commit.run.id}:0`,
        `${runId(0)}:0`,
      ]);
      expect([...(await ctx.repo.getStates()).keys()]).toEqual([listingKey('192.0.2.1', 'zen.example')]);
      expect(await ctx.repo.getDegradedZones()).toEqual(new Set(['new.example']));
      expect((await ctx.repo.listInventory()).map((e) => e.firstScannedAt)).toEqual([iso(11), iso(1)]);
      expect(await readRaw(ctx.fixture.keyv, storeKeys.commit(commit.run.id))).toBeUndefined();
      expect(await ctx.repo.recover(iso(31))).toEqual({ replayed: [], interrupted: [] });
    });

    it('never refuses a commit because another run left a record, and applies that record first', async () => {
      const leftover = await prepare(ctx.repo);
      await ctx.fixture.keyv.set(storeKeys.commit(leftover.run.id), leftover);
      const next = startedRun(runId(20), iso(20));
      await ctx.repo.startRun(next);
      await ctx.repo.commitRun(commitOf(completed(next, iso(21)), { degradedZones: ['later.example'] }));
      expect(await ctx.repo.getDegradedZones()).toEqual(new Set(['later.example']));
      expect(await ctx.repo.getRun(leftover.run.id)).toEqual(leftover.run);
      expect((await ctx.repo.listEvents()).events).toHaveLength(3);
      expect(await readRaw(ctx.fixture.keyv, storeKeys.commit(leftover.run.id))).toBeUndefined();
      expect(await ctx.repo.recover(iso(30))).toEqual({ replayed: [], interrupted: [] });
    });

    it('applies the record the previous version left for a run that is then ended as failed', async () => {
      const commit = await prepare(ctx.repo);
      await ctx.fixture.keyv.set(storeKeys.commit(commit.run.id), commit);
      await ctx.repo.endRun({ ...commit.run, status: 'failed', error: 'store went away' });
      expect(await ctx.repo.getRun(commit.run.id)).toEqual(commit.run);
      expect((await ctx.repo.listEvents()).events).toHaveLength(3);
      expect(await ctx.repo.recover(iso(30))).toEqual({ replayed: [], interrupted: [] });
    });

    it('never lets a late endRun overwrite a completed run', async () => {
      const commit = await scan(ctx.repo, 0);
      await ctx.repo.endRun({ ...commit.run, status: 'failed', error: 'late' });
      await ctx.repo.endRun({ ...commit.run, status: 'interrupted', error: 'late' });
      expect(await ctx.repo.getRun(commit.run.id)).toEqual(commit.run);
    });
  });

  describe('write cost', () => {
    it('commits a scan with no changes in a handful of round trips, however large the store', async () => {
      const costs: { trips: number; transactions: number }[] = [];
      for (const size of [1, 300]) {
        const target = await ctx.freshFixture();
        const targets = Array.from({ length: size }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`);
        await target.repo.changeInventory(() => ({ put: targets.map((t) => entry(t)) }));
        await scan(target.repo, 0, () => ({
          states: targets.map((t) => {
            const s = state(t, 'zen.example');
            return [listingKey(s.target, s.zone), s] as const;
          }),
          degradedZones: ['slow.example'],
        }));
        const run = startedRun(runId(10), iso(10));
        await target.repo.startRun(run);
        const counter = ctx.instrumented({}, target);
        await counter.repo.commitRun(
          commitOf(completed(run, iso(11), { lookups: size * 50 }), { degradedZones: ['slow.example'] }),
        );
        costs.push({
          trips: counter.store.reads + counter.store.writes.length,
          transactions: counter.store.transactions,
        });
      }
      expect(costs[0]?.trips).toBeLessThanOrEqual(5);
      expect(costs[1]).toEqual(costs[0]);
      expect(costs[0]?.transactions).toBe(1);
    });

    it('adds only a few writes for a commit with events and state changes', async () => {
      const run = startedRun(runId(0), iso(0));
      await ctx.repo.startRun(run);
      const counter = ctx.instrumented();
      const s = state('192.0.2.1', 'zen.example');
      await counter.repo.commitRun(
        commitOf(completed(run, iso(1)), {
          events: Array.from({ length: 50 }, (_, n) => event(run.id, n, iso(1))),
          states: [[listingKey(s.target, s.zone), s]],
        }),
      );
      expect(counter.store.writes.length).toBeLessThanOrEqual(6);
    });
  });

  describe('several writers', () => {
    it(`keeps every record of ${WRITERS} writers and a scanner exactly once`, {
      timeout: 120_000,
    }, async () => {
      await ctx.repo.changeInventory(() => ({ put: scannerEntries }));
      const location = ctx.fixture.location;
      if (location === undefined) {
        // Memory lives in one process: several repositories over the same map are the most it can show.
        const writers = await Promise.all(Array.from({ length: WRITERS + 1 }, () => ctx.connect()));
        await Promise.all([
          ...writers.slice(0, WRITERS).map((writer, index) => runWriter(writer, index)),
          runScanner(writers[WRITERS] ?? ctx.repo),
        ]);
      } else {
        const children = [
          ...Array.from({ length: WRITERS }, (_, index) =>
            startTsxChild(CHILD, ['writer', location.url, location.namespace, String(index)]),
          ),
          startTsxChild(CHILD, ['scanner', location.url, location.namespace]),
        ];
        try {
          await Promise.all(children.map((child) => child.waitForLine(/^ready$/, 60_000)));
          for (const child of children) child.send('go');
          const exits = await Promise.all(children.map((child) => child.exited));
          for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0 });
        } finally {
          for (const child of children) child.kill();
        }
      }

      const inventory = await ctx.repo.listInventory();
      const targets = inventory.map((e) => e.target);
      const expected = [
        ...scannerEntries.map((e) => e.target),
        ...Array.from({ length: WRITERS }, (_, w) =>
          Array.from({ length: PER_WRITER }, (_, n) => writerTarget(w, n)),
        ).flat(),
      ];
      expect([...targets].sort()).toEqual([...expected].sort());
      for (const scanned of inventory.filter((e) => e.source === 'config')) {
        expect(scanned.firstScannedAt).toEqual(expect.any(String));
      }
      const mutes = await ctx.repo.alerts.listMutes(new Date(T0 + MINUTE));
      expect(new Set(mutes.map((mute) => mute.value)).size).toBe(WRITERS * PER_WRITER);
      expect(mutes).toHaveLength(WRITERS * PER_WRITER);
      const runs = await ctx.repo.listRuns({ limit: 100 });
      expect(runs.map((run) => run.id).sort()).toEqual(
        Array.from({ length: SCANS }, (_, n) => scanRunId(n)).sort(),
      );
      expect(runs.every((run) => run.status === 'completed')).toBe(true);
      expect(await allEvents(ctx.repo)).toHaveLength(SCANS * 2);
      expect((await ctx.repo.getStates()).size).toBe(Math.min(SCANS, scannerEntries.length));
      expect(await ctx.repo.getDegradedZones()).toEqual(new Set([`degraded${SCANS - 1}.example`]));
    });

    it('never brings back an entry removed while a scan marks it first scanned', async () => {
      const other = await ctx.connect();
      for (let round = 0; round < 8; round++) {
        const targets = Array.from({ length: 20 }, (_, i) => `10.200.${round}.${i}`);
        await ctx.repo.changeInventory(() => ({ put: targets.map((t) => entry(t)) }));
        const run = startedRun(runId(round * 10), iso(round * 10));
        await ctx.repo.startRun(run);
        const removed = targets.filter((_, i) => i % 2 === 0);
        await Promise.all([
          ctx.repo.commitRun(commitOf(completed(run, iso(round * 10 + 1)), { firstScanned: targets })),
          ...removed.map((target) => other.removeInventory(target)),
        ]);
        const now = new Map((await ctx.repo.listInventory()).map((e) => [e.target, e]));
        for (const target of targets) {
          if (removed.includes(target))
            expect({ target, stored: now.has(target) }).toEqual({ target, stored: false });
          else expect(now.get(target)?.firstScannedAt).toBe(iso(round * 10 + 1));
        }
      }
    });

    it('loses no outbox add and brings back no removed item between two writers', async () => {
      const other = await ctx.connect();
      const xs = Array.from({ length: 20 }, (_, i) => `x${i}`);
      const ys = Array.from({ length: 20 }, (_, i) => `y${i}`);
      await ctx.repo.alerts.addOutbox(xs.map((id) => outboxItem(id)));
      const gone = xs.slice(0, 10);
      await Promise.all([
        ...gone.map((id) => ctx.repo.alerts.removeOutbox([id])),
        ...xs.map((id) => other.alerts.updateOutbox([outboxItem(id, { attempts: 1 })])),
        ...ys.slice(0, 10).map((id) => ctx.repo.alerts.addOutbox([outboxItem(id)])),
        ...ys.slice(10).map((id) => other.alerts.addOutbox([outboxItem(id)])),
      ]);
      const items = await ctx.repo.alerts.listOutbox();
      expect(items.map((item) => item.id).sort()).toEqual([...xs.slice(10), ...ys].sort());
      for (const item of items.filter((i) => i.id.startsWith('x'))) expect(item.attempts).toBe(1);
    });

    it('applies a whole inventory change atomically against concurrent adds', async () => {
      const other = await ctx.connect();
      const synced = Array.from({ length: 500 }, (_, i) => entry(`10.50.${Math.floor(i / 250)}.${i % 250}`));
      const added = Array.from({ length: 20 }, (_, i) => entry(`10.60.0.${i}`));
      const [result] = await Promise.all([
        ctx.repo.changeInventory(() => ({ put: synced })),
        ...added.map((e) => other.putInventory(e)),
      ]);
      expect(result.added).toHaveLength(500);
      expect((await ctx.repo.listInventory()).map((e) => e.target).sort()).toEqual(
        [...synced, ...added].map((e) => e.target).sort(),
      );
    });
  });

  describe('inventory changes', () => {
    it('adds, replaces and removes in one change, keeping the stored order', async () => {
      await ctx.repo.changeInventory(() => ({
        put: ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((t) => entry(t)),
      }));
      const result = await ctx.repo.changeInventory((current) => {
        expect(current.map((e) => e.target)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
        return {
          put: [entry('192.0.2.9'), entry('192.0.2.3', { labels: { team: 'edge' } })],
          remove: ['192.0.2.2', 'not-there.example'],
        };
      });
      expect(result).toEqual({ added: ['192.0.2.9'], replaced: ['192.0.2.3'], removed: ['192.0.2.2'] });
      expect(await ctx.repo.listInventory()).toEqual([
        entry('192.0.2.1'),
        entry('192.0.2.3', { labels: { team: 'edge' } }),
        entry('192.0.2.9'),
      ]);
    });

    it('changes nothing when the plan throws, and hands its error to the caller', async () => {
      await ctx.repo.putInventory(entry('192.0.2.1'));
      const refusal = new UserError(ErrorCode.USAGE, '192.0.2.1 is already watched');
      await expect(
        ctx.repo.changeInventory(() => {
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(
        await codeOf(ctx.repo.changeInventory(() => ({ put: [entry('a.example')], remove: ['a.example'] }))),
      ).toBe(ErrorCode.STORE_INVALID_INPUT);
      expect(await ctx.repo.listInventory()).toEqual([entry('192.0.2.1')]);
    });

    it('writes a change of a thousand entries once', async () => {
      const counter = ctx.instrumented();
      const entries = Array.from({ length: 1000 }, (_, i) => entry(`10.1.${Math.floor(i / 250)}.${i % 250}`));
      await counter.repo.changeInventory(() => ({ put: entries }));
      expect(counter.store.writes).toHaveLength(1);
      expect(await ctx.repo.listInventory()).toHaveLength(1000);
    });
  });

  describe('failed runs and the resolver alarm', () => {
    it('commits a failed run with resolver events and the alarm, keeping states and degraded zones', async () => {
      const listed = state('192.0.2.1', 'zen.example');
      await scan(ctx.repo, 0, () => ({
        states: [[listingKey(listed.target, listed.zone), listed]],
        degradedZones: ['slow.example'],
      }));
      const run = failedRun(10);
      const alarm = { downSince: iso(10), detail: 'resolver 127.0.0.1:53 timed out on every test point' };
      await ctx.repo.commitRun(
        commitOf(run, { events: [resolverEvent(run.id, 0, iso(11), 'resolver-down')], resolver: alarm }),
      );
      expect(await ctx.repo.getRun(run.id)).toEqual({ ...run, events: 1 });
      expect((await ctx.repo.listEvents()).events.map((e) => [e.kind, e.zone, e.target])).toEqual([
        ['resolver-down', '', undefined],
      ]);
      expect(await ctx.repo.getResolverAlarm()).toEqual(alarm);
      expect(await ctx.repo.getDegradedZones()).toEqual(new Set(['slow.example']));
      expect([...(await ctx.repo.getStates()).values()]).toEqual([listed]);
    });

    it('keeps the alarm when a commit leaves it undefined, and clears it with null', async () => {
      expect(await ctx.repo.getResolverAlarm()).toBeUndefined();
      const alarm = { downSince: iso(0), detail: 'down' };
      await ctx.repo.commitRun(commitOf(failedRun(0), { resolver: alarm }));
      await ctx.repo.commitRun(commitOf(failedRun(10)));
      expect(await ctx.repo.getResolverAlarm()).toEqual(alarm);
      await scan(ctx.repo, 20, (id, at) => ({
        events: [resolverEvent(id, 0, at, 'resolver-recovered')],
        resolver: null,
      }));
      expect(await ctx.repo.getResolverAlarm()).toBeUndefined();
      expect((await ctx.repo.listEvents()).events.map((e) => e.kind)).toEqual(['resolver-recovered']);
    });

    it('refuses a failed commit that changes states, first scans or degraded zones', async () => {
      const s = state('192.0.2.1', 'zen.example');
      for (const parts of [
        { states: [[listingKey(s.target, s.zone), s]] as const },
        { firstScanned: ['192.0.2.1'] },
        { degradedZones: ['slow.example'] },
      ]) {
        expect(await codeOf(ctx.repo.commitRun(commitOf(failedRun(0), parts)))).toBe(
          ErrorCode.STORE_INVALID_INPUT,
        );
      }
      expect(await ctx.repo.listRuns()).toEqual([]);
    });

    it('refuses a resolver event with a zone or a target, and a malformed alarm', async () => {
      const run = failedRun(0);
      const withZone = { ...resolverEvent(run.id, 0, iso(1), 'resolver-down'), zone: 'zen.example' };
      const withTarget = { ...resolverEvent(run.id, 0, iso(1), 'resolver-down'), target: '192.0.2.1' };
      for (const parts of [
        { events: [withZone] },
        { events: [withTarget] },
        { resolver: { downSince: 'yesterday', detail: 'x' } },
      ]) {
        expect(await codeOf(ctx.repo.commitRun(commitOf(run, parts)))).toBe(ErrorCode.STORE_INVALID_INPUT);
      }
    });

    it('leaves a completed run completed when a failed commit for it comes late', async () => {
      const commit = await scan(ctx.repo, 0);
      await ctx.repo.commitRun(commitOf({ ...commit.run, status: 'failed', error: 'late' }));
      expect(await ctx.repo.getRun(commit.run.id)).toEqual(commit.run);
    });
  });

  describe('run owners', () => {
    it('records this process, with a lease, as the owner of a started run', async () => {
      const before = Date.now();
      const run = startedRun(runId(0), iso(0));
      await ctx.repo.startRun(run);
      const owner = (await ctx.repo.getRun(run.id))?.owner;
      expect(owner).toMatchObject({ host: hostname(), pid: process.pid });
      expect(Date.parse(owner?.leaseUntil ?? '')).toBeGreaterThan(before);
    });

    it('leaves the running run of a live owner alone', async () => {
      const run = startedRun(runId(0), iso(0));
      await ctx.repo.startRun(run);
      const other = await ctx.connect();
      expect(await other.recover(new Date().toISOString())).toEqual({ replayed: [], interrupted: [] });
      expect((await other.getRun(run.id))?.status).toBe('running');
    });

    it('marks interrupted a run whose owner on this host is dead', async () => {
      const crashed = await ctx.connect({ owner: { host: hostname(), pid: await deadPid() } });
      const run = startedRun(runId(0), iso(0));
      await crashed.startRun(run);
      const now = new Date().toISOString();
      expect(await ctx.repo.recover(now)).toEqual({ replayed: [], interrupted: [run.id] });
      expect(await ctx.repo.getRun(run.id)).toMatchObject({
        status: 'interrupted',
        endedAt: now,
        error: 'interrupted: the process stopped mid-scan',
      });
      expect(await ctx.repo.recover(now)).toEqual({ replayed: [], interrupted: [] });
    });

    it('refuses a second scan while another live process runs one, and allows it once that one ended', async () => {
      const elsewhere = await ctx.connect({ owner: { host: 'elsewhere.example', pid: 1 } });
      const first = startedRun(runId(0, 'first0'), iso(0));
      await elsewhere.startRun(first);
      const second = startedRun(runId(1, 'secnd0'), iso(1));
      const refused = await errorOf(ctx.repo.startRun(second));
      expect(refused).toMatchObject({ code: ErrorCode.SCAN_BUSY });
      expect(String((refused as Error).message)).toContain('elsewhere.example pid 1');
      expect(await ctx.repo.getRun(second.id)).toBeUndefined();
      await elsewhere.commitRun(commitOf(completed(first, iso(0.5))));
      await ctx.repo.startRun(second);
      expect((await ctx.repo.getRun(second.id))?.status).toBe('running');
    });

    it('refuses the commit of a run marked interrupted while it ran (its lease ran out)', async () => {
      const slow = await ctx.connect({
        owner: { host: 'elsewhere.example', pid: 2 },
        clock: () => new Date(T0),
        leaseMs: MINUTE,
      });
      const run = startedRun(runId(0, 'slow00'), iso(0));
      await slow.startRun(run);
      expect(await ctx.repo.recover(iso(2))).toEqual({ replayed: [], interrupted: [run.id] });
      const refused = await errorOf(slow.commitRun(commitOf(completed(run, iso(3)))));
      expect(refused).toMatchObject({ code: ErrorCode.SCAN_SUPERSEDED });
      expect((await ctx.repo.getRun(run.id))?.status).toBe('interrupted');
    });

    it('judges a run of another host, or of another container on this host, by its lease alone', async () => {
      const owners = [
        { host: 'elsewhere.example', pid: process.pid },
        // Same host name, another pid namespace: its pid means nothing here, even a dead one.
        { host: hostname(), pid: await deadPid(), pidNamespace: 'pid:[1]' },
      ];
      for (const [index, owner] of owners.entries()) {
        const elsewhere = await ctx.connect({ owner, clock: () => new Date(T0), leaseMs: MINUTE });
        const run = startedRun(runId(0, `other${index}`), iso(0));
        await elsewhere.startRun(run);
        expect(await ctx.repo.recover(iso(0.5))).toEqual({ replayed: [], interrupted: [] });
        expect(await ctx.repo.recover(iso(1))).toEqual({ replayed: [], interrupted: [run.id] });
        expect((await ctx.repo.getRun(run.id))?.owner).toMatchObject(owner);
      }
    });

    it('treats a running run of the previous version (no owner) as abandoned once a lease would have run out', async () => {
      const run = startedRun(runId(0), iso(0));
      await ctx.repo.startRun(run);
      await ctx.fixture.keyv.set(storeKeys.run(run.id), run);
      expect(await ctx.repo.recover(iso(0.5))).toEqual({ replayed: [], interrupted: [] });
      expect(await ctx.repo.recover(iso(1))).toEqual({ replayed: [], interrupted: [run.id] });
    });

    it('renews the lease while the run is open, and stops once it ends', async () => {
      let now = T0;
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const owner = await ctx.connect({
          owner: { host: 'elsewhere.example', pid: 1 },
          clock: () => new Date(now),
          leaseMs: 3_000,
        });
        const run = startedRun(runId(0), iso(0));
        await owner.startRun(run);
        expect((await ctx.repo.getRun(run.id))?.owner?.leaseUntil).toBe(new Date(T0 + 3_000).toISOString());
        now += 2_000;
        vi.advanceTimersByTime(1_000);
        await eventually(async () => {
          expect((await ctx.repo.getRun(run.id))?.owner?.leaseUntil).toBe(new Date(T0 + 5_000).toISOString());
        });
        expect(await ctx.repo.recover(new Date(T0 + 4_000).toISOString())).toEqual({
          replayed: [],
          interrupted: [],
        });
        await owner.commitRun(commitOf(completed(run, iso(1))));
        expect(vi.getTimerCount()).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });

    it('costs only reads when there is nothing to recover', async () => {
      await scan(ctx.repo, 0);
      await ctx.repo.startRun(startedRun(runId(10), iso(10)));
      const counter = ctx.instrumented();
      expect(await counter.repo.recover(new Date().toISOString())).toEqual({ replayed: [], interrupted: [] });
      expect({ writes: counter.store.writes.length, transactions: counter.store.transactions }).toEqual({
        writes: 0,
        transactions: 0,
      });
    });
  });

  describe('identity', () => {
    it('creates a marker when the store is first opened, and reads the same one later', async () => {
      const identity = ctx.repo.identity;
      expect(identity).toEqual({ id: expect.any(String), createdAt: expect.any(String) });
      expect(await ctx.repo.getIdentity()).toEqual(identity);
      expect((await ctx.connect()).identity).toEqual(identity);
    });

    it('gives a store of the previous version (data, no marker) a marker at open', async () => {
      await ctx.fixture.keyv.delete(storeKeys.identity);
      await ctx.fixture.keyv.set(storeKeys.meta, { v: 1, degradedZones: [], open: [], runDays: [] });
      await ctx.repo.putInventory(entry('192.0.2.1'));
      const reopened = await ctx.connect();
      expect(reopened.identity).toEqual({ id: expect.any(String), createdAt: expect.any(String) });
      expect(reopened.identity?.id).not.toBe(ctx.repo.identity?.id);
      expect(await ctx.repo.getIdentity()).toEqual(reopened.identity);
    });

    it('does not mint a new marker for a store that lost its own', async () => {
      await ctx.fixture.keyv.delete(storeKeys.identity);
      expect(await ctx.repo.getIdentity()).toBeUndefined();
      // Writes after the loss do not bring it back either.
      await scan(ctx.repo, 0);
      expect((await ctx.connect()).identity).toBeUndefined();
      expect(await ctx.repo.getIdentity()).toBeUndefined();
    });

    it('keeps the data of a store that lost everything from being taken for a fresh one', async () => {
      // A flushed Redis: every key gone while a process runs on; its next writes name the identity it had.
      await ctx.fixture.keyv.delete([storeKeys.identity, storeKeys.meta]);
      await ctx.repo.startRun(startedRun(runId(0), iso(0)));
      expect((await ctx.connect()).identity).toBeUndefined();
    });

    it('agrees on one marker when several processes open a fresh store at once', async () => {
      await ctx.fixture.keyv.delete([storeKeys.identity, storeKeys.meta]);
      const opened = await Promise.all(Array.from({ length: 4 }, () => ctx.connect()));
      const ids = new Set(opened.map((other) => other.identity?.id));
      expect(ids.size).toBe(1);
      expect(await ctx.repo.getIdentity()).toEqual(opened[0]?.identity);
    });
  });

  describe('prune', () => {
    const DAY = 24 * 60;

    async function seed(): Promise<void> {
      await scan(ctx.repo, 0, (id, at) => ({ events: [event(id, 0, at), event(id, 1, at)] }));
      await scan(ctx.repo, 10, (id, at) => ({ events: [event(id, 0, at)] }));
      await ctx.repo.startRun(startedRun(runId(20), iso(20)));
      await scan(ctx.repo, DAY, (id, at) => ({ events: [event(id, 0, at)] }));
      await ctx.repo.endRun(failedRun(DAY + 10));
      await scan(ctx.repo, 2 * DAY, (id, at) => ({ events: [event(id, 0, at)] }));
    }

    it('removes runs that ended before the cutoff with their events, and keeps everything else', async () => {
      await seed();
      expect(await ctx.repo.prune(iso(DAY + 5))).toEqual({ runs: 3, events: 4 });
      expect((await ctx.repo.listRuns()).map((run) => [run.id, run.status])).toEqual([
        [runId(2 * DAY), 'completed'],
        [runId(DAY + 10), 'failed'],
        [runId(20), 'running'],
      ]);
      expect((await allEvents(ctx.repo)).map((e) => e.id)).toEqual([`${runId(2 * DAY)}:0`]);
      expect(await ctx.repo.getRun(runId(0))).toBeUndefined();
      // Newer history still pages and filters.
      expect((await ctx.repo.listEvents({ since: iso(DAY) })).events).toHaveLength(1);
    });

    it('is idempotent, and costs only reads when nothing is due', async () => {
      await seed();
      await ctx.repo.prune(iso(DAY + 5));
      const counter = ctx.instrumented();
      expect(await counter.repo.prune(iso(DAY + 5))).toEqual({ runs: 0, events: 0 });
      expect({ writes: counter.store.writes.length, transactions: counter.store.transactions }).toEqual({
        writes: 0,
        transactions: 0,
      });
      expect(await ctx.repo.prune(iso(-DAY))).toEqual({ runs: 0, events: 0 });
    });

    it('prunes once between concurrent pruners, while another writer commits', async () => {
      await seed();
      const [a, b] = await Promise.all([ctx.connect(), ctx.connect()]);
      const [first, second] = await Promise.all([
        a.prune(iso(DAY + 5)),
        b.prune(iso(DAY + 5)),
        scan(ctx.repo, 3 * DAY, (id, at) => ({ events: [event(id, 0, at)] })),
      ]);
      expect({
        runs: (first?.runs ?? 0) + (second?.runs ?? 0),
        events: (first?.events ?? 0) + (second?.events ?? 0),
      }).toEqual({
        runs: 3,
        events: 4,
      });
      expect((await ctx.repo.listRuns()).map((run) => run.id)).toEqual([
        runId(3 * DAY),
        runId(2 * DAY),
        runId(DAY + 10),
        runId(20),
      ]);
    });
  });
}
