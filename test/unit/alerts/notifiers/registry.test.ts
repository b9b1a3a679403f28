import { readdir } from 'node:fs/promises';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { destinationMode, destinationTypes } from '../../../../src/alerts/destinations.ts';
import { createNotifiers, notifierFactories } from '../../../../src/alerts/notifiers/index.ts';
import { Secret } from '../../../../src/config/secret.ts';

describe('the notifier registry', () => {
  it('has one factory per destination type and one file per notifier', async () => {
    expect(Object.keys(notifierFactories).sort()).toEqual([...destinationTypes].sort());
    const files = (await readdir(new URL('../../../../src/alerts/notifiers/', import.meta.url)))
      .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && file !== 'notifier.ts')
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    // Slack and Discord share chat.ts; every other type has its own file.
    expect(files).toEqual(['chat', 'jsm', 'opsgenie', 'pagerduty', 'webhook']);
  });

  it("builds notifiers whose delivery mode matches the destination type's", async () => {
    const dispatcher = new Agent();
    const poster = { platform: 'slack' as const, post: async () => {} };
    const secret = new Secret('k'.repeat(32));
    const notifiers = createNotifiers(
      [
        { type: 'pagerduty', name: 'pd', routingKey: secret, url: 'https://events.pagerduty.com/v2/enqueue' },
        { type: 'opsgenie', name: 'og', apiKey: secret, url: 'https://api.opsgenie.com' },
        { type: 'jsm', name: 'jsm', apiKey: secret, url: 'https://api.atlassian.com/jsm/ops/integration' },
        { type: 'webhook', name: 'hook', url: 'https://hooks.example.net/', secret },
        { type: 'slack', name: 'chan', channel: 'C0123456789' },
        { type: 'discord', name: 'noc', channel: '112233445566778899' },
      ],
      {
        http: { dispatcher, timeoutMs: 1000, clock: () => new Date() },
        chat: { slack: poster, discord: { ...poster, platform: 'discord' } },
      },
    );
    for (const notifier of notifiers.values()) {
      expect(notifier.mode).toBe(destinationMode(notifier.type as never));
    }
    expect(notifiers.size).toBe(6);
    expect(() =>
      createNotifiers([{ type: 'slack', name: 'chan', channel: 'C0123456789' }], {
        http: { dispatcher, timeoutMs: 1000, clock: () => new Date() },
        chat: {},
      }),
    ).toThrow('destination chan: slack is not connected');
    await dispatcher.close();
  });
});
