/**
 * PagerDuty Events API v2: one trigger per new listing, one resolve per confirmed delisting, tied together by the
 * dedup key, so a listing is one incident however often it is re-sent.
 * @see https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */

import { type Alert, alertFieldsOf, type Delivery, evidenceOf, type Signal } from '../../domain/alert.ts';
import type { Labels } from '../../domain/inventory.ts';
import { cleanText } from '../../domain/message.ts';
import type { Secret } from '../../domain/secret.ts';
import type { Severity } from '../../domain/zone.ts';
import { alertSummary, isHttpsUrl, isTestDelivery } from '../../render/alert-message.ts';
import { httpDestinationSchema, secretField } from '../destination-fields.ts';
import { type HttpNotifierDeps, postJson } from '../http-post.ts';
import { dedupKeyOf, singleAlert } from '../per-key-delivery.ts';
import { type DestinationBase, type Notifier, type NotifierDefinition, notifierOf } from './notifier.ts';

export interface PagerDutyDestination extends DestinationBase {
  readonly type: 'pagerduty';
  /** Events API v2 integration key (32 characters). */
  readonly routingKey: Secret;
  /** Events API v2 enqueue URL; default `https://events.pagerduty.com/v2/enqueue` (EU: events.eu.pagerduty.com). */
  readonly url: string;
}

/** The Events API v2 endpoint (US service region; EU accounts set `url: https://events.eu.pagerduty.com/...`). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** Events API v2 integration keys are 32 characters. */
const ROUTING_KEY_LENGTH = 32;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyCustomDetails {
  readonly kind: Signal['kind'];
  readonly codes: readonly string[];
  readonly meanings: readonly string[];
  readonly txt: readonly string[];
  readonly detail?: string;
  readonly first_seen?: string;
  readonly initial?: boolean;
  readonly scan_id?: string;
  readonly entry?: string;
  readonly labels?: Labels;
  readonly alert_id: string;
  readonly test?: boolean;
}

export interface PagerDutyTriggerEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp: string;
    readonly component?: string;
    readonly group?: string;
    readonly class: string;
    readonly custom_details: PagerDutyCustomDetails;
  };
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  readonly client: 'rblwatch';
}

/** PagerDuty's docs: a resolve needs only the routing key and the dedup key of the trigger. */
export interface PagerDutyResolveEvent {
  readonly routing_key: string;
  readonly event_action: 'resolve';
  readonly dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTriggerEvent | PagerDutyResolveEvent;

/** rblwatch severities in PagerDuty's vocabulary; `major` is PagerDuty's `error`. */
export const pagerDutySeverity: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  major: 'error',
  minor: 'warning',
  info: 'info',
};

/** The Events API limits: summary 1024 characters, dedup key 255. */
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;
/** TXT and detail strings in custom_details: generous, but bounded against a hostile DNS answer. */
const MAX_DETAIL_TEXT = 1000;

/**
 * The Events API v2 body for a per-key delivery (exactly one alert). `trigger` and `notify` become a trigger
 * (PagerDuty has no plain message event); `resolve` becomes the minimal resolve body. Pure: the same delivery and
 * key always give the same body, which the golden tests pin.
 */
export function buildPagerDutyEvent(
  delivery: Delivery,
  params: { readonly routingKey: string },
): PagerDutyEvent {
  const alert = singleAlert(delivery);
  const dedupKey = dedupKeyOf(delivery, MAX_DEDUP_KEY);
  if (delivery.action === 'resolve') {
    return { routing_key: params.routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const test = isTestDelivery(delivery);
  const summary = test ? `[TEST] ${alertSummary(alert)}` : alertSummary(alert);
  const fields = alertFieldsOf(alert);
  const group = fields.entry ?? fields.labels?.team;
  const links = isHttpsUrl(fields.delist) ? [{ href: fields.delist, text: 'Delist / lookup page' }] : [];
  return {
    routing_key: params.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cleanText(summary, MAX_SUMMARY),
      source: alert.target ?? 'rblwatch',
      severity: pagerDutySeverity[alert.severity],
      timestamp: alert.at,
      ...(alert.zone ? { component: alert.zone } : {}),
      ...(group ? { group } : {}),
      class: alert.kind,
      custom_details: customDetails(alert, test),
    },
    ...(links.length > 0 ? { links } : {}),
    client: 'rblwatch',
  };
}

const configSchema = httpDestinationSchema('pagerduty', { routingKey: secretField('an integration key') });

/** `type: pagerduty`: one incident per (target, zone), resolved by its delisting. */
export const pagerdutyNotifier = {
  type: 'pagerduty',
  mode: 'per-key',
  description: 'PagerDuty Events API v2 (EU accounts: `url: https://events.eu.pagerduty.com/v2/enqueue`)',
  configSchema,
  resolve(spec, context) {
    const routingKey = context.secret('routingKey');
    const url = context.url(PAGERDUTY_EVENTS_URL);
    const length = routingKey?.reveal().length;
    if (length !== undefined && length !== ROUTING_KEY_LENGTH) {
      context.problem(
        'routingKey',
        `a PagerDuty Events API v2 integration key has ${ROUTING_KEY_LENGTH} characters (got ${length})`,
      );
    }
    return routingKey && url ? { type: spec.type, name: context.name, routingKey, url } : undefined;
  },
  create: (config, deps) => createPagerDutyNotifier(config, deps.http),
} satisfies NotifierDefinition<typeof configSchema, PagerDutyDestination>;

/** A PagerDuty destination. Any 2xx is accepted (PagerDuty answers 202). */
export function createPagerDutyNotifier(config: PagerDutyDestination, deps: HttpNotifierDeps): Notifier {
  return notifierOf(pagerdutyNotifier, config, async (delivery: Delivery, signal?: AbortSignal) => {
    const routingKey = config.routingKey.reveal();
    await postJson({
      dispatcher: deps.dispatcher,
      url: config.url,
      body: buildPagerDutyEvent(delivery, { routingKey }),
      timeoutMs: deps.timeoutMs,
      clock: deps.clock,
      service: 'PagerDuty',
      secrets: [routingKey],
      ...(signal ? { signal } : {}),
    });
  });
}

function customDetails(alert: Signal, test: boolean): PagerDutyCustomDetails {
  const { codes, meanings, txt } = evidenceOf(alert);
  const fields: Partial<Alert> = alertFieldsOf(alert);
  return {
    kind: alert.kind,
    codes,
    meanings,
    txt: txt.map((text) => cleanText(text, MAX_DETAIL_TEXT)),
    ...(alert.detail ? { detail: cleanText(alert.detail, MAX_DETAIL_TEXT) } : {}),
    ...(fields.listedSince ? { first_seen: fields.listedSince } : {}),
    ...(fields.initial ? { initial: true } : {}),
    ...(alert.runId ? { scan_id: alert.runId } : {}),
    ...(fields.entry ? { entry: fields.entry } : {}),
    ...(fields.labels ? { labels: fields.labels } : {}),
    alert_id: alert.id,
    ...(test ? { test: true } : {}),
  };
}
