import { afterEach, describe, expect, it } from 'vitest';
import { createScanCommand, scanCommand } from '../../../commands/scan.ts';
import type { RunNowOutcome } from '../../../src/domain/scan-run.ts';
import {
  type CommandHarness,
  createCommandHarness,
  type HarnessOptions,
  recordScan,
} from '../../helpers/command-harness.ts';

let harness: CommandHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function setUp(options: HarnessOptions = {}): Promise<CommandHarness> {
  harness = await createCommandHarness(options);
  return harness;
}

function scheduler(answer: (requestedBy?: string) => Promise<RunNowOutcome>) {
  const calls: (string | undefined)[] = [];
  return {
    calls,
    scans: {
      runNow: (requestedBy?: string) => {
        calls.push(requestedBy);
        return answer(requestedBy);
      },
    },
  };
}

describe('/rbl scan', () => {
  it('is a rate-limited change command', () => {
    expect(scanCommand).toMatchObject({ access: 'change', rateLimited: true });
  });

  it('explains that scans run only inside serve when there is no scheduler', async () => {
    const { reply, steps } = await (await setUp()).run(scanCommand);
    expect(steps).toEqual(['reply']);
    expect(reply).toMatchObject({ title: 'No scan was started', ephemeral: true });
    expect(reply.lines[0]).toContain('Scans run only inside rblwatch serve');
  });

  it('defers, runs the scan as the caller, and reports what it found', async () => {
    let store: CommandHarness['store'] | undefined;
    const fake = scheduler(async () => {
      if (!store) throw new Error('no store');
      await recordScan(store, {
        at: '2026-12-01T12:00:00.000Z',
        summary: { targets: 3, lookups: 9, listed: 1, unknown: 0 },
      });
      return 'started';
    });
    const h = await setUp({ scans: fake.scans });
    store = h.store;
    const { reply, steps } = await h.run(scanCommand);
    expect(steps).toEqual(['defer', 'reply']);
    expect(fake.calls).toEqual(['slack:U1 (alice)']);
    expect(reply).toMatchObject({ title: 'Scan finished', ephemeral: true });
    expect(reply.tone).toBe('danger');
    expect(reply.lines[0]).toContain('3 targets, 9 lookups, 1 listed, 0 unknown');
    expect(h.logs).toContainEqual(
      expect.objectContaining({ by: 'slack:U1 (alice)', action: 'scan', outcome: 'started' }),
    );
  });

  it('says when a scan is already running', async () => {
    const { reply } = await (await setUp({ scans: scheduler(async () => 'busy').scans })).run(scanCommand);
    expect(reply).toMatchObject({ title: 'A scan is already running', ephemeral: true });
  });

  it('says when the scheduler has stopped', async () => {
    const { reply } = await (await setUp({ scans: scheduler(async () => 'stopped').scans })).run(scanCommand);
    expect(reply).toMatchObject({ title: 'No scan was started', ephemeral: true });
    expect(reply.lines[0]).toContain('shutting down');
  });

  it('answers before the interaction expires when the scan runs long', async () => {
    let finish: (outcome: RunNowOutcome) => void = () => {};
    const pending = new Promise<RunNowOutcome>((resolve) => {
      finish = resolve;
    });
    const h = await setUp({ scans: scheduler(() => pending).scans });
    const { reply } = await h.run(createScanCommand({ maxWaitMs: 20 }));
    expect(reply.title).toBe('Scan started, still running');
    finish('started');
  });
});
