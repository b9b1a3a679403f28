/** The process surface a CLI command touches, passed in so commands run in-process under test too. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Exit statuses shared by every command; scripts rely on them. From sysexits(3): 64 EX_USAGE (bad input), 69
 * EX_UNAVAILABLE (a service the command needs, such as the store, is not usable), 70 EX_SOFTWARE (a bug).
 */
export const ExitCode = {
  ok: 0,
  listed: 1,
  unknown: 2,
  usage: 64,
  unavailable: 69,
  software: 70,
  interrupted: 130,
} as const;
