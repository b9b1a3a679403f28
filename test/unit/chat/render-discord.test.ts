import { describe, expect, it } from 'vitest';
import {
  embedLimits,
  escapeDiscordMarkdown,
  fitLines,
  renderDiscordMessage,
  toneColours,
} from '../../../src/chat/discord/render-discord.ts';
import type { Message } from '../../../src/domain/message.ts';

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function embedOf(message: Message) {
  const payload = renderDiscordMessage(message);
  return { payload, embed: payload.embeds[0] };
}

describe('renderDiscordMessage', () => {
  it('renders title, lines, footer, tone colour and link buttons', () => {
    const payload = renderDiscordMessage({
      title: '1 listing found',
      lines: ['LISTED 203.0.113.7 on bl.test', '0 unknown'],
      links: [{ label: 'Delist 203.0.113.7', url: 'https://bl.test/?ip=203.0.113.7' }],
      tone: 'danger',
      footer: 'run 2026-01-01',
    });
    expect(payload).toEqual({
      embeds: [
        {
          color: toneColours.danger,
          title: '1 listing found',
          description: 'LISTED 203.0.113.7 on bl.test\n0 unknown',
          footer: { text: 'run 2026-01-01' },
        },
      ],
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 5, label: 'Delist 203.0.113.7', url: 'https://bl.test/?ip=203.0.113.7' },
          ],
        },
      ],
      allowedMentions: { parse: [] },
      flags: 64,
    });
  });

  it('is ephemeral unless the message says ephemeral: false, and neutral without a tone', () => {
    expect(renderDiscordMessage({ title: 't', lines: [] }).flags).toBe(64);
    expect(renderDiscordMessage({ title: 't', lines: [], ephemeral: true }).flags).toBe(64);
    const open = renderDiscordMessage({ title: 't', lines: [], ephemeral: false });
    expect(open.flags).toBeUndefined();
    expect(open.embeds[0].color).toBe(toneColours.neutral);
    expect(open.components).toBeUndefined();
  });

  it('never renders an empty embed', () => {
    expect(renderDiscordMessage({ title: '', lines: [] }).embeds[0].title).toBe('(no content)');
    expect(renderDiscordMessage({ title: '\u0000', lines: ['   '] }).embeds[0].title).toBe('(no content)');
  });

  it('puts 5 buttons per row, at most 25, and lists the rest (and unusable URLs) as text', () => {
    const links = Array.from({ length: 28 }, (_, i) => ({ label: `zone ${i}`, url: `https://z${i}.test/` }));
    links.push({ label: 'not a url', url: 'javascript:alert(1)' });
    const payload = renderDiscordMessage({ title: 't', lines: ['first'], links });
    expect(payload.components?.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 5]);
    expect(payload.embeds[0].description).toBe(
      [
        'first',
        'zone 25: https://z25.test/',
        'zone 26: https://z26.test/',
        'zone 27: https://z27.test/',
        'not a url: javascript:alert(1)',
      ].join('\n'),
    );
  });

  it('cuts button labels to 80 characters and falls back to the host for an empty label', () => {
    const payload = renderDiscordMessage({
      title: 't',
      lines: [],
      links: [
        { label: 'L'.repeat(200), url: 'https://a.test/x' },
        { label: ' \u0000 ', url: 'https://b.test/y' },
      ],
    });
    const [long, empty] = payload.components?.[0]?.components ?? [];
    expect(long?.label).toHaveLength(80);
    expect(long?.label?.endsWith('…')).toBe(true);
    expect(empty?.label).toBe('b.test');
  });

  it('escapes markdown, masked links and mentions; neutralises @everyone and @here', () => {
    const { embed } = embedOf({
      title: '**title** @everyone',
      lines: [
        '<@&123> <@42> <#7> </rbl check:1> <t:1700000000>',
        '[click](https://evil.example) `x` ||s|| ~~y~~ _i_ \\',
      ],
      footer: '@here footer *stays*',
    });
    expect(embed.title).toBe('\\*\\*title\\*\\* @\u200beveryone');
    expect(embed.description).toBe(
      [
        '\\<@&123\\> \\<@42\\> \\<\\#7\\> \\</rbl check:1\\> \\<t:1700000000\\>',
        '\\[click\\](https://evil.example) \\`x\\` \\|\\|s\\|\\| \\~\\~y\\~\\~ \\_i\\_ \\\\',
      ].join('\n'),
    );
    // The footer is shown verbatim (no markdown there), so only the mention is neutralised.
    expect(embed.footer?.text).toBe('@\u200bhere footer *stays*');
  });

  it('escapes line-start syntax: headings, lists, quotes and subtext', () => {
    expect(escapeDiscordMarkdown('# big')).toBe('\\# big');
    expect(escapeDiscordMarkdown('-# small')).toBe('\\-\\# small');
    expect(escapeDiscordMarkdown('- item')).toBe('\\- item');
    expect(escapeDiscordMarkdown('  + item')).toBe('  \\+ item');
    expect(escapeDiscordMarkdown('12. item')).toBe('12\\. item');
    expect(escapeDiscordMarkdown('>>> quote')).toBe('\\>\\>\\> quote');
    expect(escapeDiscordMarkdown('a - b 1. c')).toBe('a - b 1. c');
  });

  it('drops control, zero-width and bidi characters, so one line stays one line', () => {
    const { embed } = embedOf({ title: 'a\u0000b\u202ec', lines: ['x\ny\rz\u200b\u2066w\u001b[2J'] });
    expect(embed.title).toBe('a b c');
    expect(embed.description).toBe('x y z  w \\[2J');
  });

  it('keeps the title to 256 and the description to 4096 characters', () => {
    const { embed } = embedOf({ title: 'T'.repeat(1000), lines: ['D'.repeat(6000)] });
    expect(embed.title).toHaveLength(256);
    expect(embed.title?.endsWith('…')).toBe(true);
    expect(embed.description).toHaveLength(4096);
    expect(embed.description?.endsWith('…')).toBe(true);
  });

  it('replaces the lines that do not fit with "… and N more"', () => {
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}`,
    );
    const { embed } = embedOf({ title: 'many', lines });
    const description = embed.description ?? '';
    expect(description.length).toBeLessThanOrEqual(embedLimits.description);
    const shown = description.split('\n');
    const last = shown.pop();
    expect(last).toBe(`… and ${1000 - shown.length} more`);
    expect(shown.at(-1)).toBe(lines[shown.length - 1]);
  });

  it('keeps title + description + footer within 6000 characters', () => {
    const { embed } = embedOf({
      title: 'T'.repeat(300),
      lines: ['D'.repeat(5000)],
      footer: 'F'.repeat(3000),
    });
    const total =
      (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0);
    expect(embed.footer?.text).toHaveLength(embedLimits.footer);
    expect(total).toBeLessThanOrEqual(embedLimits.total);
    expect(embed.description?.length).toBe(embedLimits.total - 256 - embedLimits.footer);
  });

  it('never splits a surrogate pair or leaves an escape dangling when it cuts', () => {
    const { embed } = embedOf({ title: '😀'.repeat(300), lines: ['😀'.repeat(3000)] });
    expect(embed.title).not.toMatch(loneSurrogate);
    expect(embed.description).not.toMatch(loneSurrogate);
    const escapes = embedOf({ title: '*'.repeat(300), lines: [] }).embed.title ?? '';
    expect(escapes.length).toBeLessThanOrEqual(256);
    expect(escapes).toMatch(/^(\\\*)+…$/);
  });
});

describe('fitLines', () => {
  it('returns everything when it fits', () => {
    expect(fitLines(['a', 'b'], 3)).toBe('a\nb');
  });

  it('counts the hidden lines', () => {
    const text = fitLines(['aaaa', 'bbbb', 'cccc', 'dddd'], 4 + 1 + '… and 3 more'.length);
    expect(text).toBe('aaaa\n… and 3 more');
  });

  it('cuts a first line that alone is too long and still counts the rest', () => {
    const text = fitLines(['x'.repeat(100), 'y'], 30);
    expect(text.length).toBeLessThanOrEqual(30);
    expect(text).toMatch(/^x+…\n… and 1 more$/);
  });
});
