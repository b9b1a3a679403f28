/**
 * One set of command scenarios run through every chat adapter (Slack over HTTP, Slack over Socket Mode, Discord),
 * each driving the real client library against its local fake. The expectations are written once: the same
 * handler must give the same outcome on every platform.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { ChangePolicy } from '../../src/chat/permissions.ts';
import { buildCommandRegistry } from '../../src/command-api/command.ts';
import type { CheckResult } from '../../src/domain/check-result.ts';
import type { LookupService } from '../../src/domain/lookup-service.ts';
import { type CommandHarness, createCommandHarness } from '../helpers/command-harness.ts';
import type { ChatHarness, HarnessUser } from '../helpers/slack-harness.ts';

export interface ContractFixture {
  readonly harness: ChatHarness;
  /** A channel the adapter can post to. */
  readonly channel: string;
}

export type ContractFactory = (options: {
  registry: ReturnType<typeof buildCommandRegistry>;
  services: CommandHarness['services'];
  policy: ChangePolicy;
}) => Promise<ContractFixture>;

const allowed: HarnessUser = { id: 'U0ALLOWED1', name: 'ops-alice' };
const stranger: HarnessUser = { id: 'U0STRANGER', name: 'mallory' };
const LISTED = '11.22.33.44';

/** A lookup engine that lists one address on bl.test and fails loudly for one other, counting its calls. */
function scriptedLookup(calls: string[]): LookupService {
  return {
    async check(targets) {
      calls.push(...targets.map((target) => target.value));
      if (targets.some((target) => target.value === '11.22.33.66'))
        throw new Error('resolver exploded at 0xdeadbeef');
      const results = targets.map(
        (target): CheckResult => ({
          target: target.value,
          zone: 'bl.test',
          status: target.value === LISTED ? 'listed' : 'clean',
          codes: target.value === LISTED ? ['127.0.0.2'] : [],
          meanings: target.value === LISTED ? ['spam source'] : [],
          classes: target.value === LISTED ? ['listed'] : [],
          txt: target.value === LISTED ? ['Listed: <!channel> @everyone see https://bl.test/'] : [],
          severity: 'critical',
          ms: 1,
          ...(target.value === LISTED ? { delist: `https://bl.test/?ip=${LISTED}` } : {}),
        }),
      );
      return {
        results,
        zones: [{ zone: 'bl.test', health: 'ok', detail: 'test points answer' }],
        resolver: { status: 'ok', detail: '' },
      };
    },
  };
}

