/**
 * SQLite durability and locking: data survives closing and reopening, a write that resolved survives the writer
 * being killed with SIGKILL (WAL plus synchronous=FULL), a writer killed inside its transaction leaves nothing of
 * it, and another process holding the write lock delays only the writes waiting for it, never the event loop.
 * The other processes are real child processes, so nothing is flushed or closed on their way out.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { errorOf } from '../../contract/store-builders.ts';
import { type ChildExit, startTsxChild } from '../../helpers/tsx-child.ts';
import { childCommit, childEntry, childRun, childRunId } from './sqlite-child-data.ts';

const CHILD = fileURLToPath(new URL('./sqlite-child.ts', import.meta.url));

/** Runs the child; with `killAfterCommits`, the parent SIGKILLs it once it has reported that many commits. */
async function runChild(mode: string, file: string, killAfterCommits?: number): Promise<ChildExit> {
  const child = startTsxChild(CHILD, [mode, file]);
  if (killAfterCommits !== undefined) {
    await child.waitForLine(new RegExp(`^committed ${killAfterCommits - 1}$`));
    child.kill();
  }
  return child.exited;
}

const OTHER = { ...childEntry, target: '192.0.2.2' };

describe('sqlite store durability', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-sqlite-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and uses WAL', async () => {
    const file = join(dir, 'a', 'b', 'rblwatch.sqlite');
    const repo = await openStore(file);
    await repo.putInventory(childEntry);
    await repo.close();
    expect(existsSync(file)).toBe(true);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const file = join(dir, 'rblwatch.sqlite');
    const first = await openStore(file);
    await first.putInventory(childEntry);
    await first.startRun({ ...childCommit(0).run, status: 'running', endedAt: undefined });
    await first.commitRun(childCommit(0));
    await first.close();

    const second = await openStore(file);
    try {
      expect(await second.listInventory()).toEqual([
        { ...childEntry, firstScannedAt: childCommit(0).run.endedAt },
      ]);
      expect(await second.getRun(childRunId(0))).toEqual(childCommit(0).run);
      expect((await second.listEvents()).events).toEqual([...childCommit(0).events].reverse());
      expect([...(await second.getStates()).values()]).toEqual([childCommit(0).states[0]?.[1]]);
      expect(await second.getDegradedZones()).toEqual(new Set(['z0.example']));
    } finally {
      await second.close();
    }
  });

  it('keeps a resolved write when the writer is SIGKILLed right after', async () => {
    const file = join(dir, 'rblwatch.sqlite');
    const exit = await runChild('write-then-kill', file);
    expect(exit).toMatchObject({ signal: 'SIGKILL', stderr: '' });

    const repo = await openStore(file);
    try {
      expect(await repo.recover('2026-11-28T12:00:00.000Z')).toEqual({ replayed: [], interrupted: [] });
      expect((await repo.listInventory()).map((entry) => entry.target)).toEqual([childEntry.target]);
      expect(await repo.getRun(childRunId(0))).toEqual(childCommit(0).run);
      expect((await repo.listEvents()).events).toHaveLength(2);
    } finally {
      await repo.close();
    }
  });

  it('leaves nothing of a commit whose writer was SIGKILLed inside it, and finds the run by its dead pid', async () => {
    const file = join(dir, 'rblwatch.sqlite');
    const exit = await runChild('kill-mid-commit', file);
    expect(exit).toMatchObject({ signal: 'SIGKILL', stderr: '' });

    const repo = await openStore(file);
    try {
      expect((await repo.getRun(childRunId(0)))?.status).toBe('running');
      expect(await repo.listEvents()).toEqual({ events: [] });
      expect(await repo.getStates()).toEqual(new Map());
      expect(await repo.getDegradedZones()).toEqual(new Set());
      expect(await repo.listInventory()).toEqual([childEntry]);
      expect(await repo.recover(new Date().toISOString())).toEqual({
        replayed: [],
        interrupted: [childRunId(0)],
      });
      // No leftover to get past: the next scan commits at once.
      await repo.startRun(childRun(1));
      await repo.commitRun(childCommit(1));
      expect((await repo.getRun(childRunId(1)))?.status).toBe('completed');
    } finally {
      await repo.close();
    }
  });

  it('loses no acknowledged commit and leaves a consistent store when killed mid-stream', async () => {
    const file = join(dir, 'rblwatch.sqlite');
    const exit = await runChild('commit-forever', file, 25);
    expect(exit.signal).toBe('SIGKILL');
    const acknowledged = exit.stdout.split('\n').filter((line) => line.startsWith('committed ')).length;
    expect(acknowledged).toBeGreaterThanOrEqual(25);

    const repo = await openStore(file);
    try {
      await repo.recover('2026-11-28T23:00:00.000Z');
      const runs = await repo.listRuns({ limit: 1000 });
      const completed = runs.filter((run) => run.status === 'completed');
      expect(runs.every((run) => run.status === 'completed' || run.status === 'interrupted')).toBe(true);
      // Every commit the child reported had resolved, so it must be here; one more may have landed after.
      expect(completed.length).toBeGreaterThanOrEqual(acknowledged);
      expect(completed.length).toBeLessThanOrEqual(acknowledged + 1);

      const events = (await repo.listEvents({ limit: 1000 })).events;
      for (const run of completed) {
        expect(events.filter((event) => event.runId === run.id)).toHaveLength(run.events);
      }
      expect(events).toHaveLength(completed.length * 2);
      expect(await repo.getDegradedZones()).toEqual(new Set([`z${completed.length - 1}.example`]));
      expect((await repo.getStates()).size).toBe(Math.min(completed.length, 50));
    } finally {
      await repo.close();
    }
  });

  describe('another process holding the write lock', () => {
    it('delays only the write waiting for it: timers tick, reads answer at once, the write lands after', {
      timeout: 60_000,
    }, async () => {
      const file = join(dir, 'rblwatch.sqlite');
      const repo = await openStore(file);
      const holder = startTsxChild(CHILD, ['hold-lock', file, '4000']);
      try {
        await repo.putInventory(childEntry);
        await holder.waitForLine(/^locked$/);
        const ticks: number[] = [performance.now()];
        const timer = setInterval(() => ticks.push(performance.now()), 100);
        const started = performance.now();
        const write = repo.putInventory(OTHER);

        const reading = performance.now();
        // The holder's uncommitted change (an empty inventory) is invisible: readers see committed data only.
        expect(await repo.listInventory()).toEqual([childEntry]);
        expect(performance.now() - reading).toBeLessThan(250);

        await write;
        const waited = performance.now() - started;
        clearInterval(timer);
        ticks.push(performance.now());
        expect(waited).toBeGreaterThan(3_000);
        const gaps = ticks.slice(1).map((at, index) => at - (ticks[index] ?? at));
        expect(Math.max(...gaps)).toBeLessThan(300);
        expect((await repo.listInventory()).map((e) => e.target)).toEqual([childEntry.target, OTHER.target]);
        expect(await holder.exited).toMatchObject({ code: 0 });
      } finally {
        holder.kill();
        await repo.close();
      }
    });

    it('fails with STORE_LOCKED once the lock timeout has passed, changing nothing', {
      timeout: 60_000,
    }, async () => {
      const file = join(dir, 'rblwatch.sqlite');
      const repo = await openStore(file, { lockTimeoutMs: 1_000 });
      const holder = startTsxChild(CHILD, ['hold-lock', file, '10000']);
      try {
        await repo.putInventory(childEntry);
        await holder.waitForLine(/^locked$/);
        const error = await errorOf(repo.putInventory(OTHER));
        expect(error.code).toBe(ErrorCode.STORE_LOCKED);
        expect(error.message).toMatch(
          /^sqlite store \S+rblwatch\.sqlite is locked by another process \(waited 1(\.\d)? s\); nothing was changed$/,
        );
      } finally {
        holder.kill();
      }
      await holder.exited;
      try {
        expect(await repo.listInventory()).toEqual([childEntry]);
      } finally {
        await repo.close();
      }
    });
  });
});
