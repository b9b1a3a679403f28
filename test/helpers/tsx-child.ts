/**
 * A TypeScript child process run through tsx (a second rblwatch process on the same store, a process holding a
 * lock, one that gets killed), with line-based control: wait for a line it prints, send it a line on stdin.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { repoRoot } from './run-cli.ts';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TsxChild {
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  /** Resolves once a line of stdout matches; rejects if the child exits first or `timeoutMs` passes. */
  waitForLine(match: RegExp, timeoutMs?: number): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  kill(signal?: NodeJS.Signals): void;
  readonly exited: Promise<ChildExit>;
}

/** Long enough for tsx's first compile on a loaded 2-core box. */
const DEFAULT_WAIT_MS = 30_000;

export function startTsxChild(script: string, args: readonly string[]): TsxChild {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    ['--import', 'tsx', script, ...args],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  let done = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A child that exits without reading stdin makes a write fail with EPIPE; its exit says what happened.
  child.stdin.on('error', () => {});
  const exited = new Promise<ChildExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  return {
    pid: child.pid,
    stdout: () => stdout,
    waitForLine(match, timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = stdout.split('\n').find((candidate) => match.test(candidate));
          if (line !== undefined) finish(() => resolve(line));
          else if (done) finish(() => reject(new Error(`child exited before printing ${match}: ${stderr}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no line ${match} within ${timeoutMs} ms: ${stderr}`))),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    kill(signal = 'SIGKILL') {
      child.kill(signal);
    },
    exited,
  };
}

/** A pid that belonged to a process of this host that has exited (so `kill(pid, 0)` fails). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((resolve) => child.on('close', resolve));
  if (pid === undefined) throw new Error('could not start a process');
  return pid;
}
