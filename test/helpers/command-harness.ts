import { expect } from 'vitest';
import {
  type ArgValue,
  type CommandDefinition,
  type CommandOutcome,
  type CommandServices,
  type CommandUser,
  chatSyntax,
  type Reply,
} from '../../src/command-api/command.ts';
import { createZoneService } from '../../src/command-api/zone-service.ts';
import type { ZoneHealthReport } from '../../src/domain/check-result.ts';
import { type ListingEvent, type ListingState, listingKey } from '../../src/domain/listing.ts';
import type { LookupService } from '../../src/domain/lookup-service.ts';
import { type ScanRun, startedRun } from '../../src/domain/scan-run.ts';
import type { Zone } from '../../src/domain/zone.ts';
import type { ListingRepository } from '../../src/store/listing-repository.ts';
import { openStore } from '../../src/store/open-store.ts';
import { createMemoryLog } from './memory-log.ts';
import { MemoryMuteStore } from './memory-mutes.ts';
import { makeZone } from './zones.ts';

export const alice: CommandUser = { id: 'U1', name: 'alice', platform: 'slack' };

/** What one command invocation did, in order. */
export interface CommandRun {
  /** `defer` and `reply`, in call order. */
  readonly steps: string[];
  readonly replies: Reply[];
  /** The last reply (every command here answers once). */
  readonly reply: Reply;
  /** What the command reported (`ok` when it returned nothing). */
  readonly outcome: CommandOutcome;
}

export interface CommandHarness {
  readonly store: ListingRepository;
  readonly mutes: MemoryMuteStore;
  readonly services: CommandServices;
  /** Structured log lines written through `context.log`. */
  readonly logs: Record<string, unknown>[];
  /** Set the clock the services report. */
  setNow(now: Date): void;
  run(command: CommandDefinition, args?: Record<string, ArgValue>, user?: CommandUser): Promise<CommandRun>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly zones?: readonly Zone[];
  readonly lookup?: LookupService;
  readonly scans?: CommandServices['scans'];
  /** The live zone probe behind the zone service; defaults to "every zone ok". */
  readonly probe?: () => Promise<ZoneHealthReport[]>;
  readonly now?: Date;
}

export const testZones: readonly Zone[] = [
  makeZone({
    zone: 'bl.test',
    name: 'Test BL',
    severity: 'critical',
    delist: 'https://bl.test/?ip={target}',
  }),
  makeZone({ zone: 'minor.test', severity: 'minor' }),
  makeZone({ zone: 'dbl.test', kind: 'domain', severity: 'major', delist: 'https://dbl.test/{target}' }),
];

const noLookups: LookupService = {
  check: () => Promise.reject(new Error('this test does no live lookups')),
};

/**
 * A CommandContext factory over a memory store, an in-memory MuteStore and a pino logger writing to an array, so
 * command tests drive the real handlers and assert on replies, store contents and log lines.
 */
export async function createCommandHarness(options: HarnessOptions = {}): Promise<CommandHarness> {
  const store = await openStore('memory:');
  const mutes = new MemoryMuteStore();
  const { log, lines: logs } = createMemoryLog();
  let now = options.now ?? new Date('2026-12-01T12:00:00.000Z');
  const zones = options.zones ?? testZones;
  const probe =
    options.probe ??
    (async () =>
      zones.map((zone) => ({ zone: zone.zone, health: 'ok' as const, detail: 'test points answer' })));
  const services: CommandServices = {
    lookup: options.lookup ?? noLookups,
    store,
    zones: createZoneService({ zones, repo: store, probe, now: () => now.getTime() }),
    mutes,
    ...(options.scans ? { scans: options.scans } : {}),
    clock: () => now,
  };
  let invocations = 0;
  return {
    store,
    mutes,
    services,
    logs,
    setNow(next) {
      now = next;
    },
    async run(command, args = {}, user = alice) {
      const steps: string[] = [];
      const replies: Reply[] = [];
      const invocationId = `test-${++invocations}`;
      const outcome = await command.run({
        args,
        user,
        defer: async () => {
          steps.push('defer');
        },
        reply: async (reply) => {
          steps.push('reply');
          replies.push(reply);
        },
        services,
        log: log.child({ invocationId }),
        invocationId,
        syntax: chatSyntax(),
      });
      const reply = replies.at(-1);
      if (!reply) throw new Error(`${command.name} did not reply`);
      return { steps, replies, reply, outcome: outcome ?? 'ok' };
    },
    close: () => store.close(),
  };
}

