/**
 * Builders shared by the store contract suites: runs, commits, states and events at fixed times (minutes past
 * T0), and helpers that read everything a caller can observe.
 */

import type { InventoryEntry } from '../../src/domain/inventory.ts';
import type { ListingEvent, ListingState } from '../../src/domain/listing.ts';
import type { OutboxItem } from '../../src/domain/outbox-item.ts';
import { type ScanRun, startedRun } from '../../src/domain/scan-run.ts';
import { AppError } from '../../src/errors.ts';
import type { ListingRepository, ScanCommit } from '../../src/store/listing-repository.ts';

export const T0 = Date.parse('2026-11-28T10:00:00.000Z');
export const MINUTE = 60_000;

export function iso(minutes: number): string {
  return new Date(T0 + minutes * MINUTE).toISOString();
}

export function runId(minutes: number, suffix = 'a1b2c3'): string {
  return `${iso(minutes)}-${suffix}`;
}

export function entry(target: string, overrides: Partial<InventoryEntry> = {}): InventoryEntry {
  return {
    target,
    kind: target.includes('/') ? 'cidr' : /^[\d.]+$/.test(target) ? 'ip4' : 'domain',
    labels: { owner: 'mail-team' },
    source: 'store',
    addedAt: iso(-60),
    ...overrides,
  };
}

export function completed(run: ScanRun, endedAt: string, overrides: Partial<ScanRun> = {}): ScanRun {
  return {
    ...run,
    status: 'completed',
    endedAt,
    targets: 3,
    lookups: 120,
    listed: 1,
    clean: 118,
    unknown: 1,
    unknownByReason: { timeout: 1 },
    zoneHealth: [{ zone: 'zen.example', health: 'ok', detail: 'test points answered' }],
    ...overrides,
  };
}

export function state(target: string, zone: string, overrides: Partial<ListingState> = {}): ListingState {
  return {
    target,
    zone,
    status: 'listed',
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: ['see https://example.test/lookup'],
    listedSince: iso(0),
    listedStreak: 1,
    cleanStreak: 0,
    updatedAt: iso(0),
    ...overrides,
  };
}

export function event(
  run: string,
  n: number,
  at: string,
  overrides: Partial<ListingEvent> = {},
): ListingEvent {
  return {
    id: `${run}:${n}`,
    kind: 'listed',
    at,
    runId: run,
    zone: 'zen.example',
    target: '192.0.2.1',
    severity: 'critical',
    codes: ['127.0.0.2'],
    meanings: ['listed'],
    txt: [],
    ...overrides,
  };
}

export function commitOf(run: ScanRun, parts: Partial<Omit<ScanCommit, 'run'>> = {}): ScanCommit {
  return {
    run: { ...run, events: parts.events?.length ?? 0 },
    events: [],
    states: [],
    degradedZones: [],
    firstScanned: [],
    ...parts,
  };
}

/** Starts and commits one run at `minutes` past T0 with the given changes. */
export async function scan(
  repo: ListingRepository,
  minutes: number,
  parts: (id: string, at: string) => Partial<Omit<ScanCommit, 'run'>> = () => ({}),
  suffix = 'a1b2c3',
): Promise<ScanCommit> {
  const id = runId(minutes, suffix);
  const run = startedRun(id, iso(minutes));
  await repo.startRun(run);
  const commit = commitOf(completed(run, iso(minutes + 1)), parts(id, iso(minutes + 1)));
  await repo.commitRun(commit);
  return commit;
}

export async function allEvents(
  repo: ListingRepository,
  query: { limit?: number } = {},
): Promise<ListingEvent[]> {
  const events: ListingEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await repo.listEvents({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    events.push(...result.events);
    if (result.next === undefined) return events;
    cursor = result.next;
  }
  throw new Error('paging did not end');
}

/** Everything a caller can observe, in a stable order. */
export async function snapshot(repo: ListingRepository): Promise<unknown> {
  return {
    inventory: await repo.listInventory(),
    states: [...(await repo.getStates())].sort(([a], [b]) => (a < b ? -1 : 1)),
    degraded: [...(await repo.getDegradedZones())].sort(),
    runs: await repo.listRuns({ limit: 1000 }),
    events: await allEvents(repo),
  };
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

export async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

/** An outbox item for alert `id`, due at T0. */
export function outboxItem(id: string, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id,
    destination: 'pager',
    action: 'trigger',
    key: `rblwatch:${id}`,
    payload: {
      type: 'alert',
      alert: {
        id,
        kind: 'listed',
        at: iso(0),
        severity: 'critical',
        zone: 'bl.example',
        target: '192.0.2.1',
        codes: ['127.0.0.2'],
        meanings: [],
        txt: ['see http://bl.example/?192.0.2.1'],
      },
    },
    createdAt: iso(0),
    dueAt: iso(0),
    attempts: 0,
    status: 'pending',
    ...overrides,
  };
}
