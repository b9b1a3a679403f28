/**
 * Report formats: each renders a {@link Report} to one file type (text, markdown, JSON, CSV, HTML, a PNG chart).
 * Empty for now; a format is one file under `formats/` exporting a definition and one line in the list below, and
 * a test checks the list against that folder. The chat message (`render-message.ts`) is not a format: it renders to
 * the platform-neutral message model, which the chat renderers then turn into Block Kit or embeds.
 */
import type { Report } from '../domain/report.ts';
import { defineRegistry } from '../registry.ts';

export interface ReportFormat {
  /** How a user asks for it (`md`, `csv`); unique. */
  readonly name: string;
  /** The media type of what `render` returns (`text/markdown; charset=utf-8`). */
  readonly mediaType: string;
  /** Pure: the same report always renders to the same bytes (what golden tests pin). */
  render(report: Report): string | Uint8Array;
}

/** Builds a format registry, refusing empty or repeated names. */
export function defineReportFormats(formats: readonly ReportFormat[]): readonly ReportFormat[] {
  return defineRegistry('report format', formats, (format) => format.name);
}

/** Every report format. */
export const reportFormats = defineReportFormats([]);
