/**
 * Every check on values read back from a store: a value rblwatch wrote passes unchanged; anything else is
 * STORE_CORRUPT naming the key and the first problem found, so an operator can tell a truncated write from a
 * foreign value.
 */
import { describe, expect, it } from 'vitest';
import { listingKey } from '../../../src/domain/listing.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { AppError, ErrorCode } from '../../../src/errors.ts';
import { type KeyValueAccess, KeyvAlertStore } from '../../../src/store/keyv-alert-store.ts';
import {
  commitProblem,
  readCommit,
  readEventRunRefs,
  readEvents,
  readIdentity,
  readInventory,
  readMeta,
  readRun,
  readRunRefs,
  readStates,
  runProblem,
} from '../../../src/store/stored-values.ts';
import { completed, entry, event, iso, runId, state } from '../../contract/store-builders.ts';

/** The problem a reader reports for `value` at key `k`, or `undefined` when it accepts it. */
function problemOf(read: (value: unknown, key: string) => unknown, value: unknown): string | undefined {
  try {
    read(value, 'k');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.STORE_CORRUPT);
    const prefix = 'stored value at key k is corrupt: ';
    expect((error as AppError).message.startsWith(prefix)).toBe(true);
    return (error as AppError).message.slice(prefix.length);
  }
}

const run = completed(startedRun(runId(0), iso(0)), iso(1));
const listed = state('192.0.2.1', 'zen.example');
const pair = [listingKey(listed.target, listed.zone), listed] as const;
const resolverDown = { ...event(run.id, 0, iso(1)), kind: 'resolver-down', zone: '', target: undefined };

describe('stored values: a value rblwatch wrote', () => {
  it('is accepted and handed back as stored', () => {
    const inventory = [entry('192.0.2.1'), entry('198.51.100.0/28', { firstScannedAt: iso(2) })];
    expect(readInventory(inventory, 'k')).toBe(inventory);
    expect(readStates([pair], 'k')).toEqual(new Map([pair]));
    expect(readRun(run, 'k')).toBe(run);
    const owned = { ...run, status: 'running', owner: { host: 'h', pid: 7, leaseUntil: iso(3) } };
    expect(readRun(owned, 'k')).toBe(owned);
    const events = [event(run.id, 0, iso(1)), resolverDown];
    expect(readEvents(events, 'k')).toBe(events);
    const meta = {
      v: 1,
      degradedZones: ['bl.example'],
      open: [],
      runDays: ['2026-11-28'],
      resolver: { downSince: iso(0), detail: 'timeout' },
      identity: 'abc',
    };
    expect(readMeta(meta, 'k')).toBe(meta);
    expect(readIdentity({ id: 'abc', createdAt: iso(0), extra: 1 }, 'k')).toEqual({
      id: 'abc',
      createdAt: iso(0),
    });
    const refs = [{ id: run.id, startedAt: iso(0) }];
    expect(readRunRefs(refs, 'k')).toBe(refs);
    const eventRefs = [{ runId: run.id, count: 2, first: iso(0), last: iso(1) }];
    expect(readEventRunRefs(eventRefs, 'k')).toBe(eventRefs);
    const commit = {
      run,
      events,
      states: [pair, [listingKey('192.0.2.9', 'zen.example'), null]],
      degradedZones: [],
      firstScanned: ['192.0.2.1'],
      resolver: null,
    };
    expect(readCommit(commit, 'k')).toBe(commit);
    expect(commitProblem(commit)).toBeUndefined();
    expect(runProblem(run)).toBeUndefined();
  });
});

