import type { CliIo } from './io.ts';

export interface Progress {
  /** Count `n` more units done. Cheap: redraws at most every 100 ms. */
  tick(n?: number): void;
  /** Erase the bar. */
  done(): void;
}

const silent: Progress = { tick() {}, done() {} };

/**
 * A one-line progress bar on stderr, only when stderr is a terminal (so logs, pipes and CI stay clean) and the
 * work is big enough to wait for.
 */
export function createProgress(io: CliIo, total: number, label: string, minimum = 200): Progress {
  if (!io.stderr.isTTY || total < minimum) return silent;
  const started = performance.now();
  let count = 0;
  let lastDraw = 0;
  const draw = (): void => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const width = 30;
    const filled = Math.min(width, Math.round((count / total) * width));
    const eta = rate > 0 ? Math.ceil((total - count) / rate) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count}/${total} ${label} ${Math.round(rate)}/s ETA ${eta}s`;
    io.stderr.write(`\r${line.slice(0, (io.stderr.columns ?? 100) - 1)}\u001b[K`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = performance.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      io.stderr.write('\r\u001b[K');
    },
  };
}
