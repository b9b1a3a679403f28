/** What the SQLite durability child writes, shared with the test that checks it afterwards. */
import type { InventoryEntry } from '../../../src/domain/inventory.ts';
import { type ListingState, listingKey } from '../../../src/domain/listing.ts';
import { type ScanRun, startedRun } from '../../../src/domain/scan-run.ts';
import type { ScanCommit } from '../../../src/store/listing-repository.ts';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');

function at(n: number, offsetMs = 0): string {
  return new Date(T0 + n * 60_000 + offsetMs).toISOString();
}

export const childEntry: InventoryEntry = {
  target: '192.0.2.1',
  kind: 'ip4',
  labels: { owner: 'mail' },
  source: 'store',
  addedAt: at(-1),
};

export function childRunId(n: number): string {
  return `${at(n)}-${n.toString(16).padStart(6, '0')}`;
}

export function childRun(n: number): ScanRun {
  return { ...startedRun(childRunId(n), at(n)), targets: 1 };
}

/** Run `n`: two events, one state for a target that cycles through 50 addresses, and zone `z<n>` degraded. */
export function childCommit(n: number): ScanCommit {
  const id = childRunId(n);
  const target = `10.0.0.${n % 50}`;
  const state: ListingState = {
    target,
    zone: 'zen.example',
    status: 'listed',
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: [],
    listedSince: at(n, 30_000),
    listedStreak: n + 1,
    cleanStreak: 0,
    updatedAt: at(n, 30_000),
  };
  const event = (k: number) => ({
    id: `${id}:${k}`,
    kind: 'listed' as const,
    at: at(n, 30_000),
    runId: id,
    zone: 'zen.example',
    target,
    severity: 'critical' as const,
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: [],
  });
  return {
    run: { ...childRun(n), status: 'completed', endedAt: at(n, 30_000), lookups: 200, clean: 200, events: 2 },
    events: [event(0), event(1)],
    states: [[listingKey(target, 'zen.example'), state]],
    degradedZones: [`z${n}.example`],
    firstScanned: n === 0 ? ['192.0.2.1'] : [],
  };
}
