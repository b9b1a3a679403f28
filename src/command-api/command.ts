import type { CheckResult, ZoneHealthReport } from '../domain/check-result.ts';
import type { Target } from '../domain/target.ts';
import { AppError, ErrorCode } from '../errors.ts';

/**
 * The contract between platform-neutral commands (`commands/`) and the chat adapters and CLI that run them.
 * A command sees only this: parsed arguments, the caller, reply/defer, and services as ports; never a Slack or
 * Discord object.
 */

export type OptionType = 'string' | 'integer' | 'boolean';

export interface CommandOption {
  /** Lowercase `[a-z0-9-]{1,32}` (Discord's rule, the stricter of the two platforms). */
  readonly name: string;
  /** 1-100 characters. */
  readonly description: string;
  readonly type: OptionType;
  readonly required?: boolean;
}

export type ArgValue = string | number | boolean | undefined;

export interface CommandUser {
  readonly id: string;
  readonly name: string;
  readonly platform: 'slack' | 'discord' | 'cli';
}

/** A platform-neutral answer; adapters render it as Block Kit, an embed or plain text. */
export interface Reply {
  readonly title: string;
  readonly lines: readonly string[];
  /** Visible only to the caller (the default for lookups). */
  readonly ephemeral?: boolean;
}

/** Looks targets up now (the lookup engine behind a port). */
export interface LookupService {
  check(targets: readonly Target[]): Promise<{ results: CheckResult[]; zones: ZoneHealthReport[] }>;
}

export interface CommandServices {
  readonly lookup: LookupService;
}

export interface CommandContext {
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly user: CommandUser;
  /** Acknowledge now and answer later: both platforms drop an interaction not answered within 3 s. */
  defer(): Promise<void>;
  reply(reply: Reply): Promise<void>;
  readonly services: CommandServices;
}

export interface CommandDefinition {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CommandOption[];
  /** `read` commands are open to everyone in the workspace; `change` commands need an allowed user or role. */
  readonly access: 'read' | 'change';
  run(context: CommandContext): Promise<void>;
}

const namePattern = /^[a-z0-9-]{1,32}$/;

function assertNamed(what: string, name: string, description: string): void {
  if (!namePattern.test(name)) {
    throw new AppError(ErrorCode.CONFIG_INVALID, `${what} "${name}": names must match [a-z0-9-]{1,32}`);
  }
  if (description.length < 1 || description.length > 100) {
    throw new AppError(ErrorCode.CONFIG_INVALID, `${what} "${name}": description must be 1-100 characters`);
  }
}

/**
 * Validate a command against the stricter of Slack's and Discord's rules. A malformed command fails when the
 * module loads, so it fails the build and the tests, not a user at run time.
 */
export function defineCommand(definition: CommandDefinition): CommandDefinition {
  assertNamed('command', definition.name, definition.description);
  if (definition.options.length > 25) {
    throw new AppError(ErrorCode.CONFIG_INVALID, `command "${definition.name}": at most 25 options`);
  }
  const seen = new Set<string>();
  let optionalSeen = false;
  for (const option of definition.options) {
    assertNamed(`option of ${definition.name}`, option.name, option.description);
    if (seen.has(option.name)) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `command "${definition.name}": duplicate option "${option.name}"`,
      );
    }
    seen.add(option.name);
    // Discord requires required options before optional ones.
    if (option.required && optionalSeen) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `command "${definition.name}": required option after optional`,
      );
    }
    if (!option.required) optionalSeen = true;
  }
  return Object.freeze({ ...definition, options: Object.freeze([...definition.options]) });
}

/** Build the registry from the explicit list; empty lists and duplicate names are refused. */
export function buildCommandRegistry(
  commands: readonly CommandDefinition[],
): ReadonlyMap<string, CommandDefinition> {
  if (commands.length === 0) throw new AppError(ErrorCode.CONFIG_INVALID, 'the command registry is empty');
  const registry = new Map<string, CommandDefinition>();
  for (const command of commands) {
    if (registry.has(command.name)) {
      throw new AppError(ErrorCode.CONFIG_INVALID, `duplicate command "${command.name}"`);
    }
    registry.set(command.name, command);
  }
  return registry;
}
