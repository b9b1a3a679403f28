import type { Secret } from '../config/secret.ts';

/**
 * Validated destinations from `rblwatch.yml` (`destinations:`), one variant per type. URLs are already checked
 * (https, or http only for loopback or with `allowInsecure`) and defaults filled in; secrets come from the
 * environment and stay wrapped in {@link Secret}.
 */
export type DestinationConfig =
  | PagerDutyDestination
  | OpsgenieDestination
  | JsmDestination
  | WebhookDestination
  | ChatDestination;

export interface PagerDutyDestination {
  readonly type: 'pagerduty';
  readonly name: string;
  /** Events API v2 integration key (32 characters). */
  readonly routingKey: Secret;
  /** Events API v2 enqueue URL; default `https://events.pagerduty.com/v2/enqueue` (EU: events.eu.pagerduty.com). */
  readonly url: string;
}

export interface OpsgenieDestination {
  readonly type: 'opsgenie';
  readonly name: string;
  /** Integration API key, sent as `Authorization: GenieKey <key>`. */
  readonly apiKey: Secret;
  /** Alert API base; default `https://api.opsgenie.com` (`region: eu`: `https://api.eu.opsgenie.com`). */
  readonly url: string;
}

/** Jira Service Management Ops (Opsgenie's successor): the same alert model under another base URL. */
export interface JsmDestination {
  readonly type: 'jsm';
  readonly name: string;
  /** Integration API key, sent as `Authorization: GenieKey <key>`. */
  readonly apiKey: Secret;
  /** Default `https://api.atlassian.com/jsm/ops/integration`. */
  readonly url: string;
}

export interface WebhookDestination {
  readonly type: 'webhook';
  readonly name: string;
  readonly url: string;
  /** HMAC-SHA256 key for the `X-Rblwatch-Signature` header. */
  readonly secret: Secret;
}

export interface ChatDestination {
  readonly type: 'slack' | 'discord';
  readonly name: string;
  /** Slack channel id (`C0123456789`) or Discord channel id (a snowflake). */
  readonly channel: string;
}

export type DestinationType = DestinationConfig['type'];

export const destinationTypes: readonly DestinationType[] = [
  'pagerduty',
  'opsgenie',
  'jsm',
  'webhook',
  'slack',
  'discord',
];

/** Pagers get one message per alert, in order per dedup key; chat and webhooks get grouped messages. */
export function destinationMode(type: DestinationType): 'per-key' | 'grouped' {
  return type === 'pagerduty' || type === 'opsgenie' || type === 'jsm' ? 'per-key' : 'grouped';
}
