import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defineReportFormats, type ReportFormat, reportFormats } from '../../../src/reports/formats.ts';

describe('the report format registry', () => {
  it('lists exactly the files in src/reports/formats (none yet)', async () => {
    const files = await readdir(new URL('../../../src/reports/formats/', import.meta.url)).catch(() => []);
    const names = files.filter((file) => file.endsWith('.ts')).map((file) => file.replace(/\.ts$/, ''));
    expect(reportFormats.map((format) => format.name).sort()).toEqual(names.sort());
  });

  it('refuses a name registered twice', () => {
    const format: ReportFormat = { name: 'md', mediaType: 'text/markdown', render: () => '' };
    expect(() => defineReportFormats([format, format])).toThrow(/registered twice/);
  });
});
