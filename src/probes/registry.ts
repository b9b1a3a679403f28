import { defineRegistry } from '../registry.ts';
import type { Probe } from './probe.ts';

/** Builds a probe registry, refusing empty or repeated names. */
export function defineProbes(probes: readonly Probe[]): readonly Probe[] {
  return defineRegistry('probe', probes, (probe) => probe.name);
}

/**
 * Every probe: empty for now. A probe is one file in this folder exporting a {@link Probe} and one line here; a test
 * checks the list against the folder.
 */
export const probes = defineProbes([]);
