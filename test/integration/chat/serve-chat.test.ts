import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FAKE_APP_TOKEN,
  FAKE_BOT_TOKEN,
  type FakeSlack,
  slashCommandPayload,
  startFakeSlack,
} from '../../helpers/fake-slack.ts';
import { type RbldnsdServer, startRbldnsd } from '../../helpers/rbldnsd.ts';
import { startCli } from '../../helpers/serve-process.ts';
import { describeWithService, rbldnsdAvailability } from '../../helpers/services.ts';

/**
 * The whole product as a user runs it: `rblwatch serve` with the Slack bot in Socket Mode (against the fake), a
 * watched address listed on rbldnsd. The startup scan's listing must reach the channel as an alert, `/rbl status`
 * must answer, and SIGTERM must stop everything cleanly.
 */
let rbldnsd: RbldnsdServer;
let slack: FakeSlack;
let dir: string;

describeWithService(await rbldnsdAvailability(), 'serve with Slack', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-serve-chat-'));
    rbldnsd = await startRbldnsd([
      {
        name: 'bl.test',
        type: 'ip4set',
        data: ':127.0.0.2:Listed, see https://bl.test/?$\n127.0.0.2\n11.22.33.44\n',
      },
    ]);
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
    await rbldnsd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('posts the listing to the channel, answers /rbl and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const zones = join(dir, 'zones.yml');
    await writeFile(
      zones,
      'zones:\n  - { zone: bl.test, kind: ip4, severity: critical, delist: "https://bl.test/remove?ip={target}" }\n',
    );
    const config = join(dir, 'rblwatch.yml');
    await writeFile(
      config,
      [
        `store: ${join(dir, 'store.sqlite')}`,
        `resolvers: ["${rbldnsd.host}:${rbldnsd.port}"]`,
        `zones: ${zones}`,
        'schedule: "0 0 1 1 *"',
        'jitterSeconds: 0',
        'targets: [11.22.33.44, 11.22.33.45]',
        'destinations:',
        '  mail-ops: { type: slack, channel: C0MAILOPS1 }',
        // The listing is found on the target's first scan: a route must ask for those to be announced.
        'routes: [{ to: [mail-ops] }, { match: { initial: true }, to: [mail-ops] }]',
        'alerts: { groupWindow: 0s }',
        // Every second, so the test sees the scheduled report without waiting for a Monday.
        'reports: [{ schedule: "* * * * * *", to: mail-ops }]',
        '',
      ].join('\n'),
    );
    const child = startCli(['serve', '--config', config], {
      SLACK_BOT_TOKEN: FAKE_BOT_TOKEN,
      SLACK_APP_TOKEN: FAKE_APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
    });
    try {
      const isAlert = (p: { text: string }) => !p.text.includes('Blacklist report');
      await slack.waitFor(() => slack.posts.some(isAlert), 30_000);
      const post = slack.posts.find(isAlert);
      expect(post?.channel).toBe('C0MAILOPS1');
      expect(post?.text).toContain('11.22.33.44');
      expect(post?.text).toContain('bl.test');
      expect(JSON.stringify(post?.blocks)).toContain('https://bl.test/remove?ip=11.22.33.44');

      // Reports go out every second; those posted while the first scan ran do not show the listing yet.
      const isReportOfListing = (p: { text: string }) =>
        p.text.includes('Blacklist report') && p.text.includes('11.22.33.44');
      await slack.waitFor(() => slack.posts.some(isReportOfListing), 15_000);
      const report = slack.posts.find(isReportOfListing);
      expect(report?.channel).toBe('C0MAILOPS1');
      expect(report?.text).toContain('11.22.33.44');

      const response = slack.newResponseUrl();
      await slack.sendSlashCommand(
        slashCommandPayload({ text: 'status', response_url: response.url }),
        10_000,
      );
      await slack.waitFor(() => slack.responsesFor(response.id).length > 0, 15_000);
      expect(JSON.stringify(slack.responsesFor(response.id))).toContain('11.22.33.44');
    } finally {
      child.kill();
    }
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output()).not.toContain(FAKE_BOT_TOKEN);
    expect(child.output()).not.toContain(FAKE_APP_TOKEN);
    expect(slack.openSockets()).toBe(0);
  });
});
