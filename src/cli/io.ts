/** The process surface a CLI command touches, passed in so commands run in-process under test too. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Exit statuses shared by every command; scripts rely on them. 64 is EX_USAGE from sysexits(3). */
export const ExitCode = { ok: 0, listed: 1, unknown: 2, usage: 64, software: 70, interrupted: 130 } as const;
