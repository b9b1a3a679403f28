import {
  type APIActionRowComponent,
  type APIButtonComponentWithURL,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
  MessageFlags,
} from 'discord.js';
import type { Message, MessageLink, Tone } from '../../domain/message.ts';

/**
 * Discord's embed limits, in UTF-16 code units (a safe upper bound for Discord's character count).
 * @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 */
export const embedLimits = Object.freeze({ title: 256, description: 4096, footer: 2048, total: 6000 });

/** Link buttons: at most 5 per action row, 5 rows per message, labels of at most 80 characters, URLs of 512. */
export const buttonLimits = Object.freeze({ perRow: 5, rows: 5, label: 80, url: 512 });

/** Embed side colours by tone (Discord's own red, amber, green and blurple). */
export const toneColours: Readonly<Record<Tone, number>> = Object.freeze({
  danger: 0xed4245,
  warning: 0xfee75c,
  good: 0x57f287,
  neutral: 0x5865f2,
});

/**
 * A message body for discord.js (`interaction.reply`, `editReply`, `followUp`); `post()` turns it into the raw
 * REST body. `allowedMentions` is always empty, so nothing in the text can ping anyone even if escaping missed it.
 */
export interface DiscordMessagePayload {
  readonly embeds: [APIEmbed];
  readonly components?: APIActionRowComponent<APIButtonComponentWithURL>[];
  readonly allowedMentions: { readonly parse: [] };
  /** `MessageFlags.Ephemeral` unless the message says `ephemeral: false` (only meaningful for replies). */
  readonly flags?: MessageFlags.Ephemeral;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Inline markdown and mention syntax; a backslash makes Discord show any ASCII punctuation literally. */
const markdownCharacters = /[\\*_~`|<>[\]#]/g;

/** Line-start syntax: lists (`- `, `+ `, `1. `), headings and subtext (`#`, `-#`) and quotes (`>`). */
const lineStartSyntax = /^(\s*)(?:([-+])|(\d+)\.)/;

const ZERO_WIDTH_SPACE = '\u200b';

/** Drop control, zero-width and bidi-override characters (they can hide or reorder text). */
function stripUnsafe(text: string): string {
  return text.replace(unsafeCharacters, ' ');
}

/**
 * `@everyone` and `@here` get a zero-width space after the `@`. With `allowedMentions: { parse: [] }` they could
 * not ping anyway; this keeps them from even rendering as a mention.
 */
function neutraliseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZERO_WIDTH_SPACE}$1`);
}

/**
 * Escape Discord markdown in one line of plain text: inline formatting, masked links (`[x](url)`), mentions
 * (`<@id>`, `<@&role>`, `<#channel>`, `</command:id>`, `<t:…>`), headings, lists and quotes.
 */
export function escapeDiscordMarkdown(text: string): string {
  const escaped = stripUnsafe(text).replace(markdownCharacters, (c) => `\\${c}`);
  const withLineStart = escaped.replace(
    lineStartSyntax,
    (_match, space: string, bullet?: string, digits?: string) =>
      bullet ? `${space}\\${bullet}` : `${space}${digits}\\.`,
  );
  return neutraliseMentions(withLineStart);
}

/** Text in places Discord shows verbatim (footer, button labels): no markdown, so only mentions are neutralised. */
function plain(text: string): string {
  return neutraliseMentions(stripUnsafe(text).trim());
}

/** Cut to `max` code units, ending in `…`, without splitting a surrogate pair or leaving a dangling escape. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let head = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  // An odd run of trailing backslashes would escape the ellipsis and show a stray backslash.
  const trailing = /\\+$/.exec(head)?.[0].length ?? 0;
  if (trailing % 2 === 1) head = head.slice(0, -1);
  return `${head}…`;
}

function moreSuffix(hidden: number): string {
  return `… and ${hidden} more`;
}

/**
 * Join lines into at most `limit` code units. Lines that do not fit are replaced by one "… and N more" line; a
 * first line that alone is too long is cut, so something is always shown.
 */
export function fitLines(lines: readonly string[], limit: number): string {
  const full = lines.join('\n');
  if (full.length <= limit) return full;
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const candidate = i === 0 ? line : `${text}\n${line}`;
    const rest = lines.length - i - 1;
    const needed = rest > 0 ? candidate.length + 1 + moreSuffix(rest).length : candidate.length;
    if (needed <= limit) {
      text = candidate;
      continue;
    }
    if (i === 0) {
      const room = rest > 0 ? limit - 1 - moreSuffix(rest).length : limit;
      const first = cut(line, room);
      return rest > 0 ? `${first}\n${moreSuffix(rest)}` : first;
    }
    // The invariant of the previous round: `text` plus the suffix for lines i.. fits.
    return `${text}\n${moreSuffix(lines.length - i)}`;
  }
  return text;
}

function isLinkable(link: MessageLink): boolean {
  if (link.url.length > buttonLimits.url) return false;
  try {
    const url = new URL(link.url);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function buttonLabel(link: MessageLink): string {
  const label = plain(link.label);
  if (label.length > 0) return cut(label, buttonLimits.label);
  return cut(new URL(link.url).host, buttonLimits.label);
}

/**
 * Render the platform-neutral message as one Discord embed plus link buttons. Pure.
 *
 * - Title, lines and footer are cleaned of control characters; title and lines are markdown-escaped (the footer is
 *   shown verbatim by Discord, so only `@everyone`/`@here` are neutralised there).
 * - Limits: title 256, description 4096, footer 2048, all three together 6000; lines that do not fit become
 *   "… and N more".
 * - Links become link buttons, 5 per row and up to 25; anything beyond that, or a link that is not an http(s)
 *   URL Discord would accept, is listed as a text line instead, so nothing silently disappears.
 * - `allowedMentions` is always `{ parse: [] }`; `flags` is Ephemeral unless `message.ephemeral === false`.
 */
export function renderDiscordMessage(message: Message): DiscordMessagePayload {
  const links = message.links ?? [];
  const maxButtons = buttonLimits.perRow * buttonLimits.rows;
  const buttons: APIButtonComponentWithURL[] = [];
  const linkLines: string[] = [];
  for (const link of links) {
    if (buttons.length < maxButtons && isLinkable(link)) {
      buttons.push({
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: buttonLabel(link),
        url: link.url,
      });
    } else {
      linkLines.push(`${plain(link.label)}: ${link.url}`);
    }
  }

  const title = cut(escapeDiscordMarkdown(message.title).trim(), embedLimits.title);
  const footer = message.footer ? cut(plain(message.footer), embedLimits.footer) : '';
  const lines = [...message.lines, ...linkLines].map((line) => escapeDiscordMarkdown(line).trimEnd());
  const room = Math.min(embedLimits.description, embedLimits.total - title.length - footer.length);
  const description = fitLines(lines, room);

  const embed: APIEmbed = { color: toneColours[message.tone ?? 'neutral'] };
  if (title.length > 0) embed.title = title;
  if (description.trim().length > 0) embed.description = description;
  if (footer.length > 0) embed.footer = { text: footer };
  // Discord refuses an empty embed.
  if (embed.title === undefined && embed.description === undefined) embed.title = '(no content)';

  const components: APIActionRowComponent<APIButtonComponentWithURL>[] = [];
  for (let i = 0; i < buttons.length; i += buttonLimits.perRow) {
    components.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + buttonLimits.perRow) });
  }

  return {
    embeds: [embed],
    ...(components.length > 0 ? { components } : {}),
    allowedMentions: { parse: [] },
    ...(message.ephemeral === false ? {} : { flags: MessageFlags.Ephemeral }),
  };
}
