import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingKey } from '../../../src/domain/listing.ts';
import type { OutboxItem } from '../../../src/domain/outbox-item.ts';
import { startedRun } from '../../../src/domain/scan-run.ts';
import { openStore } from '../../../src/store/open-store.ts';
import {
  type FakePagerDuty,
  type FakeReceiver,
  startFakePagerDuty,
  startFakeWebhook,
} from '../../helpers/fake-alert-receivers.ts';
import { runCli } from '../../helpers/run-cli.ts';

const ROUTING_KEY = 'p'.repeat(32);
const WEBHOOK_SECRET = 'whsec-test-0123456789';
const env = { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, WEBHOOK_SECRET };

let dir: string;
let config: string;
let pagerduty: FakePagerDuty;
let webhook: FakeReceiver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-alerts-cli-'));
  pagerduty = await startFakePagerDuty();
  webhook = await startFakeWebhook(WEBHOOK_SECRET);
  config = join(dir, 'rblwatch.yml');
  await writeFile(
    config,
    [
      `store: ${join(dir, 'store.sqlite')}`,
      'zones: builtin',
      'targets: [11.22.33.0/28]',
      'destinations:',
      `  pager: { type: pagerduty, routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${pagerduty.url}" }`,
      `  hook: { type: webhook, url: "${webhook.url}", secret: "\${WEBHOOK_SECRET}" }`,
      'routes: [{ to: [pager, hook] }]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await pagerduty?.close();
  await webhook?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rblwatch alerts test', () => {
  it('triggers and then resolves a marked test incident on a pager', async () => {
    const result = await runCli(['alerts', 'test', 'pager', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pager (pagerduty): test trigger accepted');
    expect(result.stdout).toContain('pager (pagerduty): test resolve accepted');
    const [trigger, resolve] = pagerduty.requests.map((request) => request.json as Record<string, unknown>);
    expect(trigger).toMatchObject({ event_action: 'trigger' });
    expect(JSON.stringify(trigger)).toContain('[TEST]');
    expect(resolve).toMatchObject({ event_action: 'resolve', dedup_key: trigger?.dedup_key });
    expect([...pagerduty.incidents.values()]).toEqual(['resolved']);
  });

  it('sends one signed, marked test delivery to a webhook', async () => {
    const result = await runCli(['alerts', 'test', 'hook', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(webhook.requests).toHaveLength(1);
    expect(webhook.requests[0]?.json).toMatchObject({ type: 'rblwatch.alerts', test: true, count: 1 });
  });

  it('shows the service refusal and exits 69, without printing the key', async () => {
    pagerduty.script({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid' } });
    const result = await runCli(['alerts', 'test', 'pager', '--config', config], { env });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('400');
    expect(result.stderr).not.toContain(ROUTING_KEY);
  });

  it('names the configured destinations when asked for an unknown one', async () => {
    const result = await runCli(['alerts', 'test', 'pagr', '--config', config], { env });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('no destination "pagr" (configured: pager, hook)');
  });

  it('refuses to start on a config naming a missing secret, naming the variable', async () => {
    const result = await runCli(['alerts', 'pending', '--config', config], { env: { WEBHOOK_SECRET } });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('PAGERDUTY_ROUTING_KEY');
  });
});

describe('rblwatch alerts pending, mute, mutes, unmute', () => {
  it('says when nothing is pending', async () => {
    const result = await runCli(['alerts', 'pending', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('nothing pending');
  });

  it('mutes a zone and a watched range, lists them, and unmutes', async () => {
    const zone = await runCli(['mute', 'zen.spamhaus.org', '2h', 'known', 'issue', '--config', config], {
      env,
    });
    expect(zone.code, zone.stderr).toBe(0);
    const range = await runCli(['mute', '11.22.33.0/28', '1d', '--config', config], { env });
    expect(range.code, range.stderr).toBe(0);
    const list = await runCli(['mutes', '--config', config], { env });
    expect(list.stdout).toContain('zen.spamhaus.org');
    expect(list.stdout).toContain('known issue');
    expect(list.stdout).toContain('11.22.33.0/28');
    // Replies name other commands as a shell user types them, never in chat syntax.
    expect(zone.stdout).toContain('rblwatch unmute zen.spamhaus.org ends it early');
    expect(zone.stdout).not.toContain('/rbl');
    const unmute = await runCli(['unmute', 'zen.spamhaus.org', '--config', config], { env });
    expect(unmute.code, unmute.stderr).toBe(0);
    const again = await runCli(['unmute', 'zen.spamhaus.org', '--config', config], { env });
    expect(again.code).toBe(64);
    expect(again.stdout).toContain('That is not muted; rblwatch mutes lists what is.');
    const after = await runCli(['mutes', '--config', config], { env });
    expect(after.stdout).not.toContain('zen.spamhaus.org');
  });

  it('refuses a mute of something not watched or too long, changing nothing', async () => {
    const unwatched = await runCli(['mute', '99.99.99.99', '1h', '--config', config], { env });
    expect(unwatched.code).toBe(64);
    expect(unwatched.stdout).toContain('(see rblwatch watch list and rblwatch zones)');
    expect(unwatched.stdout).not.toContain('/rbl');
    const long = await runCli(['mute', 'zen.spamhaus.org', '365d', '--config', config], { env });
    expect(long.code).toBe(64);
    expect(long.stdout).toContain('90 days');
  });
});

describe('rblwatch alerts retry', () => {
  it('queues given-up alerts again, but not a trigger whose listing is gone', async () => {
    const failed = (id: string, target: string): OutboxItem => ({
      id,
      destination: 'pager',
      action: 'trigger',
      key: `rblwatch:${target}:zen.spamhaus.org`,
      payload: {
        type: 'alert',
        alert: {
          id,
          kind: 'listed',
          at: '2026-11-28T03:00:00.000Z',
          severity: 'critical',
          zone: 'zen.spamhaus.org',
          target,
          codes: ['127.0.0.2'],
          meanings: [],
          txt: [],
        },
      },
      createdAt: '2026-11-28T03:00:00.000Z',
      dueAt: '2026-11-28T03:00:00.000Z',
      attempts: 9,
      status: 'failed',
      failedAt: '2026-11-29T03:00:00.000Z',
      lastError: 'HTTP 500',
    });
    const store = await openStore(join(dir, 'store.sqlite'));
    try {
      await store.alerts.addOutbox([failed('gone>pager', '11.22.33.1')]);
    } finally {
      await store.close();
    }
    const result = await runCli(['alerts', 'retry', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('gone>pager: not re-sent: no longer listed');
    expect(result.stdout).toContain('0 alert(s) queued again');
    const unknown = await runCli(['alerts', 'retry', 'nope', '--config', config], { env });
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no given-up alert with id nope');
  });

  it('does not re-send a given-up resolve once the target is listed again (it would close a standing incident)', async () => {
    const target = '11.22.33.2';
    const zone = 'zen.spamhaus.org';
    const at = '2026-11-30T03:00:00.000Z';
    const resolve: OutboxItem = {
      id: 'old-resolve>pager',
      destination: 'pager',
      action: 'resolve',
      key: `rblwatch:${target}:${zone}`,
      payload: {
        type: 'alert',
        alert: {
          id: 'old-resolve',
          kind: 'delisted',
          at,
          severity: 'critical',
          zone,
          target,
          codes: [],
          meanings: [],
          txt: [],
        },
      },
      createdAt: at,
      dueAt: at,
      attempts: 9,
      status: 'failed',
      failedAt: '2026-12-01T03:00:00.000Z',
      lastError: 'HTTP 500',
    };
    const store = await openStore(join(dir, 'store.sqlite'));
    try {
      await store.alerts.addOutbox([resolve]);
      // A later scan listed the target again (its trigger went out and left the outbox).
      const run = { ...startedRun('2026-12-02T03:00:00.000Z-relist', '2026-12-02T03:00:00.000Z') };
      await store.startRun(run);
      await store.commitRun({
        run: { ...run, status: 'completed', endedAt: '2026-12-02T03:01:00.000Z' },
        events: [],
        states: [
          [
            listingKey(target, zone),
            {
              target,
              zone,
              status: 'listed',
              codes: ['127.0.0.2'],
              meanings: ['listed'],
              txt: [],
              listedSince: '2026-12-02T03:00:00.000Z',
              listedStreak: 1,
              cleanStreak: 0,
              updatedAt: '2026-12-02T03:00:00.000Z',
            },
          ],
        ],
        degradedZones: [],
        firstScanned: [],
      });
    } finally {
      await store.close();
    }
    const result = await runCli(['alerts', 'retry', 'old-resolve>pager', '--config', config], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('old-resolve>pager: not re-sent: listed again since');
    expect(result.stdout).toContain('0 alert(s) queued again');
    const reopened = await openStore(join(dir, 'store.sqlite'));
    try {
      const item = (await reopened.alerts.listOutbox()).find((other) => other.id === 'old-resolve>pager');
      expect(item?.status).toBe('failed');
    } finally {
      await reopened.close();
    }
  });
});
