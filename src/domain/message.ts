/**
 * The platform-neutral message model for command replies, alerts and reports. Commands and alert rendering produce
 * it; the Slack renderer turns it into Block Kit, the Discord renderer into an embed, and {@link toPlainText} into
 * the text fallback (notifications, CLI, logs).
 *
 * Text here is plain, not markup: producers strip control characters and cap lengths, and each renderer escapes
 * its platform's markup and mentions (`<!channel>`, `@everyone`), so nothing a user or a DNSBL's TXT record
 * says can ping a channel or forge a link.
 */
export type Tone = 'danger' | 'warning' | 'good' | 'neutral';

export interface MessageLink {
  /** Button or link text, at most 75 characters (Slack's button limit). */
  readonly label: string;
  /** An https URL from the zone catalog or the configuration; never one a user typed. */
  readonly url: string;
}

export interface Message {
  readonly title: string;
  readonly lines: readonly string[];
  /** Delist pages and the like: buttons on Slack, link buttons or markdown links on Discord. */
  readonly links?: readonly MessageLink[];
  /** Colour: red for new listings, green for delistings, amber for degraded zones. */
  readonly tone?: Tone;
  /** Small print: run id, correlation id, "test alert". */
  readonly footer?: string;
  /** Visible only to the caller (the default for lookups); ignored for channel posts. */
  readonly ephemeral?: boolean;
}

/** The message as plain text: the notification fallback and what the CLI-side tests compare. */
export function toPlainText(message: Message): string {
  const parts = [message.title, ...message.lines];
  for (const link of message.links ?? []) parts.push(`${link.label}: ${link.url}`);
  if (message.footer) parts.push(message.footer);
  return parts.join('\n');
}

/** Drop control and bidi-override characters and cap the length: the first step for any untrusted text. */
export function cleanText(text: string, max = 300): string {
  const cleaned = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
