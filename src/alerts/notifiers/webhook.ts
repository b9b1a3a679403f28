/**
 * Generic JSON webhooks, signed like Stripe's and Slack's: `X-Rblwatch-Signature: v1=<hex>` where the hex is
 * HMAC-SHA256 over `<timestamp>.<raw body>`. The timestamp is inside the signed bytes, so a captured request
 * cannot be replayed after the tolerance window, and `X-Rblwatch-Delivery` lets receivers drop the duplicates an
 * at-least-once outbox sends.
 *
 * Receivers must verify against the raw request bytes (not re-serialised JSON) with {@link verifyWebhookSignature},
 * and must treat alert text (TXT records especially) as untrusted input.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type Alert,
  type AlertKind,
  type Delivery,
  evidenceOf,
  isNotice,
  type Notice,
  type ReportPayload,
} from '../../domain/alert.ts';
import { DeliveryError } from '../../domain/delivery-error.ts';
import type { Message } from '../../domain/message.ts';
import type { Report } from '../../domain/report.ts';
import type { Secret } from '../../domain/secret.ts';
import { httpDestinationSchema, secretField, urlField } from '../destination-fields.ts';
import { type HttpNotifierDeps, postJson } from '../http-post.ts';
import { type DestinationBase, type Notifier, type NotifierDefinition, notifierOf } from './notifier.ts';

export interface WebhookDestination extends DestinationBase {
  readonly type: 'webhook';
  readonly url: string;
  /** HMAC-SHA256 key for the `X-Rblwatch-Signature` header. */
  readonly secret: Secret;
}

/** Shorter signing secrets are refused: they could be guessed from a captured signature. */
const MIN_SECRET_LENGTH = 16;

/**
 * One entry of `alerts`: an alert as it is; a notice with empty `codes`, `meanings` and `txt`, as receivers of
 * version 1 have always seen notices; and, for a report queued by an older version, that report as it was then.
 */
export type WebhookAlert =
  | Alert
  | (Notice & Pick<Alert, 'codes' | 'meanings' | 'txt'>)
  | (Pick<Alert, 'id' | 'at' | 'severity' | 'codes' | 'meanings' | 'txt'> & {
      readonly kind: 'report';
      readonly report: Message;
    });

/** The JSON body for alerts and notices. `version` changes only on incompatible changes; new fields may appear. */
export interface WebhookPayload {
  readonly type: 'rblwatch.alerts';
  readonly version: 1;
  /** The delivery id, also in `X-Rblwatch-Delivery`: the same on every retry. */
  readonly id: string;
  /** The destination's name in `rblwatch.yml`. */
  readonly destination: string;
  /** All alerts in one delivery share a kind. */
  readonly kind: AlertKind;
  readonly count: number;
  readonly test: boolean;
  readonly alerts: readonly WebhookAlert[];
}

/** The JSON body for a scheduled report: the report as data (listings, degraded zones, the last scan). */
export interface WebhookReportPayload {
  readonly type: 'rblwatch.report';
  readonly version: 1;
  /** The delivery id, also in `X-Rblwatch-Delivery`. */
  readonly id: string;
  readonly destination: string;
  readonly report: Report;
}

/** Header names as sent (HTTP header names are case-insensitive; Node lower-cases them on receipt). */
export const webhookHeaders = {
  delivery: 'X-Rblwatch-Delivery',
  timestamp: 'X-Rblwatch-Timestamp',
  signature: 'X-Rblwatch-Signature',
} as const;

/** The default replay window: Stripe's and Slack's five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SIGNATURE_VERSION = 'v1';

function wireAlerts(delivery: Delivery): readonly WebhookAlert[] {
  if (delivery.report?.type === 'rendered-report') return [renderedReportAlert(delivery.report)];
  return delivery.alerts.map((alert) => (isNotice(alert) ? { ...alert, ...evidenceOf(alert) } : alert));
}

/** A report an older version queued, as that version sent it: an alert of kind `report` carrying the message. */
function renderedReportAlert(report: Extract<ReportPayload, { type: 'rendered-report' }>): WebhookAlert {
  const { id, at, message } = report;
  return { id, kind: 'report', at, severity: 'info', codes: [], meanings: [], txt: [], report: message };
}

/** The body for a grouped delivery (one or more alerts of one kind). Pure, pinned by the golden tests. */
export function buildWebhookPayload(delivery: Delivery): WebhookPayload {
  const alerts = wireAlerts(delivery);
  const [first] = alerts;
  if (first === undefined) {
    throw new DeliveryError(
      false,
      `a webhook delivery must carry at least one alert (delivery ${delivery.id})`,
    );
  }
  if (alerts.some((alert) => alert.kind !== first.kind)) {
    // Receivers branch on `kind`; a mixed batch would be misread, and only an outbox bug can produce one.
    throw new DeliveryError(
      false,
      `a webhook delivery must carry alerts of one kind (delivery ${delivery.id})`,
    );
  }
  return {
    type: 'rblwatch.alerts',
    version: 1,
    id: delivery.id,
    destination: delivery.destination,
    kind: first.kind,
    count: alerts.length,
    test: delivery.test === true || delivery.alerts.some((alert) => alert.test === true),
    alerts,
  };
}

