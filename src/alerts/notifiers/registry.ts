import { AppError, ErrorCode } from '../../errors.ts';
import { defineRegistry } from '../../registry.ts';
import { discordNotifier } from './discord.ts';
import { jsmNotifier } from './jsm.ts';
import type {
  DestinationBase,
  Notifier,
  NotifierDefinition,
  NotifierDeps,
  NotifierMode,
} from './notifier.ts';
import { opsgenieNotifier } from './opsgenie.ts';
import { pagerdutyNotifier } from './pagerduty.ts';
import { slackNotifier } from './slack.ts';
import { webhookNotifier } from './webhook.ts';

/** Builds a notifier registry: at least one type, none empty or repeated. */
export function defineNotifiers<const T extends NotifierDefinition>(definitions: readonly T[]): readonly T[] {
  return defineRegistry('notifier', definitions, (definition) => definition.type, { nonEmpty: true });
}

/**
 * Every destination type, in the order the README's table lists them: the one list a new type is added to. A test
 * checks it against the files in this folder, so a notifier nobody registered fails CI.
 */
export const notifiers = defineNotifiers([
  pagerdutyNotifier,
  opsgenieNotifier,
  jsmNotifier,
  webhookNotifier,
  slackNotifier,
  discordNotifier,
]);

type Registered = (typeof notifiers)[number];

/** A validated destination of one of the registered types (what `resolve` returns), discriminated by `type`. */
export type DestinationConfig = Exclude<ReturnType<Registered['resolve']>, undefined>;

export type DestinationType = DestinationConfig['type'];

/** The definition of `type`, or `undefined` when the registry has none. */
export function notifierFor(
  type: string,
  registry: readonly NotifierDefinition[] = notifiers,
): NotifierDefinition | undefined {
  return registry.find((definition) => definition.type === type);
}

/** How a destination of `type` is delivered to; `grouped` for a type the registry does not know. */
export function destinationMode(
  type: string,
  registry: readonly NotifierDefinition[] = notifiers,
): NotifierMode {
  return notifierFor(type, registry)?.mode ?? 'grouped';
}

/**
 * Builds one notifier per configured destination, by name.
 * @throws AppError `NOTIFY_CONFIG_INVALID` for a name defined twice, a type the registry does not know, or a
 *   notifier that cannot be built (a chat destination whose platform is not connected).
 */
export function createNotifiers(
  // The union first, so literals of a registered type are checked against it; any other type is refused below.
  destinations: readonly (DestinationConfig | DestinationBase)[],
  deps: NotifierDeps,
  registry: readonly NotifierDefinition[] = notifiers,
): Map<string, Notifier> {
  const built = new Map<string, Notifier>();
  for (const destination of destinations) {
    if (built.has(destination.name)) {
      throw new AppError(ErrorCode.NOTIFY_CONFIG_INVALID, `destination ${destination.name} is defined twice`);
    }
    const definition = notifierFor(destination.type, registry);
    if (definition === undefined) {
      throw new AppError(
        ErrorCode.NOTIFY_CONFIG_INVALID,
        `destination ${destination.name}: no notifier for type ${destination.type}`,
      );
    }
    built.set(destination.name, definition.create(destination, deps));
  }
  return built;
}
