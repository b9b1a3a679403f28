/**
 * Runs the real `rblwatch` binary (`node bin/rblwatch.js`) as a child process, the way a user or a cron job does,
 * so end-to-end tests cover argument parsing, exit statuses and what reaches stdout and stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: the binary resolves `--zones` paths and its own sources relative to it. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface RunCliOptions {
  /** Written to the child's stdin, which is then closed. Without it stdin is closed at once (EOF). */
  readonly stdin?: string;
  /** Added to the child's environment, after `RBLWATCH_*` variables were removed and `NO_COLOR=1` set. */
  readonly env?: Record<string, string>;
  /** Kill the child (SIGKILL) after this many milliseconds; `code` is then null. */
  readonly timeoutMs?: number;
  /** Called with the child once spawned, e.g. to send it SIGINT when the test decides. */
  readonly onSpawn?: (child: ChildProcess) => void;
}

export interface CliRun {
  /** Exit status, or null when the child was killed (timeout) or died from a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, milliseconds. */
  readonly ms: number;
}

/** Long enough for tsx's first compile on a slow CI box, short enough that a hang fails the test, not vitest. */
const DEFAULT_TIMEOUT_MS = 20_000;

/** The parent's environment minus anything that would change the CLI's behaviour between machines. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // RBLWATCH_* would point the CLI at another resolver or catalog; FORCE_COLOR (vitest may set it) would
    // decide colour instead of the test.
    if (key.startsWith('RBLWATCH_') || key === 'FORCE_COLOR') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/rblwatch.js', ...args], {
    cwd: repoRoot,
    env: childEnv(options.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A child that exits without reading stdin makes the write fail with EPIPE; that is not the test's concern.
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  options.onSpawn?.(child);

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': it fires after both pipes are drained, so no output is lost.
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = Math.round(performance.now() - started);
      resolve({
        code: timedOut ? null : code,
        stdout,
        stderr: timedOut ? `${stderr}\n[run-cli: killed after ${timeoutMs} ms]` : stderr,
        ms,
      });
    });
  });
}
