import { styleText } from 'node:util';
import type { CliIo } from './io.ts';

type Format = Parameters<typeof styleText>[0];

export interface Style {
  readonly listed: (text: string) => string;
  readonly unknown: (text: string) => string;
  readonly clean: (text: string) => string;
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). FORCE_COLOR forces it. */
export function colourWanted(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}

export function makeStyle(enabled: boolean): Style {
  const paint =
    (format: Format) =>
    (text: string): string =>
      enabled ? styleText(format, text) : text;
  return {
    listed: paint('red'),
    unknown: paint('yellow'),
    clean: paint('green'),
    bold: paint('bold'),
    dim: paint('dim'),
  };
}
