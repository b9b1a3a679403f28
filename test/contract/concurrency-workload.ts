/**
 * The work of the contract's several-writers test, shared by the in-process variant (memory) and the child
 * processes that run it against a real file or server (see store-child.ts): each writer adds its own targets and
 * mutes, all at once, while a scanner commits scans; afterwards every record must be there exactly once.
 */

import type { InventoryEntry } from '../../src/domain/inventory.ts';
import { listingKey } from '../../src/domain/listing.ts';
import type { Mute } from '../../src/domain/mute.ts';
import { startedRun } from '../../src/domain/scan-run.ts';
import type { ListingRepository } from '../../src/store/listing-repository.ts';

export const WRITERS = 4;
/** Inventory adds and mutes per writer, each issued concurrently. */
export const PER_WRITER = 50;
export const SCANS = 6;

const T0 = Date.parse('2026-11-28T10:00:00.000Z');

function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

export function writerTarget(writer: number, n: number): string {
  return `10.${writer + 1}.0.${n}`;
}

export function writerMute(writer: number, n: number): Mute {
  return { scope: 'zone', value: `z${writer}-${n}.example`, createdAt: at(0), until: at(24 * 60) };
}

/** The scanner's own targets, in the store before the writers start. */
export const scannerEntries: readonly InventoryEntry[] = Array.from({ length: 5 }, (_, n) => ({
  target: `192.0.2.${n + 1}`,
  kind: 'ip4',
  labels: {},
  source: 'config',
  addedAt: at(-60),
}));

export function scanRunId(n: number): string {
  return `${at(n)}-scan${n.toString().padStart(2, '0')}`;
}

export async function runWriter(repo: ListingRepository, writer: number): Promise<void> {
  await Promise.all(
    Array.from({ length: PER_WRITER }, (_, n) => [
      repo.putInventory({
        target: writerTarget(writer, n),
        kind: 'ip4',
        labels: { owner: `writer-${writer}` },
        source: 'store',
        addedAt: at(0),
      }),
      repo.alerts.putMute(writerMute(writer, n)),
    ]).flat(),
  );
}

/** Scans that each record two events and one state, and mark the scanner's targets first scanned. */
export async function runScanner(repo: ListingRepository): Promise<void> {
  for (let n = 0; n < SCANS; n++) {
    const id = scanRunId(n);
    const run = startedRun(id, at(n));
    await repo.startRun(run);
    const target = scannerEntries[n % scannerEntries.length]?.target ?? '192.0.2.1';
    await repo.commitRun({
      run: { ...run, status: 'completed', endedAt: at(n + 0.5), events: 2 },
      events: [0, 1].map((k) => ({
        id: `${id}:${k}`,
        kind: 'listed' as const,
        at: at(n + 0.5),
        runId: id,
        zone: `zone${k}.example`,
        target,
        severity: 'critical' as const,
        codes: ['127.0.0.2'],
        meanings: [],
        txt: [],
      })),
      states: [
        [
          listingKey(target, 'zone0.example'),
          {
            target,
            zone: 'zone0.example',
            status: 'listed',
            codes: ['127.0.0.2'],
            meanings: [],
            txt: [],
            listedSince: at(n + 0.5),
            listedStreak: n + 1,
            cleanStreak: 0,
            updatedAt: at(n + 0.5),
          },
        ],
      ],
      degradedZones: [`degraded${n}.example`],
      firstScanned: scannerEntries.map((entry) => entry.target),
    });
  }
}
