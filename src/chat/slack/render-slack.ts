import type { types } from '@slack/bolt';
import type { Message, MessageLink, Tone } from '../../domain/message.ts';

/**
 * Block Kit rendering of the platform-neutral {@link Message}.
 *
 * Every piece of text is untrusted (DNS TXT records, what a user typed), so all of it goes through
 * {@link escapeMrkdwn}: `&`, `<` and `>` become entities, which makes `<!channel>`, `<@U1>` and forged
 * `<https://evil|bank>` links inert, and the bare mention keywords (`@here`, `@channel`, `@everyone`) get a
 * zero-width space after the `@`. Text objects are `verbatim`, so Slack does not auto-link or parse mentions either.
 * Tone is shown as an emoji before the title (no legacy attachment colour bar), the same for replies and posts.
 *
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 * @see https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 */

export type SlackBlock = types.SectionBlock | types.ContextBlock | types.ActionsBlock;

export interface SlackRendered {
  /** Plain fallback for notifications and screen readers (also mrkdwn-escaped; Slack parses it too). */
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/** Slack's limits for the blocks used here. */
export const SLACK_LIMITS = Object.freeze({
  /** Blocks per message. */
  blocks: 50,
  /** Characters in one section's text object. */
  sectionText: 3_000,
  /** Characters in a button label. */
  buttonLabel: 75,
  /** Characters in a button URL. */
  buttonUrl: 3_000,
  /** Elements in one actions block. */
  actionsElements: 25,
});

/** Longest title shown; a title is a headline, not a place for data. */
const MAX_TITLE = 200;
const MAX_FOOTER = 300;
/** Longest notification fallback; Slack shows only the start of it anyway. */
const MAX_FALLBACK = 3_000;

/** Block ids, stable so tests and later updates can find each part. */
export const SLACK_BLOCK_IDS = Object.freeze({
  title: 'rblwatch-title',
  lines: 'rblwatch-lines-',
  links: 'rblwatch-links',
  footer: 'rblwatch-footer',
});

/** The emoji shown before the title for each tone; neutral has none. */
export const TONE_EMOJI: Readonly<Record<Tone, string>> = Object.freeze({
  danger: ':red_circle:',
  warning: ':warning:',
  good: ':large_green_circle:',
  neutral: '',
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const controlChars = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters out (tabs become spaces, newlines stay), mention keywords broken. */
function sanitize(text: string): string {
  return text
    .replace(/\t/g, ' ')
    .replace(controlChars, ' ')
    .replace(/@(here|channel|everyone)\b/gi, '@\u200b$1');
}

function entities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Make untrusted text safe inside Slack mrkdwn: drop control and bidi-override characters (tabs become spaces),
 * escape the three control characters and break the bare mention keywords. Newlines are kept.
 */
export function escapeMrkdwn(text: string): string {
  return entities(sanitize(text));
}

/** Plain text for `plain_text` objects (button labels): control characters dropped, on one line. */
function plain(text: string): string {
  return text.replace(/[\r\n\t]/g, ' ').replace(controlChars, ' ');
}

/** Cut raw text so that its escaped form fits in `max` characters, ending with `…` when cut. */
export function escapeWithin(raw: string, max: number): string {
  const clean = sanitize(raw);
  const escaped = entities(clean);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of clean) {
    const next = entities(char);
    if (out.length + next.length > max - 1) break;
    out += next;
  }
  return `${out}…`;
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function isButtonUrl(url: string): boolean {
  if (url.length > SLACK_LIMITS.buttonUrl) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

function titleText(message: Message): string {
  const title = message.title.replace(/[\r\n]+/g, ' ').trim() || 'rblwatch';
  const emoji = TONE_EMOJI[message.tone ?? 'neutral'];
  const bold = `*${escapeWithin(title, MAX_TITLE)}*`;
  return emoji ? `${emoji} ${bold}` : bold;
}

/**
 * Pack escaped lines into section texts of at most 3,000 characters, using at most `maxSections` sections.
 * Lines that do not fit are dropped and counted in a final "… and N more" line.
 */
function packLines(lines: readonly string[], maxSections: number): string[] {
  const max = SLACK_LIMITS.sectionText;
  const escaped = lines.map((line) => escapeWithin(line, max));
  const chunks: string[][] = [];
  const lengths: number[] = [];
  let placed = 0;
  for (const line of escaped) {
    const last = chunks.at(-1);
    const lastLength = lengths.at(-1) ?? 0;
    if (last && lastLength + 1 + line.length <= max) {
      last.push(line);
      lengths[lengths.length - 1] = lastLength + 1 + line.length;
    } else if (chunks.length < maxSections) {
      chunks.push([line]);
      lengths.push(line.length);
    } else {
      break;
    }
    placed++;
  }
  let omitted = escaped.length - placed;
  if (omitted > 0 && chunks.length > 0) {
    const last = chunks[chunks.length - 1] as string[];
    let length = lengths[lengths.length - 1] as number;
    // Make room for the marker in the last section, giving up lines from its end if needed.
    while (last.length > 0 && length + `\n… and ${omitted + 1} more`.length > max) {
      const removed = last.pop() as string;
      length -= removed.length + (last.length > 0 ? 1 : 0);
      omitted++;
    }
    last.push(`… and ${omitted} more`);
  }
  return chunks.map((chunk) => chunk.join('\n')).filter((text) => text.trim().length > 0);
}

function linkButtons(links: readonly MessageLink[]): {
  buttons: types.Button[];
  asText: string[];
} {
  const buttons: types.Button[] = [];
  const asText: string[] = [];
  for (const link of links) {
    if (buttons.length < SLACK_LIMITS.actionsElements && isButtonUrl(link.url)) {
      buttons.push({
        type: 'button',
        action_id: `rblwatch-link-${buttons.length}`,
        text: {
          type: 'plain_text',
          text: cut(plain(link.label).trim() || link.url, SLACK_LIMITS.buttonLabel),
          emoji: true,
        },
        url: link.url,
      });
    } else {
      asText.push(`${link.label}: ${link.url}`);
    }
  }
  return { buttons, asText };
}

function fallbackText(message: Message): string {
  const emoji = TONE_EMOJI[message.tone ?? 'neutral'];
  const parts = [`${emoji ? `${emoji} ` : ''}${message.title}`, ...message.lines];
  for (const link of message.links ?? []) parts.push(`${link.label}: ${link.url}`);
  if (message.footer) parts.push(message.footer);
  return escapeWithin(parts.join('\n'), MAX_FALLBACK);
}

/**
 * Render a message as Block Kit: a title section (tone emoji + bold title), sections with the lines (packed up to
 * 3,000 characters each, within the 50-block limit, ending in "… and N more" when cut), an actions block with URL
 * buttons for the links (up to 25; others and non-http(s) URLs become text lines) and a context block for the
 * footer. Pure: no I/O, deterministic.
 */
export function renderSlackMessage(message: Message): SlackRendered {
  const { buttons, asText } = linkButtons(message.links ?? []);
  const footer = message.footer?.trim() ? message.footer : undefined;
  const fixedBlocks = 1 + (buttons.length > 0 ? 1 : 0) + (footer ? 1 : 0);
  const sections = packLines([...message.lines, ...asText], SLACK_LIMITS.blocks - fixedBlocks);

  const blocks: SlackBlock[] = [
    {
      type: 'section',
      block_id: SLACK_BLOCK_IDS.title,
      text: { type: 'mrkdwn', text: titleText(message), verbatim: true },
    },
  ];
  sections.forEach((text, i) => {
    blocks.push({
      type: 'section',
      block_id: `${SLACK_BLOCK_IDS.lines}${i}`,
      text: { type: 'mrkdwn', text, verbatim: true },
    });
  });
  if (buttons.length > 0) {
    blocks.push({ type: 'actions', block_id: SLACK_BLOCK_IDS.links, elements: buttons });
  }
  if (footer) {
    blocks.push({
      type: 'context',
      block_id: SLACK_BLOCK_IDS.footer,
      elements: [
        { type: 'mrkdwn', text: escapeWithin(footer.replace(/[\r\n]+/g, ' '), MAX_FOOTER), verbatim: true },
      ],
    });
  }
  return { text: fallbackText(message), blocks };
}
