/**
 * A long-running `rblwatch` child (typically `serve`) for end-to-end tests: its combined output as it arrives,
 * its exit status, and `/healthz` read the way a probe reads it.
 */
import { spawn } from 'node:child_process';
import { repoRoot } from './run-cli.ts';

export interface CliProcess {
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The exit status, or null when it died from a signal. */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['bin/rblwatch.js', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let output = '';
  const collect = (chunk: string): void => {
    output += chunk;
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => output, exited, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

/** `/healthz` on loopback: status and `detail.error`, or undefined while nothing listens yet. */
export async function readHealth(
  port: number,
): Promise<{ status: number; error: string | null } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    const body = (await response.json()) as { detail: { error: string | null } };
    return { status: response.status, error: body.detail.error };
  } catch {
    return undefined;
  }
}
