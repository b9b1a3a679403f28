/**
 * Jira Service Management Ops, Opsgenie's successor: the same Alert API v2 paths and bodies under
 * `https://api.atlassian.com/jsm/ops/integration` (create `POST /v2/alerts`, close
 * `POST /v2/alerts/{alias}/close?identifierType=alias`), with the same `GenieKey` integration key. Everything but
 * the name is shared with `opsgenie.ts`, so a fix to one is a fix to both.
 * @see https://support.atlassian.com/opsgenie/docs/what-happens-when-opsgenie-is-turned-off/
 */
import { httpDestinationSchema, secretField } from '../destination-fields.ts';
import type { HttpNotifierDeps } from '../http-post.ts';
import type { Notifier, NotifierDefinition } from './notifier.ts';
import { type AlertApiDestination, createAlertApiNotifier, resolveAlertApi } from './opsgenie.ts';

export interface JsmDestination extends AlertApiDestination {
  readonly type: 'jsm';
}

export const JSM_URL = 'https://api.atlassian.com/jsm/ops/integration';

const configSchema = httpDestinationSchema('jsm', { apiKey: secretField('an API key') });

/** `type: jsm`: Opsgenie's successor, the same alerts. */
export const jsmNotifier = {
  type: 'jsm',
  mode: 'per-key',
  description: "Jira Service Management Ops, Opsgenie's successor",
  configSchema,
  resolve: (spec, context) => resolveAlertApi(spec.type, context, JSM_URL),
  create: (config, deps) => createJsmNotifier(config, deps.http),
} satisfies NotifierDefinition<typeof configSchema, JsmDestination>;

/** A JSM Ops destination. */
export function createJsmNotifier(config: JsmDestination, deps: HttpNotifierDeps): Notifier {
  return createAlertApiNotifier(jsmNotifier, config, deps, 'JSM Ops');
}