/** The body for a report delivery. Pure. */
export function buildWebhookReportPayload(delivery: Delivery, report: Report): WebhookReportPayload {
  return { type: 'rblwatch.report', version: 1, id: delivery.id, destination: delivery.destination, report };
}

/** The exact bytes and headers of one attempt; `now` becomes the signed timestamp. */
export function buildWebhookRequest(
  delivery: Delivery,
  options: { readonly secret: string; readonly now: Date },
): { readonly body: string; readonly headers: Readonly<Record<string, string>> } {
  const report = delivery.report?.type === 'report' ? delivery.report.report : undefined;
  const body = JSON.stringify(
    report ? buildWebhookReportPayload(delivery, report) : buildWebhookPayload(delivery),
  );
  const timestamp = Math.floor(options.now.getTime() / 1000);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'rblwatch',
      [webhookHeaders.delivery]: delivery.id,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signWebhook(options.secret, timestamp, body),
    },
  };
}

/**
 * The `X-Rblwatch-Signature` value: `v1=` and the hex HMAC-SHA256, keyed with the shared secret, of
 * `${timestamp}.${body}` (timestamp in Unix seconds, body the raw JSON text).
 */
export function signWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return `${SIGNATURE_VERSION}=${hmacHex(secret, String(timestamp), body)}`;
}

export interface VerifyWebhookOptions {
  readonly secret: string;
  /** `X-Rblwatch-Timestamp` as received (Unix seconds). */
  readonly timestamp: string | number | undefined;
  /** The raw request body, exactly as received. */
  readonly body: string | Uint8Array;
  /**
   * `X-Rblwatch-Signature` as received. Several comma-separated `v1=` values are accepted (any may match), so a
   * sender can sign with an old and a new secret while a rotation is under way.
   */
  readonly signature: string | undefined;
  readonly now: Date;
  /** How far the timestamp may be from `now`, either way, in seconds. */
  readonly toleranceSeconds?: number;
}

/**
 * Whether a received webhook is authentic and fresh: the timestamp is within `toleranceSeconds` of `now` (stale
 * and future timestamps are both refused) and a `v1` signature matches. Comparison is constant-time.
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): boolean {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const timestamp = String(options.timestamp ?? '').trim();
  if (!/^\d{1,12}$/.test(timestamp) || options.signature === undefined) return false;
  const skew = Math.abs(Math.floor(options.now.getTime() / 1000) - Number(timestamp));
  if (!(skew <= tolerance)) return false;
  const expected = Buffer.from(hmacHex(options.secret, timestamp, options.body), 'hex');
  let matched = false;
  for (const part of options.signature.split(',')) {
    const [version, hex] = part.trim().split('=', 2);
    if (version !== SIGNATURE_VERSION || hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) continue;
    // No early exit: every candidate is compared, so timing says nothing about which one matched.
    if (timingSafeEqual(expected, Buffer.from(hex, 'hex'))) matched = true;
  }
  return matched;
}

const configSchema = httpDestinationSchema('webhook', { url: urlField, secret: secretField('a secret') });

/** `type: webhook`: signed JSON for your own receiver. */
export const webhookNotifier = {
  type: 'webhook',
  mode: 'grouped',
  description: 'your own endpoint: signed JSON (see Webhooks)',
  configSchema,
  resolve(spec, context) {
    const secret = context.secret('secret');
    const url = context.url();
    if (secret && secret.reveal().length < MIN_SECRET_LENGTH) {
      context.problem('secret', `use a secret of at least ${MIN_SECRET_LENGTH} characters`);
    }
    return secret && url ? { type: spec.type, name: context.name, url, secret } : undefined;
  },
  create: (config, deps) => createWebhookNotifier(config, deps.http),
} satisfies NotifierDefinition<typeof configSchema, WebhookDestination>;

/** A webhook destination: one POST per grouped delivery, signed at send time. */
export function createWebhookNotifier(config: WebhookDestination, deps: HttpNotifierDeps): Notifier {
  return notifierOf(webhookNotifier, config, async (delivery: Delivery, signal?: AbortSignal) => {
    const secret = config.secret.reveal();
    // Signed per attempt: a retry an hour later must carry a fresh timestamp to pass the replay window.
    const { body, headers } = buildWebhookRequest(delivery, { secret, now: deps.clock() });
    await postJson({
      dispatcher: deps.dispatcher,
      url: config.url,
      headers,
      body,
      timeoutMs: deps.timeoutMs,
      clock: deps.clock,
      service: `webhook ${config.name}`,
      secrets: [secret],
      ...(signal ? { signal } : {}),
    });
  });
}

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}