describe('stored values: what is refused, and the problem named', () => {
  it.each<[string, unknown, string]>([
    ['not a list', { a: 1 }, 'expected an array of inventory entry'],
    ['an entry that is no object', ['192.0.2.1'], 'inventory entry #0: not an object'],
    ['no target', [entry('192.0.2.1'), { ...entry('x'), target: '' }], 'inventory entry #1: no target'],
    ['an unknown kind', [{ ...entry('192.0.2.1'), kind: 'ip5' }], 'inventory entry #0: unknown kind'],
    ['no labels', [{ ...entry('192.0.2.1'), labels: null }], 'inventory entry #0: no labels'],
    ['no addedAt', [{ ...entry('192.0.2.1'), addedAt: 5 }], 'inventory entry #0: no addedAt'],
  ])('inventory: %s', (_what, value, problem) => {
    expect(problemOf(readInventory, value)).toBe(problem);
  });

  it.each<[string, unknown, string]>([
    ['an object instead of pairs', { [pair[0]]: 'listed' }, 'expected an array of state'],
    ['a pair of three', [[...pair, 1]], 'state #0: not a [key, state] pair'],
    ['a key that is no string', [[1, listed]], 'state #0: not a [key, state] pair'],
    ['a deleted state', [[pair[0], null]], 'state #0: a deleted state'],
    ['a state that is no object', [[pair[0], 'listed']], 'state #0: not an object'],
    ['no zone', [[pair[0], { ...listed, zone: undefined }]], 'state #0: no target or zone'],
    [
      'an unknown status',
      [[pair[0], { ...listed, status: 'gone' }]],
      'state #0: status is neither listed nor clean',
    ],
    ['no streaks', [[pair[0], { ...listed, cleanStreak: '0' }]], 'state #0: no streaks'],
    ['no txt', [[pair[0], { ...listed, txt: 'x' }]], 'state #0: codes, meanings or txt missing'],
    [
      'codes that are no strings',
      [[pair[0], { ...listed, codes: [2] }]],
      'state #0: codes, meanings or txt missing',
    ],
    [
      'a key of another pair',
      [['192.0.2.2|zen.example', listed]],
      'state #0: key 192.0.2.2|zen.example does not match its state',
    ],
  ])('states: %s', (_what, value, problem) => {
    expect(problemOf(readStates, value)).toBe(problem);
  });

  it.each<[string, unknown, string]>([
    ['not an object', [run], 'not an object'],
    ['no id', { ...run, id: '' }, 'no id'],
    ['an unknown status', { ...run, status: 'exploded' }, 'unknown status'],
    ['a start that is no time', { ...run, startedAt: 'yesterday' }, 'startedAt is not a time'],
    ['an end that is no time', { ...run, endedAt: 12 }, 'endedAt is not a time'],
    ['no zone health', { ...run, zoneHealth: {} }, 'no zoneHealth'],
    [
      'an owner without a pid',
      { ...run, owner: { host: 'h', leaseUntil: iso(1) } },
      'owner is not { host, pid, pidNamespace?, leaseUntil }',
    ],
    [
      'a pid that is no integer',
      { ...run, owner: { host: 'h', pid: 1.5, leaseUntil: iso(1) } },
      'owner is not { host, pid, pidNamespace?, leaseUntil }',
    ],
    [
      'a pid namespace that is no string',
      { ...run, owner: { host: 'h', pid: 1, pidNamespace: 4, leaseUntil: iso(1) } },
      'owner is not { host, pid, pidNamespace?, leaseUntil }',
    ],
    [
      'a lease that is no time',
      { ...run, owner: { host: 'h', pid: 1, leaseUntil: 'soon' } },
      'owner is not { host, pid, pidNamespace?, leaseUntil }',
    ],
  ])('run: %s', (_what, value, problem) => {
    expect(problemOf(readRun, value)).toBe(problem);
  });

  it.each<[string, unknown, string]>([
    ['not a list', 'events', 'expected an array of event'],
    ['no id', [{ ...event(run.id, 0, iso(1)), id: '' }], 'event #0: no id'],
    [
      'an unknown kind',
      [event(run.id, 0, iso(1)), { ...event(run.id, 1, iso(1)), kind: 'boom' }],
      'event #1: unknown kind',
    ],
    ['a time that is no time', [{ ...event(run.id, 0, iso(1)), at: '' }], 'event #0: at is not a time'],
    ['no run id', [{ ...event(run.id, 0, iso(1)), runId: 3 }], 'event #0: no runId or zone'],
    [
      'a target that is no string',
      [{ ...event(run.id, 0, iso(1)), target: 3 }],
      'event #0: target is not a string',
    ],
    [
      'a resolver event with a zone',
      [{ ...resolverDown, zone: 'zen.example' }],
      "event #0: a resolver-down event has no target and zone ''",
    ],
    [
      'a resolver event with a target',
      [{ ...resolverDown, kind: 'resolver-recovered', target: '192.0.2.1' }],
      "event #0: a resolver-recovered event has no target and zone ''",
    ],
  ])('events: %s', (_what, value, problem) => {
    expect(problemOf(readEvents, value)).toBe(problem);
  });

  const meta = { v: 1, degradedZones: [], open: [], runDays: [] };
  it.each<[string, unknown, string]>([
    ['a number', 42, 'not version 1 store metadata'],
    ['another version', { ...meta, v: 2 }, 'not version 1 store metadata'],
    [
      'open that is no list of strings',
      { ...meta, open: [1] },
      'degradedZones, open or runDays is not a list of strings',
    ],
    [
      'no run days',
      { ...meta, runDays: undefined },
      'degradedZones, open or runDays is not a list of strings',
    ],
    ['a resolver alarm that is no object', { ...meta, resolver: 'down' }, 'resolver alarm: not an object'],
    [
      'a resolver alarm with no time',
      { ...meta, resolver: { detail: 'x' } },
      'resolver alarm: downSince is not a time',
    ],
    [
      'a resolver alarm with no detail',
      { ...meta, resolver: { downSince: iso(0) } },
      'resolver alarm: detail is not a string',
    ],
    ['an identity that is no string', { ...meta, identity: 7 }, 'identity is not a string'],
  ])('meta: %s', (_what, value, problem) => {
    expect(problemOf(readMeta, value)).toBe(problem);
  });

  it.each<[string, (value: unknown, key: string) => unknown, unknown, string]>([
    [
      'identity without an id',
      readIdentity,
      { id: '', createdAt: iso(0) },
      'not a store identity { id, createdAt }',
    ],
    [
      'identity without a time',
      readIdentity,
      { id: 'a', createdAt: 'now' },
      'not a store identity { id, createdAt }',
    ],
    ['a run reference with no time', readRunRefs, [{ id: 'r' }], 'run reference #0: not { id, startedAt }'],
    ['run references that are no list', readRunRefs, 'r', 'expected an array of run reference'],
    [
      'an event run reference with no count',
      readEventRunRefs,
      [{ runId: 'r', first: iso(0), last: iso(0) }],
      'event run reference #0: not { runId, count, first, last }',
    ],
  ])('%s', (_what, read, value, problem) => {
    expect(problemOf(read, value)).toBe(problem);
  });

  const commit = { run, events: [], states: [], degradedZones: [], firstScanned: [] };
  it.each<[string, unknown, string]>([
    ['not an object', null, 'not an object'],
    ['a bad run', { ...commit, run: { ...run, status: 'exploded' } }, 'run: unknown status'],
    ['events that are no list', { ...commit, events: {} }, 'events is not an array'],
    [
      'a bad event',
      { ...commit, events: [event(run.id, 0, iso(1)), { ...event(run.id, 1, iso(1)), at: 'x' }] },
      'event #1: at is not a time',
    ],
    ['states that are no list', { ...commit, states: 'x' }, 'states is not an array'],
    [
      'a bad state',
      { ...commit, states: [[pair[0], { ...listed, status: 'x' }]] },
      'state #0: status is neither listed nor clean',
    ],
    [
      'a state of another pair',
      { ...commit, states: [['a|b', listed]] },
      'state #0: key a|b does not match its state',
    ],
    [
      'degraded zones that are no strings',
      { ...commit, degradedZones: [1] },
      'degradedZones is not a list of strings',
    ],
    [
      'no first-scanned list',
      { ...commit, firstScanned: undefined },
      'firstScanned is not a list of strings',
    ],
    [
      'a bad resolver alarm',
      { ...commit, resolver: { downSince: iso(0), detail: 5 } },
      'resolver: detail is not a string',
    ],
  ])('commit: %s', (_what, value, problem) => {
    expect(commitProblem(value)).toBe(problem);
    expect(problemOf(readCommit, value)).toBe(problem);
  });
});

