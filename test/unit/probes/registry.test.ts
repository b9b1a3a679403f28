import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Probe } from '../../../src/probes/probe.ts';
import { defineProbes, probes } from '../../../src/probes/registry.ts';

describe('the probe registry', () => {
  it('lists exactly the probe files in src/probes (none yet)', async () => {
    const files = (await readdir(new URL('../../../src/probes/', import.meta.url)))
      .filter((file) => file.endsWith('.ts') && file !== 'probe.ts' && file !== 'registry.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(probes.map((probe) => probe.name).sort()).toEqual(files);
  });

  it('refuses a name registered twice', () => {
    const probe: Probe = { name: 'smtp-banner', description: 'd', run: async () => [] };
    expect(() => defineProbes([probe, probe])).toThrow(
      'probe registry: name "smtp-banner" is empty or registered twice',
    );
  });
});
