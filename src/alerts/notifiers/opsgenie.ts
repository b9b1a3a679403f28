/**
 * Opsgenie Alert API v2: create an alert per new listing and close it by alias on delisting. The alias is the
 * delivery's dedup key, so Opsgenie keeps one open alert per (target, zone) however often a trigger is re-sent.
 * The builders here are shared with Jira Service Management Ops (`jsm.ts`), which speaks the same API.
 *
 * Opsgenie stops selling in 2025 and its REST API ends on 2027-04-05; JSM Ops is the way forward.
 * @see https://docs.opsgenie.com/docs/alert-api
 */
import { z } from 'zod';
import { alertFieldsOf, type Delivery, evidenceOf, type Signal } from '../../domain/alert.ts';
import { cleanText, toPlainText } from '../../domain/message.ts';
import type { Secret } from '../../domain/secret.ts';
import type { Severity } from '../../domain/zone.ts';
import { alertSummary, isHttpsUrl, isTestDelivery, renderAlertMessage } from '../../render/alert-message.ts';
import { httpDestinationSchema, secretField } from '../destination-fields.ts';
import { type HttpNotifierDeps, postJson } from '../http-post.ts';
import { dedupKeyOf, singleAlert } from '../per-key-delivery.ts';
import {
  type DestinationBase,
  type DestinationContext,
  type Notifier,
  type NotifierDefinition,
  notifierOf,
} from './notifier.ts';

/** A service speaking the Opsgenie Alert API v2: Opsgenie itself, or JSM Ops (`jsm.ts`). */
export interface AlertApiDestination extends DestinationBase {
  /** Integration API key, sent as `Authorization: GenieKey <key>`. */
  readonly apiKey: Secret;
  /** Alert API base URL. */
  readonly url: string;
}

export interface OpsgenieDestination extends AlertApiDestination {
  readonly type: 'opsgenie';
}

/** The Alert API base per Opsgenie region (`region: eu`). */
export const OPSGENIE_URLS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

/** `POST /v2/alerts` body. */
export interface OpsgenieCreateBody {
  readonly message: string;
  readonly alias: string;
  readonly description: string;
  readonly priority: OpsgeniePriority;
  readonly tags: readonly string[];
  /** Custom properties: a flat string map (Opsgenie rejects nested values). */
  readonly details: Readonly<Record<string, string>>;
  readonly entity?: string;
  readonly source: 'rblwatch';
}

/** `POST /v2/alerts/{alias}/close?identifierType=alias` body. */
export interface OpsgenieCloseBody {
  readonly source: 'rblwatch';
  readonly note: string;
}

/** A request to the Alert API, relative to nothing: `url` is complete. */
export interface AlertApiRequest {
  readonly url: string;
  readonly body: OpsgenieCreateBody | OpsgenieCloseBody;
}

/** rblwatch severities as Opsgenie priorities; P4 is left unused so `info` sits clearly at the bottom. */
export const opsgeniePriority: Readonly<Record<Severity, OpsgeniePriority>> = {
  critical: 'P1',
  major: 'P2',
  minor: 'P3',
  info: 'P5',
};

/** Alert API field limits (characters, and 20 tags of at most 50). */
const LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  entity: 512,
  note: 25_000,
  tag: 50,
  tags: 20,
};
/** Each details value: keeps the whole map well inside Opsgenie's total of 8,000 characters. */
const MAX_DETAIL_VALUE = 500;

/** The create body for a per-key delivery (exactly one alert). Pure, pinned by the golden tests. */
export function buildOpsgenieAlert(delivery: Delivery): OpsgenieCreateBody {
  const alert = singleAlert(delivery);
  const test = isTestDelivery(delivery);
  const summary = alertSummary(alert);
  const entity = alert.target ?? alert.zone;
  return {
    message: cleanText(test ? `[TEST] ${summary}` : summary, LIMITS.message),
    alias: dedupKeyOf(delivery, LIMITS.alias),
    // The chat rendering as plain text: codes, meanings, TXT, delist link, first seen, scan id.
    description: toPlainText(renderAlertMessage(delivery)).slice(0, LIMITS.description),
    priority: opsgeniePriority[alert.severity],
    tags: tagsOf(alert, test),
    details: detailsOf(alert, test),
    ...(entity ? { entity: cleanText(entity, LIMITS.entity) } : {}),
    source: 'rblwatch',
  };
}

/** The close body: the note says why the alert closed (`203.0.113.7 delisted from zen.spamhaus.org`). */
export function buildOpsgenieClose(delivery: Delivery): OpsgenieCloseBody {
  const alert = singleAlert(delivery);
  const note = isTestDelivery(delivery) ? `[TEST] ${alertSummary(alert)}` : alertSummary(alert);
  return { source: 'rblwatch', note: cleanText(note, LIMITS.note) };
}

/**
 * URL and body for one delivery against an Alert API base (`https://api.opsgenie.com`,
 * `https://api.atlassian.com/jsm/ops/integration`): `resolve` closes the alert by alias, `trigger` and `notify`
 * create one. The alias travels in the path, so it is percent-encoded (dedup keys contain `:` and `/`).
 */
