import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/log.ts';

/** A log line as pino wrote it (level, msg and the bound fields). */
export type LogLine = Record<string, unknown>;

export interface MemoryLog {
  readonly log: Logger;
  readonly lines: LogLine[];
  text(): string;
  /**
   * Resolves with the first line (already written or still to come) that `match` accepts: woken by each line as it
   * is written, never by polling. Rejects after `timeoutMs` naming `what`.
   */
  waitForLine(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
}

/** A real pino logger writing JSON lines into an array, so tests can assert on what was logged (and what was not). */
export function createMemoryLog(level = 'debug'): MemoryLog {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const watchers = new Set<(line: LogLine) => void>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString();
      raw.push(text);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as LogLine;
        lines.push(parsed);
        for (const watcher of watchers) watcher(parsed);
      }
      callback();
    },
  });
  return {
    log: pino({ level }, stream),
    lines,
    text: () => raw.join(''),
    waitForLine(match, what, timeoutMs = 5_000) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const watcher = (line: LogLine): void => {
          if (!match(line)) return;
          clearTimeout(deadline);
          watchers.delete(watcher);
          resolve(line);
        };
        const deadline = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`no log line for ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        watchers.add(watcher);
      });
    },
  };
}
