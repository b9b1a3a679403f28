import type { z } from 'zod';
import type { Delivery } from '../../domain/alert.ts';
import type { ChannelPoster } from '../../domain/channel-poster.ts';
import type { Secret } from '../../domain/secret.ts';
import type { HttpNotifierDeps } from '../http-post.ts';

/**
 * `per-key`: one delivery per alert, sent in order per dedup key (pagers: a trigger before its resolve).
 * `grouped`: alerts of the same kind arriving within the grouping window become one delivery (chat, webhooks).
 */
export type NotifierMode = 'per-key' | 'grouped';

/**
 * The notifier port: one configured destination (a PagerDuty service, a webhook, a Slack channel).
 *
 * `send` either resolves (the service accepted the message) or throws a {@link DeliveryError} saying whether a
 * retry can help. It never retries on its own: the outbox owns retries, backoff and the give-up horizon, so a
 * notifier stays a thin, testable translation.
 */
export interface Notifier {
  /** The destination's name in `rblwatch.yml`. */
  readonly name: string;
  /** The destination type (`pagerduty`, `webhook`, ...). */
  readonly type: string;
  readonly mode: NotifierMode;
  send(delivery: Delivery, signal?: AbortSignal): Promise<void>;
}

/** What every validated destination has: its type and its name in `rblwatch.yml` (`destinations.<name>`). */
export interface DestinationBase {
  readonly type: string;
  readonly name: string;
}

/** What notifiers are built with: HTTP for the paging services and webhooks, the chat adapters for channels. */
export interface NotifierDeps {
  readonly http: HttpNotifierDeps;
  /** The chat platforms this process is connected to, by name (`slack`, `discord`). */
  readonly chat: Readonly<Record<string, ChannelPoster | undefined>>;
}

/**
 * What a definition's {@link NotifierDefinition.resolve} can ask of the configuration while it checks one
 * destination. Every problem is recorded against the destination's field, so the start is refused with all of
 * them named; nothing is ever skipped silently.
 */
export interface DestinationContext {
  /** The destination's name in `rblwatch.yml`. */
  readonly name: string;
  /**
   * The secret in `field`. It must be written as one `${VAR}` reference: a credential typed into the file is
   * refused (files get copied and committed), and so `undefined` comes back after a problem is recorded.
   */
  secret(field: string): Secret | undefined;
  /**
   * The endpoint: `url` as written, else `fallback`, checked (https, or http only to loopback or with
   * `allowInsecure: true`) and without a trailing slash; `undefined` after a recorded problem, or with neither.
   */
  url(fallback?: string): string | undefined;
  /** Records a problem with `field` of this destination (or with the destination as a whole). */
  problem(field: string | undefined, message: string): void;
}

/**
 * One destination type: how it is written in `rblwatch.yml`, how it is checked, and how its notifier is built.
 * Each file in this folder exports one (`satisfies NotifierDefinition<...>`) and `registry.ts` lists them; the
 * config's `destinations` schema, the delivery mode of each destination, `rblwatch alerts test` and the README's
 * table of destination types are all derived from that list.
 */
export interface NotifierDefinition<
  Schema extends z.ZodObject = z.ZodObject,
  Config extends DestinationBase = DestinationBase,
> {
  /** `type:` in the config; lowercase, unique in the registry. */
  readonly type: string;
  readonly mode: NotifierMode;
  /** One sentence for the README's table of destination types. */
  readonly description: string;
  /** The destination as written, `type` included (a literal); strict, so unknown keys are refused. */
  readonly configSchema: Schema;
  /**
   * The chat platform the destination posts through (`slack`): it needs that platform's credentials to be
   * configured, is sent only by a process connected to it (`serve`), and is tested from chat, not by `alerts test`.
   */
  readonly platform?: string;
  /** What the schema cannot check on its own (secrets, URLs, key lengths); `undefined` after recorded problems. */
  resolve(spec: z.output<Schema>, context: DestinationContext): Config | undefined;
  /** Builds the destination's notifier. Throws a coded error if it cannot be built (a chat platform not connected). */
  create(config: Config, deps: NotifierDeps): Notifier;
}

/** The notifier for `config` of `definition`'s type: name, type and mode come from the definition, never retyped. */
export function notifierOf(
  definition: Pick<NotifierDefinition, 'type' | 'mode'>,
  config: DestinationBase,
  send: Notifier['send'],
): Notifier {
  return { name: config.name, type: definition.type, mode: definition.mode, send };
}