export function buildAlertApiRequest(delivery: Delivery, baseUrl: string): AlertApiRequest {
  const base = `${baseUrl.replace(/\/+$/, '')}/v2/alerts`;
  if (delivery.action === 'resolve') {
    const alias = dedupKeyOf(delivery, LIMITS.alias);
    return {
      url: `${base}/${encodeURIComponent(alias)}/close?identifierType=alias`,
      body: buildOpsgenieClose(delivery),
    };
  }
  return { url: base, body: buildOpsgenieAlert(delivery) };
}

/**
 * A notifier for any service that speaks the Opsgenie Alert API v2 with a `GenieKey` integration key. Writes are
 * asynchronous on the service side (202 plus a request id): acceptance is all a 2xx promises.
 */
export function createAlertApiNotifier(
  definition: Pick<NotifierDefinition, 'type' | 'mode'>,
  config: AlertApiDestination,
  deps: HttpNotifierDeps,
  service: string,
): Notifier {
  return notifierOf(definition, config, async (delivery: Delivery, signal?: AbortSignal) => {
    const apiKey = config.apiKey.reveal();
    const { url, body } = buildAlertApiRequest(delivery, config.url);
    await postJson({
      dispatcher: deps.dispatcher,
      url,
      headers: { authorization: `GenieKey ${apiKey}` },
      body,
      timeoutMs: deps.timeoutMs,
      clock: deps.clock,
      service,
      secrets: [apiKey],
      ...(signal ? { signal } : {}),
    });
  });
}

/** Checks an Alert API destination: the key from the environment, the URL or the service's default. */
export function resolveAlertApi<Type extends string>(
  type: Type,
  context: DestinationContext,
  defaultUrl: string,
): (AlertApiDestination & { readonly type: Type }) | undefined {
  const apiKey = context.secret('apiKey');
  const url = context.url(defaultUrl);
  return apiKey && url ? { type, name: context.name, apiKey, url } : undefined;
}

const configSchema = httpDestinationSchema('opsgenie', {
  apiKey: secretField('an API key'),
  region: z.enum(['us', 'eu']).optional(),
});

/** `type: opsgenie`: one alert per (target, zone), closed by its delisting. */
export const opsgenieNotifier = {
  type: 'opsgenie',
  mode: 'per-key',
  description: "Opsgenie Alert API v2 (`region: eu`: the EU instance); Opsgenie's API ends 2027-04-05",
  configSchema,
  resolve: (spec, context) => resolveAlertApi(spec.type, context, OPSGENIE_URLS[spec.region ?? 'us']),
  create: (config, deps) => createOpsgenieNotifier(config, deps.http),
} satisfies NotifierDefinition<typeof configSchema, OpsgenieDestination>;

/** An Opsgenie destination (`api.opsgenie.com` or `api.eu.opsgenie.com`). */
export function createOpsgenieNotifier(config: OpsgenieDestination, deps: HttpNotifierDeps): Notifier {
  return createAlertApiNotifier(opsgenieNotifier, config, deps, 'Opsgenie');
}

function tagsOf(alert: Signal, test: boolean): string[] {
  const fields = alertFieldsOf(alert);
  const tags = [
    'rblwatch',
    alert.kind,
    alert.zone,
    `severity:${alert.severity}`,
    fields.initial ? 'initial' : undefined,
    test ? 'test' : undefined,
    ...(fields.labels?.tags ?? []),
  ];
  const cleaned = tags
    .filter((tag): tag is string => tag !== undefined && tag !== '')
    .map((tag) => cleanText(tag, LIMITS.tag));
  return [...new Set(cleaned)].filter(Boolean).slice(0, LIMITS.tags);
}

function detailsOf(alert: Signal, test: boolean): Record<string, string> {
  const { codes, meanings, txt } = evidenceOf(alert);
  const fields = alertFieldsOf(alert);
  const entries: [string, string | undefined][] = [
    ['kind', alert.kind],
    ['severity', alert.severity],
    ['target', alert.target],
    ['zone', alert.zone],
    ['codes', codes.join(', ')],
    ['meanings', meanings.join('; ')],
    ['txt', txt.join(' | ')],
    ['detail', alert.detail],
    ['first_seen', fields.listedSince],
    ['initial', fields.initial ? 'true' : undefined],
    ['scan_id', alert.runId],
    ['entry', fields.entry],
    ['owner', fields.labels?.owner],
    ['team', fields.labels?.team],
    ['customer', fields.labels?.customer],
    ['delist', isHttpsUrl(fields.delist) ? fields.delist : undefined],
    ['alert_id', alert.id],
    ['test', test ? 'true' : undefined],
  ];
  const details: Record<string, string> = {};
  for (const [key, value] of entries) {
    const cleaned = value === undefined ? '' : cleanText(value, MAX_DETAIL_VALUE);
    if (cleaned) details[key] = cleaned;
  }
  return details;
}
