import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commands } from '../../../commands/index.ts';
import { buildCommandRegistry, type CommandServices } from '../../../src/command-api/command.ts';
import { createZoneService } from '../../../src/command-api/zone-service.ts';
import type { ListingRepository } from '../../../src/store/listing-repository.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { testZones } from '../../helpers/command-harness.ts';
import { createDiscordHarness, type DiscordHarness } from '../../helpers/discord-harness.ts';
import { createSlackHarness, type HarnessUser, type SlackHarness } from '../../helpers/slack-harness.ts';
import { startTsxChild } from '../../helpers/tsx-child.ts';

/**
 * The event loop never blocks on the store: with another process holding the SQLite write lock for 4 s, a
 * `/rbl watch add` arriving on Slack and on Discord is acknowledged within the platforms' 3 s (Slack's ack, Discord's
 * defer), and each user is then told the outcome once the write has gone through. The real Bolt and discord.js
 * clients run against the local fakes.
 */
const CHILD = fileURLToPath(new URL('../store/sqlite-child.ts', import.meta.url));
const HOLD_MS = 6_000;
const alice: HarnessUser = { id: 'U0ALICE001', name: 'alice' };

let dir: string;
let store: ListingRepository;
let slack: SlackHarness;
let discord: DiscordHarness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-store-lock-'));
  store = await openStore(join(dir, 'rblwatch.sqlite'));
  const services: CommandServices = {
    lookup: { check: () => Promise.reject(new Error('no lookups in this test')) },
    store,
    zones: createZoneService({
      zones: testZones,
      repo: store,
      probe: async () => testZones.map((zone) => ({ zone: zone.zone, health: 'ok' as const, detail: '' })),
    }),
    mutes: store.alerts,
    clock: () => new Date(),
  };
  const options = {
    registry: buildCommandRegistry(commands),
    services,
    policy: { users: [alice.id], roles: [], admins: false },
  };
  slack = await createSlackHarness({ ...options, mode: 'socket' });
  discord = await createDiscordHarness(options);
}, 60_000);

afterAll(async () => {
  await slack?.close();
  await discord?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('acks and defers in time while another process holds the SQLite write lock, then tells the outcome', {
  timeout: 60_000,
}, async () => {
  const holder = startTsxChild(CHILD, ['hold-lock', join(dir, 'rblwatch.sqlite'), String(HOLD_MS)]);
  try {
    await holder.waitForLine(/^locked$/);
    const lockedAt = performance.now();
    const [fromSlack, fromDiscord] = await Promise.all([
      slack.invoke('watch', { action: 'add', target: '11.22.33.7' }, alice),
      discord.invoke('watch', { action: 'add', target: '11.22.33.8' }, alice),
    ]);

    // Slack: the envelope was acked at once, not after the lock.
    const acks = slack.fake.acks;
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(slack.fake.ackAfterMs(ack.envelope_id)).toBeLessThan(3_000);
    // Discord: the interaction was answered (deferred) before its 3 s expiry.
    const record = discord.fake.interaction(discord.lastInteractionId() ?? '');
    expect(record?.callbackAfterMs[0]).toBeLessThan(3_000);

    // The commands really met the lock: they arrived early enough that the platforms' whole 3 s answer window fell
    // inside it, and (SQLite allows no other order) their writes went through only once it was released.
    const record2 = discord.fake.interaction(discord.lastInteractionId() ?? '');
    expect((record2?.sentAt ?? Number.POSITIVE_INFINITY) - lockedAt).toBeLessThan(HOLD_MS - 3_000);
    // Both users were told what happened once the write went through.
    expect(fromSlack.at(-1)?.text).toContain('11.22.33.7');
    expect(fromSlack.at(-1)?.ephemeral).toBe(false);
    expect(fromSlack.at(-1)?.text).not.toMatch(/Reference|went wrong/);
    expect(fromDiscord.at(-1)?.text).toContain('11.22.33.8');
    expect(fromDiscord.at(-1)?.text).not.toMatch(/Reference|went wrong/);
    const watched = (await store.listInventory()).map((entry) => entry.target).sort();
    expect(watched).toEqual(['11.22.33.7', '11.22.33.8']);
  } finally {
    await holder.exited;
  }
});
