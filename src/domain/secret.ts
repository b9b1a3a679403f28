import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential read from the environment. It prints, serialises and inspects as `[redacted]`, so logging a whole
 * config object (pino, `console.log`, `JSON.stringify`) cannot leak it; `reveal()` is the one way to the value and
 * is easy to grep for.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. Pass it straight to what needs it; never into a message or a log line. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
