import type { Logger } from '../log.ts';

/**
 * What a running process has opened, closed in reverse order of opening: the one list used both when start-up fails
 * half-way (close what was opened, nothing more) and at shutdown. Each closer runs even when an earlier one failed,
 * so a stuck chat socket never keeps the store open.
 */
export interface ShutdownStack {
  /** Registers what to close once `name` is open. */
  push(name: string, close: () => Promise<unknown>): void;
  /** Closes everything registered, last opened first, once; later calls wait for the same run. */
  closeAll(): Promise<void>;
}

export function createShutdownStack(log: Logger): ShutdownStack {
  const closers: { name: string; close: () => Promise<unknown> }[] = [];
  let closing: Promise<void> | undefined;
  return {
    push(name, close) {
      if (closing) throw new Error(`cannot open ${name}: shutting down`);
      closers.push({ name, close });
    },
    closeAll() {
      closing ??= (async () => {
        for (const { name, close } of closers.splice(0).reverse()) {
          try {
            await close();
          } catch (error) {
            log.error({ err: error }, `closing ${name} failed`);
          }
        }
      })();
      return closing;
    },
  };
}
