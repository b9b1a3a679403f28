/**
 * SQLite durability: data survives closing and reopening, and a write that resolved survives the writer being
 * killed with SIGKILL (WAL plus synchronous=FULL). The killed writers are real child processes, so nothing is
 * flushed or closed on their way out.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.ts';
import { childCommit, childEntry, childRunId } from './sqlite-child-data.ts';

const CHILD = fileURLToPath(new URL('./sqlite-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the child; with `killAfterCommits`, the parent SIGKILLs it once it has reported that many commits. */
function runChild(mode: string, file: string, killAfterCommits?: number): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (killAfterCommits !== undefined && stdout.split('\n').length - 1 >= killAfterCommits) {
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

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

  it('replays a commit whose writer was SIGKILLed after the commit record', async () => {
    const file = join(dir, 'rblwatch.sqlite');
    const exit = await runChild('crash-mid-commit', file);
    expect(exit).toMatchObject({ signal: 'SIGKILL', stderr: '' });

    const repo = await openStore(file);
    try {
      expect((await repo.getRun(childRunId(0)))?.status).toBe('running');
      expect(await repo.recover('2026-11-28T12:00:00.000Z')).toEqual({
        replayed: [childRunId(0)],
        interrupted: [],
      });
      expect(await repo.getRun(childRunId(0))).toEqual(childCommit(0).run);
      expect((await repo.listEvents()).events).toHaveLength(2);
      expect(await repo.getDegradedZones()).toEqual(new Set(['z0.example']));
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
});