/** A listed state as the scan stores it. */
export function listedState(
  target: string,
  zone: string,
  since: string,
  evidence: Partial<Pick<ListingState, 'codes' | 'meanings' | 'txt'>> = {},
): ListingState {
  return {
    target,
    zone,
    status: 'listed',
    codes: evidence.codes ?? ['127.0.0.2'],
    meanings: evidence.meanings ?? ['spam source'],
    txt: evidence.txt ?? [],
    listedSince: since,
    listedStreak: 1,
    cleanStreak: 0,
    updatedAt: since,
  };
}

let runCounter = 0;

/** Record one completed scan in the store, as the scan runner would. */
export async function recordScan(
  store: ListingRepository,
  scan: {
    readonly at: string;
    readonly states?: readonly ListingState[];
    readonly events?: readonly Omit<ListingEvent, 'id' | 'runId'>[];
    readonly degradedZones?: readonly string[];
    readonly zoneHealth?: readonly ZoneHealthReport[];
    readonly summary?: Partial<
      Pick<ScanRun, 'targets' | 'lookups' | 'listed' | 'clean' | 'unknown' | 'events'>
    >;
  },
): Promise<ScanRun> {
  const id = `${scan.at}-t${(++runCounter).toString().padStart(5, '0')}`;
  await store.startRun(startedRun(id, scan.at));
  const run: ScanRun = {
    ...startedRun(id, scan.at),
    status: 'completed',
    endedAt: scan.at,
    zoneHealth: scan.zoneHealth ?? [],
    events: scan.events?.length ?? 0,
    ...scan.summary,
  };
  await store.commitRun({
    run,
    events: (scan.events ?? []).map((event, index) => ({ ...event, id: `${id}:${index}`, runId: id })),
    states: (scan.states ?? []).map((state) => [listingKey(state.target, state.zone), state] as const),
    degradedZones: scan.degradedZones ?? [],
    firstScanned: [],
  });
  return run;
}

/** Inputs a hostile or careless user types: huge, control characters, bidi overrides, mentions, markup. */
export const hostileInputs: readonly string[] = [
  'x'.repeat(5000),
  `${'9.9.9.9 '.repeat(400)}`,
  'evil\u0000\u001b[2J\u202egro.example',
  '<!channel>',
  '@everyone',
  '<https://evil.example|click here>',
  '*bold* `code` ~strike~',
  '',
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** No control or bidi characters anywhere a renderer shows, and every piece short enough for any platform. */
export function expectSafeReply(reply: Reply): void {
  const texts = [reply.title, ...reply.lines, reply.footer ?? '', ...(reply.links ?? []).map((l) => l.label)];
  for (const text of texts) {
    expect(text).not.toMatch(unsafe);
    expect(text.length).toBeLessThanOrEqual(700);
  }
  expect(reply.lines.length).toBeLessThanOrEqual(40);
  for (const link of reply.links ?? []) {
    expect(link.url).toMatch(/^https:\/\//);
    expect(link.label.length).toBeLessThanOrEqual(75);
  }
}

/** A snapshot of everything a command could change, to show a refused command changed nothing. */
export async function snapshot(harness: CommandHarness): Promise<string> {
  return JSON.stringify({ inventory: await harness.store.listInventory(), mutes: harness.mutes.all });
}
