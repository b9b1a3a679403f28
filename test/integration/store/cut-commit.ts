/**
 * The outage case shared by the server backends: the connection to Redis or PostgreSQL is cut while a commit's
 * transaction is in flight (between two of its writes). Nothing of the commit may be visible afterwards, and once
 * the server is reachable again the same repository, without a restart or a recovery step, commits it.
 */
import type { Keyv } from 'keyv';
import { expect, vi } from 'vitest';
import { listingKey } from '../../../src/domain/listing.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { ErrorCode } from '../../../src/errors.ts';
import { KeyvListingRepository } from '../../../src/store/keyv-repository.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { instrumentKeyv } from '../../contract/instrumented-store.ts';
import { codeOf, commitOf, completed, event, iso, runId, state } from '../../contract/store-builders.ts';
import type { TcpProxy } from './tcp-proxy.ts';

/** Retries `fn` on real timers until it resolves, for up to `timeoutMs`. */
async function untilItWorks<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  return vi.waitFor(fn, { timeout: timeoutMs, interval: 100 });
}

export async function expectCommitCutMidTransaction(options: {
  readonly proxy: TcpProxy;
  /** The keyv under `repo`, connected through `proxy`. */
  readonly keyv: Keyv;
  readonly repo: ListingRepository;
}): Promise<void> {
  const { proxy, keyv, repo } = options;
  const run = startedRun(runId(0), iso(0));
  await repo.startRun(run);
  const listed = state('192.0.2.1', 'zen.example');
  const commit = commitOf(completed(run, iso(1)), {
    events: [event(run.id, 0, iso(1))],
    states: [[listingKey(listed.target, listed.zone), listed]],
    degradedZones: ['slow.example'],
  });
  const cutting = new KeyvListingRepository({
    keyv: instrumentKeyv(keyv, {
      beforeWrite: async (n) => {
        if (n === 1) await proxy.cut();
      },
    }).keyv,
    backend: repo.backend,
  });
  expect(await codeOf(cutting.commitRun(commit))).toBe(ErrorCode.STORE_BACKEND_ERROR);
  await proxy.restore();

  // Nothing of the cut commit is visible (reads may need a moment while the client reconnects).
  expect(await untilItWorks(() => repo.getRun(run.id))).toMatchObject({ status: 'running' });
  expect(await repo.listEvents()).toEqual({ events: [] });
  expect(await repo.getStates()).toEqual(new Map());
  expect(await repo.getDegradedZones()).toEqual(new Set());

  await untilItWorks(() => repo.commitRun(commit));
  expect(await repo.getRun(run.id)).toEqual(commit.run);
  expect((await repo.listEvents()).events).toHaveLength(1);
  expect(await repo.getDegradedZones()).toEqual(new Set(['slow.example']));
}
