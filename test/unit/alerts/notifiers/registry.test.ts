import { readdir } from 'node:fs/promises';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  createNotifiers,
  defineNotifiers,
  destinationMode,
  notifiers,
} from '../../../../src/alerts/notifiers/registry.ts';
import { Secret } from '../../../../src/domain/secret.ts';

/** Files in notifiers/ that are not a destination type: the port, the registry, what slack.ts and discord.ts share. */
const SUPPORT_FILES = ['chat', 'notifier', 'registry'];

describe('the notifier registry', () => {
  it('has one definition per file, and a file for every definition', async () => {
    const files = (await readdir(new URL('../../../../src/alerts/notifiers/', import.meta.url)))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
      .filter((file) => !SUPPORT_FILES.includes(file))
      .sort();
    expect(notifiers.map((definition) => definition.type).sort()).toEqual(files);
  });

  it('refuses an empty registry and a type registered twice', () => {
    expect(() => defineNotifiers([])).toThrow(/empty/);
    const [first] = notifiers;
    expect(() =>
      defineNotifiers([first as (typeof notifiers)[number], first as (typeof notifiers)[number]]),
    ).toThrow('notifier registry: name "pagerduty" is empty or registered twice');
  });

  it("builds notifiers whose delivery mode is their definition's", async () => {
    const dispatcher = new Agent();
    const poster = { platform: 'slack' as const, post: async () => {} };
    const secret = new Secret('k'.repeat(32));
    const built = createNotifiers(
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
    for (const notifier of built.values()) {
      expect(notifier.mode).toBe(destinationMode(notifier.type));
    }
    expect(
      [...built.values()].map((notifier) => `${notifier.name}:${notifier.type}:${notifier.mode}`),
    ).toEqual([
      'pd:pagerduty:per-key',
      'og:opsgenie:per-key',
      'jsm:jsm:per-key',
      'hook:webhook:grouped',
      'chan:slack:grouped',
      'noc:discord:grouped',
    ]);
    expect(() =>
      createNotifiers([{ type: 'slack', name: 'chan', channel: 'C0123456789' }], {
        http: { dispatcher, timeoutMs: 1000, clock: () => new Date() },
        chat: {},
      }),
    ).toThrow('destination chan: slack is not connected');
    expect(() =>
      createNotifiers([{ type: 'carrier-pigeon', name: 'coo' }], {
        http: { dispatcher, timeoutMs: 1000, clock: () => new Date() },
        chat: {},
      }),
    ).toThrow('destination coo: no notifier for type carrier-pigeon');
    await dispatcher.close();
  });
});
