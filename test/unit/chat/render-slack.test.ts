import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  renderSlackMessage,
  SLACK_BLOCK_IDS,
  SLACK_LIMITS,
  type SlackBlock,
} from '../../../src/chat/slack/render-slack.ts';
import type { Message } from '../../../src/domain/message.ts';

function sectionTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks
    .filter((b): b is Extract<SlackBlock, { type: 'section' }> => b.type === 'section')
    .filter((b) => b.block_id?.startsWith(SLACK_BLOCK_IDS.lines))
    .map((b) => b.text?.text ?? '');
}

function allMrkdwn(blocks: readonly SlackBlock[]): { text: string; verbatim?: boolean }[] {
  const out: { text: string; verbatim?: boolean }[] = [];
  for (const block of blocks) {
    if (block.type === 'section' && block.text?.type === 'mrkdwn') out.push(block.text);
    if (block.type === 'context') {
      for (const element of block.elements) if (element.type === 'mrkdwn') out.push(element);
    }
  }
  return out;
}

describe('renderSlackMessage', () => {
  it('renders title with tone, lines, link buttons and footer as Block Kit', () => {
    const message: Message = {
      title: '1 listing found',
      lines: ['LISTED 192.0.2.1 on bl.test: spam source', '0 listed elsewhere'],
      links: [{ label: 'Delist on bl.test', url: 'https://bl.test/?ip=192.0.2.1' }],
      tone: 'danger',
      footer: 'run 2026-12-01T12:00Z',
    };
    const { text, blocks } = renderSlackMessage(message);
    expect(blocks).toEqual([
      {
        type: 'section',
        block_id: 'rblwatch-title',
        text: { type: 'mrkdwn', text: ':red_circle: *1 listing found*', verbatim: true },
      },
      {
        type: 'section',
        block_id: 'rblwatch-lines-0',
        text: {
          type: 'mrkdwn',
          text: 'LISTED 192.0.2.1 on bl.test: spam source\n0 listed elsewhere',
          verbatim: true,
        },
      },
      {
        type: 'actions',
        block_id: 'rblwatch-links',
        elements: [
          {
            type: 'button',
            action_id: 'rblwatch-link-0',
            text: { type: 'plain_text', text: 'Delist on bl.test', emoji: true },
            url: 'https://bl.test/?ip=192.0.2.1',
          },
        ],
      },
      {
        type: 'context',
        block_id: 'rblwatch-footer',
        elements: [{ type: 'mrkdwn', text: 'run 2026-12-01T12:00Z', verbatim: true }],
      },
    ]);
    expect(text).toBe(
      ':red_circle: 1 listing found\nLISTED 192.0.2.1 on bl.test: spam source\n0 listed elsewhere\n' +
        'Delist on bl.test: https://bl.test/?ip=192.0.2.1\nrun 2026-12-01T12:00Z',
    );
  });

  it('shows each tone as an emoji and neutral or no tone without one', () => {
    const title = (tone?: Message['tone']) =>
      (
        renderSlackMessage({ title: 'T', lines: [], ...(tone ? { tone } : {}) }).blocks[0] as {
          text: { text: string };
        }
      ).text.text;
    expect(title('danger')).toBe(':red_circle: *T*');
    expect(title('warning')).toBe(':warning: *T*');
    expect(title('good')).toBe(':large_green_circle: *T*');
    expect(title('neutral')).toBe('*T*');
    expect(title()).toBe('*T*');
  });

  it('makes mentions, broadcasts and forged links in untrusted text inert', () => {
    const hostile =
      '<!channel> <@U0ADMIN> <!subteam^S1> <https://evil.example|your bank> a & b @here @everyone';
    const { text, blocks } = renderSlackMessage({
      title: `<!here> ${hostile}`,
      lines: [hostile],
      footer: hostile,
    });
    const texts = [text, ...allMrkdwn(blocks).map((t) => t.text)];
    for (const t of texts) {
      expect(t).not.toMatch(/<[!@#]/);
      expect(t).not.toContain('<https');
      expect(t).not.toMatch(/@(here|channel|everyone)/);
      expect(t).toContain('&lt;!channel&gt;');
      expect(t).toContain('a &amp; b');
    }
    for (const t of allMrkdwn(blocks)) expect(t.verbatim).toBe(true);
  });

  it('drops control and bidi characters but keeps the text readable', () => {
    const { blocks } = renderSlackMessage({ title: 'x', lines: ['evil\u0000\u001b[2J\u202egro\tend'] });
    expect(sectionTexts(blocks)).toEqual(['evil  [2J gro end']);
    expect(escapeMrkdwn('a\u0007b')).toBe('a b');
  });

  it('packs lines into sections of at most 3,000 characters and at most 50 blocks, then says how many were left', () => {
    const lines = Array.from(
      { length: 2_000 },
      (_, i) => `LISTED 192.0.2.${i % 256} on zone-${i}.test: ${'x'.repeat(80)}`,
    );
    const { blocks } = renderSlackMessage({
      title: 'Many',
      lines,
      links: [{ label: 'a', url: 'https://a.test' }],
      footer: 'f',
    });
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const sections = sectionTexts(blocks);
    for (const section of sections) expect(section.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const shown = sections.join('\n').split('\n');
    const marker = shown.at(-1) ?? '';
    const omitted = Number(/^… and (\d+) more$/.exec(marker)?.[1]);
    expect(omitted).toBeGreaterThan(0);
    expect(shown.length - 1 + omitted).toBe(lines.length);
    // The links and footer still come after the lines.
    expect(blocks.at(-2)?.type).toBe('actions');
    expect(blocks.at(-1)?.type).toBe('context');
  });

  it('cuts one oversized line without splitting an escape', () => {
    const { blocks } = renderSlackMessage({ title: 't', lines: ['<'.repeat(5_000)] });
    const [section] = sectionTexts(blocks);
    expect(section?.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(section).toMatch(/^(&lt;)+…$/);
  });

  it('keeps labels within 75 characters and turns extra or unsafe links into text lines', () => {
    const links = [
      { label: 'L'.repeat(100), url: 'https://ok.test/long' },
      { label: 'script', url: 'javascript:alert(1)' },
      ...Array.from({ length: 30 }, (_, i) => ({ label: `Delist ${i}`, url: `https://bl${i}.test/` })),
    ];
    const { blocks } = renderSlackMessage({ title: 't', lines: [], links });
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements.length).toBe(SLACK_LIMITS.actionsElements);
    const first = actions?.type === 'actions' ? actions.elements[0] : undefined;
    expect(first?.type === 'button' && first.text.text.length).toBe(SLACK_LIMITS.buttonLabel);
    const texts = sectionTexts(blocks).join('\n');
    expect(texts).toContain('script: javascript:alert(1)');
    expect(texts).toContain('Delist 29: https://bl29.test/');
    expect(JSON.stringify(actions)).not.toContain('javascript:');
  });

  it('never produces an empty text object', () => {
    const { blocks, text } = renderSlackMessage({ title: '  ', lines: ['', '   '], footer: ' ' });
    expect(blocks).toHaveLength(1);
    expect((blocks[0] as { text: { text: string } }).text.text).toBe('*rblwatch*');
    expect(text.length).toBeGreaterThan(0);
  });

  it('caps the notification fallback', () => {
    const { text } = renderSlackMessage({
      title: 't',
      lines: Array.from({ length: 500 }, () => 'y'.repeat(100)),
    });
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text.endsWith('…')).toBe(true);
  });
});
