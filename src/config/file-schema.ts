/**
 * The schema of the whole file, put together from the sections' keys in the order the README lists them (the
 * order problems are reported in), each key optional. Built per load: relative store paths depend on where the
 * file is, and the destination types, chat platforms and store backends on the registries in use.
 */
import { z } from 'zod';
import type { NotifierDefinition } from '../alerts/notifiers/notifier.ts';
import type { ChatPlatformDefinition } from '../chat/chat-platform.ts';
import type { StoreBackend } from '../store/open-store.ts';
import type { AllowedKeys } from './issues.ts';
import { chatAllowedKeys, chatKeys } from './sections/chat.ts';
import { destinationsAllowedKeys, destinationsKeys } from './sections/destinations.ts';
import { dnsAllowedKeys, dnsKeys } from './sections/dns.ts';
import { historyAllowedKeys, historyKeys } from './sections/history.ts';
import { httpAllowedKeys, httpKeys } from './sections/http.ts';
import { policyAllowedKeys, policyKeys } from './sections/policy.ts';
import { reportsAllowedKeys, reportsKeys } from './sections/reports.ts';
import { routesAllowedKeys, routesKeys } from './sections/routes.ts';
import { scheduleKeys } from './sections/schedule.ts';
import { storeKeys } from './sections/store.ts';
import { targetsAllowedKeys, targetsKeys } from './sections/targets.ts';
import { zonesKeys } from './sections/zones.ts';

export interface FileSchemaPlugins {
  readonly notifiers?: readonly NotifierDefinition[];
  readonly chatPlatforms?: readonly ChatPlatformDefinition[];
  readonly storeBackends?: readonly StoreBackend[];
}

/** The file's schema and, for "unknown key" messages, the keys each mapping allows. */
export function fileSchema(context: {
  readonly baseDir: string;
  readonly addedAt: string;
  readonly plugins: Required<FileSchemaPlugins>;
}) {
  const keys = {
    ...storeKeys(context.baseDir, context.plugins.storeBackends),
    resolvers: dnsKeys.resolvers,
    zones: zonesKeys.zones,
    ...scheduleKeys,
    ...policyKeys,
    dns: dnsKeys.dns,
    zoneIntervals: zonesKeys.zoneIntervals,
    ...httpKeys,
    ...historyKeys,
    ...targetsKeys(context.addedAt),
    destinations: destinationsKeys(context.plugins.notifiers).destinations,
    ...routesKeys,
    alerts: destinationsKeys(context.plugins.notifiers).alerts,
    ...chatKeys(context.plugins.chatPlatforms),
    ...reportsKeys,
  };
  const schema = z.strictObject(
    {
      store: keys.store.nullish(),
      resolvers: keys.resolvers.nullish(),
      zones: keys.zones.nullish(),
      schedule: keys.schedule.nullish(),
      jitterSeconds: keys.jitterSeconds.nullish(),
      timezone: keys.timezone.nullish(),
      policy: keys.policy.nullish(),
      dns: keys.dns.nullish(),
      zoneIntervals: keys.zoneIntervals.nullish(),
      http: keys.http.nullish(),
      history: keys.history.nullish(),
      targets: keys.targets.nullish(),
      destinations: keys.destinations.nullish(),
      routes: keys.routes.nullish(),
      alerts: keys.alerts.nullish(),
      chat: keys.chat.nullish(),
      reports: keys.reports.nullish(),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'the file must be a mapping of settings (key: value)' : undefined,
    },
  );
  const allowedKeys: AllowedKeys = new Map<string, readonly string[]>([
    ['', Object.keys(keys)],
    ...policyAllowedKeys,
    ...dnsAllowedKeys,
    ...httpAllowedKeys,
    ...historyAllowedKeys,
    ...targetsAllowedKeys,
    ...destinationsAllowedKeys,
    ...routesAllowedKeys,
    ...chatAllowedKeys(context.plugins.chatPlatforms),
    ...reportsAllowedKeys,
  ]);
  return { schema, allowedKeys };
}