export function describeChatAdapter(name: string, factory: ContractFactory): void {
  describe(`chat adapter contract: ${name}`, () => {
    let commandHarness: CommandHarness;
    let fixture: ContractFixture;
    const lookups: string[] = [];
    const scans: string[] = [];

    beforeAll(async () => {
      commandHarness = await createCommandHarness({
        lookup: scriptedLookup(lookups),
        scans: {
          runNow: async (by) => {
            scans.push(by ?? '');
            return 'busy';
          },
        },
      });
      fixture = await factory({
        registry: buildCommandRegistry(commands),
        services: commandHarness.services,
        policy: { users: [allowed.id], roles: [], admins: false },
      });
    }, 60_000);

    afterAll(async () => {
      await fixture?.harness.close();
      await commandHarness?.close();
    });

    const invoke = (command: string, args: Record<string, string | boolean> = {}, user = allowed) =>
      fixture.harness.invoke(command, args, user);

    it('help lists every command, privately', async () => {
      const [reply, ...rest] = await invoke('help');
      expect(rest).toEqual([]);
      for (const command of commands) expect(reply?.text).toContain(command.name);
      expect(reply?.ephemeral).toBe(true);
    });

    it('check looks up live and answers privately with the reason and the delist link', async () => {
      const replies = await invoke('check', { targets: `${LISTED} 11.22.33.45` });
      const last = replies.at(-1);
      expect(last?.ephemeral).toBe(true);
      expect(last?.text).toContain(LISTED);
      expect(last?.text).toContain('bl.test');
      expect(last?.text).toContain('spam source');
      expect(last?.text).toContain(`https://bl.test/?ip=${LISTED}`);
      expect(lookups).toEqual([LISTED, '11.22.33.45']);
    });

    it('refuses private addresses and ranges too wide for chat without looking anything up', async () => {
      const before = lookups.length;
      const privateOne = await invoke('check', { targets: '10.1.2.3' });
      const wide = await invoke('check', { targets: '11.22.0.0/16' });
      expect(privateOne.at(-1)?.ephemeral).toBe(true);
      expect(privateOne.at(-1)?.text.toLowerCase()).toMatch(/private|reserved/);
      expect(wide.at(-1)?.text).toContain('/28');
      expect(lookups.length).toBe(before);
    });

    it('denies a change to a user who is not allowed, and changes nothing', async () => {
      const replies = await invoke('watch', { action: 'add', target: '11.22.33.0/28' }, stranger);
      expect(replies.at(-1)?.text).toContain('Not allowed');
      expect(replies.at(-1)?.ephemeral).toBe(true);
      expect(await commandHarness.store.listInventory()).toEqual([]);
    });

    it('lets an allowed user watch a range, announces it in the channel and lists it', async () => {
      const replies = await invoke('watch', { action: 'add', target: '11.22.33.0/28', team: 'mail' });
      expect(replies.at(-1)?.ephemeral).toBe(false);
      expect(replies.at(-1)?.text).toContain('11.22.33.0/28');
      const stored = await commandHarness.store.listInventory();
      expect(stored.map((entry) => [entry.target, entry.labels.team])).toEqual([['11.22.33.0/28', 'mail']]);
      expect(stored[0]?.addedBy).toContain(allowed.id);
      const watched = await invoke('watched');
      expect(watched.at(-1)?.text).toContain('11.22.33.0/28');
    });

    it('mutes and unmutes a zone for an allowed user', async () => {
      const muted = await invoke('mute', {
        subject: 'bl.test',
        duration: '2h',
        reason: 'known false positive',
      });
      expect(muted.at(-1)?.text).toContain('bl.test');
      expect(await commandHarness.services.mutes.listMutes(commandHarness.services.clock())).toHaveLength(1);
      const listed = await invoke('mutes');
      expect(listed.at(-1)?.text).toContain('known false positive');
      await invoke('unmute', { subject: 'bl.test' });
      expect(await commandHarness.services.mutes.listMutes(commandHarness.services.clock())).toHaveLength(0);
    });

    it('answers a bad duration and an unknown subject with a message, changing nothing', async () => {
      const bad = await invoke('mute', { subject: 'bl.test', duration: 'forever' });
      expect(bad.at(-1)?.text).toContain('30m');
      const unknown = await invoke('mute', { subject: 'nonexistent.example', duration: '1h' });
      expect(unknown.at(-1)?.ephemeral).toBe(true);
      expect(await commandHarness.services.mutes.listMutes(commandHarness.services.clock())).toHaveLength(0);
    });

    it('turns an internal failure into a short reply with a reference, never the detail', async () => {
      const replies = await invoke('check', { targets: '11.22.33.66' });
      const text = replies.at(-1)?.text ?? '';
      expect(text).toContain('Reference:');
      expect(text).not.toContain('0xdeadbeef');
      // And the bot still answers.
      expect((await invoke('help')).at(-1)?.text).toContain('check');
    });

    it('survives hostile arguments and keeps answering', async () => {
      const hostile = `<!channel> @everyone ${'x'.repeat(1500)} \u0000\u202e`;
      const replies = await invoke('check', { targets: hostile });
      expect(replies.at(-1)?.ephemeral).toBe(true);
      expect((await invoke('help')).at(-1)?.text).toContain('check');
    });

    it('status, history, zones and report answer from the store, the read-only ones privately', async () => {
      const status = await invoke('status', {}, stranger);
      expect(status.at(-1)?.ephemeral).toBe(true);
      expect(status.at(-1)?.text.toLowerCase()).toMatch(/listed|clean|nothing/);
      const history = await invoke('history', { target: '11.22.33.5' }, stranger);
      expect(history.at(-1)?.text).toContain('11.22.33.5');
      const zones = await invoke('zones', {}, stranger);
      expect(zones.at(-1)?.text).toContain('bl.test');
      const report = await invoke('report', {}, stranger);
      expect(report.at(-1)?.text).toContain('Blacklist report');
      expect(report.at(-1)?.ephemeral).toBe(false);
    });

    it('scan is a change: refused to a stranger, passed to the scheduler for an allowed user', async () => {
      const denied = await invoke('scan', {}, stranger);
      expect(denied.at(-1)?.text).toContain('Not allowed');
      expect(scans).toEqual([]);
      const busy = await invoke('scan');
      expect(busy.at(-1)?.text).toContain('already running');
      expect(scans).toHaveLength(1);
      expect(scans[0]).toContain(allowed.id);
    });

    it('posts alert messages to a channel', async () => {
      await fixture.harness.adapter.post(fixture.channel, {
        title: `${LISTED} listed on bl.test`,
        lines: ['spam source (127.0.0.2)'],
        links: [{ label: 'Delist', url: `https://bl.test/?ip=${LISTED}` }],
        tone: 'danger',
      });
      const posted = fixture.harness.channelMessages(fixture.channel);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.text).toContain(`${LISTED} listed on bl.test`);
      expect(posted[0]?.text).toContain(`https://bl.test/?ip=${LISTED}`);
    });
  });
}