describe('stored values of the alert store', () => {
  /** An alert store over fixed raw values, read through the same checks as a real store. */
  function storeOver(values: Record<string, unknown>) {
    const access: KeyValueAccess = {
      read: async (key, check) => (key in values ? check(values[key], key) : undefined),
      write: async () => {},
      remove: async () => {},
      query: (_name, fn) => fn(),
      exclusive: (_name, fn) => fn(),
    };
    return new KeyvAlertStore(access);
  }

  async function problemIn(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: ErrorCode.STORE_CORRUPT });
    return (error as AppError).message;
  }

  const item = {
    id: 'a>pager',
    destination: 'pager',
    action: 'trigger',
    key: 'rblwatch:192.0.2.1:zen.example',
    payload: {
      type: 'alert',
      alert: { id: 'a', kind: 'listed', at: iso(0), severity: 'critical', codes: [], meanings: [], txt: [] },
    },
    createdAt: iso(0),
    dueAt: iso(0),
    attempts: 0,
    status: 'pending',
  };

  it('reads what it wrote', async () => {
    const mute = { scope: 'zone', value: 'zen.example', until: iso(600), createdAt: iso(0) };
    const store = storeOver({
      outbox: ['a>pager', 'gone>pager'],
      'outbox:a>pager': item,
      mutes: [mute],
      pages: ['pager|k'],
      'routed-through': run.id,
    });
    expect(await store.listOutbox()).toEqual([item]);
    expect(await store.listMutes(new Date(iso(1)))).toEqual([mute]);
    expect(await store.listPages()).toEqual(['pager|k']);
    expect(await store.getRoutedThrough()).toBe(run.id);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an index that is no list', { outbox: 'a>pager' }, 'outbox is corrupt: expected a list of ids'],
    ['an index of numbers', { outbox: [1] }, 'outbox is corrupt: expected a list of ids'],
    [
      'an item with no destination',
      { outbox: ['a>pager'], 'outbox:a>pager': { ...item, destination: 3 } },
      'outbox:a>pager is corrupt: not an outbox item',
    ],
    [
      'an item with no due time',
      { outbox: ['a>pager'], 'outbox:a>pager': { ...item, dueAt: undefined } },
      'outbox:a>pager is corrupt: not an outbox item',
    ],
    [
      'an item with neither a payload nor an alert of the previous shape',
      { outbox: ['a>pager'], 'outbox:a>pager': { ...item, payload: 'listed' } },
      'outbox:a>pager is corrupt: an outbox item carries neither a payload nor an alert',
    ],
    [
      'an item that is no object',
      { outbox: ['a>pager'], 'outbox:a>pager': 'a>pager' },
      'outbox:a>pager is corrupt: not an outbox item',
    ],
  ])('outbox: %s', async (_what, values, problem) => {
    expect(await problemIn(storeOver(values).listOutbox())).toBe(`stored value at key ${problem}`);
  });

  it.each<[string, unknown, string]>([
    ['not a list', { scope: 'zone' }, 'expected a list of mutes'],
    [
      'an unknown scope',
      [{ scope: 'team', value: 'x', until: iso(9) }],
      'a mute lacks scope, value or until',
    ],
    ['no value', [{ scope: 'zone', until: iso(9) }], 'a mute lacks scope, value or until'],
    ['no until', [{ scope: 'target', value: '192.0.2.1' }], 'a mute lacks scope, value or until'],
    ['a mute that is no object', [null], 'a mute lacks scope, value or until'],
  ])('mutes: %s', async (_what, mutes, problem) => {
    expect(await problemIn(storeOver({ mutes }).listMutes(new Date(iso(0))))).toBe(
      `stored value at key mutes is corrupt: ${problem}`,
    );
  });

  it('pages and the routing mark', async () => {
    expect(await problemIn(storeOver({ pages: [1] }).listPages())).toBe(
      'stored value at key pages is corrupt: expected a list of pages',
    );
    expect(await problemIn(storeOver({ 'routed-through': 5 }).getRoutedThrough())).toBe(
      'stored value at key routed-through is corrupt: expected a run id',
    );
  });
});
