/**
 * Jira Service Management Ops, Opsgenie's successor: the same Alert API v2 paths and bodies under
 * `https://api.atlassian.com/jsm/ops/integration` (create `POST /v2/alerts`, close
 * `POST /v2/alerts/{alias}/close?identifierType=alias`), with the same `GenieKey` integration key. Everything but
 * the name is shared with `opsgenie.ts`, so a fix to one is a fix to both.
 * @see https://support.atlassian.com/opsgenie/docs/what-happens-when-opsgenie-is-turned-off/
 */
import type { JsmDestination } from '../destinations.ts';
import type { HttpNotifierDeps } from '../http-post.ts';
import type { Notifier } from './notifier.ts';
import { createAlertApiNotifier } from './opsgenie.ts';

/** A JSM Ops destination. */
export function createJsmNotifier(config: JsmDestination, deps: HttpNotifierDeps): Notifier {
  return createAlertApiNotifier(config, deps, 'JSM Ops');
}
