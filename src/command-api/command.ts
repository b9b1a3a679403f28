import type { ZoneHealthReport } from '../domain/check-result.ts';
import type { LookupService } from '../domain/lookup-service.ts';
import type { Message } from '../domain/message.ts';
import type { MuteStore } from '../domain/mute.ts';
import type { ScanStarter } from '../domain/scan-run.ts';
import type { Zone } from '../domain/zone.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ListingRepository } from '../store/listing-repository.ts';

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
  /** Allowed values (Discord shows them as a menu; Slack's text parser checks them). At most 25. */
  readonly choices?: readonly string[];
  /** Discord suggests values as the user types: watched targets or zone names. */
  readonly autocomplete?: 'target' | 'zone';
  /**
   * In Slack's free text, this (last positional) string option takes every remaining word, so
   * `/rbl check 192.0.2.1 192.0.2.2` gives `targets = "192.0.2.1 192.0.2.2"`.
   */
  readonly rest?: boolean;
}

export type ArgValue = string | number | boolean | undefined;

export interface CommandUser {
  readonly id: string;
  readonly name: string;
  readonly platform: 'slack' | 'discord' | 'cli';
  /** Discord role ids, or the Slack user groups the user belongs to (as far as the adapter resolved them). */
  readonly roles?: readonly string[];
  /** Discord: the member has Manage Server in this guild. Slack: a workspace admin or owner. */
  readonly admin?: boolean;
}

/** A platform-neutral answer; adapters render it as Block Kit, an embed or plain text. */
export type Reply = Message;

/** Reads and inventory writes the commands need from the store; nothing else. */
export type CommandStore = Pick<
  ListingRepository,
  | 'listInventory'
  | 'putInventory'
  | 'removeInventory'
  | 'changeInventory'
  | 'getStates'
  | 'getDegradedZones'
  | 'getResolverAlarm'
  | 'listEvents'
  | 'listRuns'
>;

/** The zone catalog in use and the last known health of each zone. */
export interface ZoneService {
  list(): readonly Zone[];
  /** Health from the last completed scan, or probed now when none is known. */
  health(): Promise<readonly ZoneHealthReport[]>;
}

/**
 * Ports handed to every command. Optional ones are absent where the feature does not exist: `scans` only inside
 * `serve` (the CLI has `rblwatch scan`).
 */
export interface CommandServices {
  readonly lookup: LookupService;
  readonly store: CommandStore;
  readonly zones: ZoneService;
  readonly mutes: MuteStore;
  readonly scans?: ScanStarter;
  /** Wall clock, injectable for tests. */
  readonly clock: () => Date;
}

/**
 * Writes another command the way the caller types it where the reply is read: `/rbl unmute 192.0.2.1` in chat,
 * `rblwatch unmute 192.0.2.1` in a shell. `command` is a registry name (`watched`, `unmute`); `args` follow in order.
 * Replies name other commands through this, never as literal `/rbl ...` text.
 */
export type CommandSyntax = (command: string, ...args: readonly string[]) => string;

/** Chat syntax: the slash command (as configured, `/rbl` by default), then the subcommand and its arguments. */
export function chatSyntax(slashCommand = '/rbl'): CommandSyntax {
  return (command, ...args) => [slashCommand, command, ...args].join(' ');
}

/**
 * How a command ended, apart from how its reply looks (the reply's `tone` is presentation): `ok`; `invalid`, the
 * input was wrong (a bad duration, a target that is not watched); `not-found`, what it names does not exist (nothing
 * by that name is muted); `refused`, a rule said no. The CLI derives its exit status from this.
 */
export type CommandOutcome = 'ok' | 'invalid' | 'not-found' | 'refused';

export interface CommandContext {
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly user: CommandUser;
  /** Acknowledge now and answer later: both platforms drop an interaction not answered within 3 s. */
  defer(): Promise<void>;
  reply(reply: Reply): Promise<void>;
  readonly services: CommandServices;
  /** Child logger carrying the invocation id; changes are logged here with who made them. */
  readonly log: Logger;
  /** Correlation id shown to the user on errors and present on every log line of this invocation. */
  readonly invocationId: string;
  /** Names other commands in the caller's syntax (chat or CLI). */
  readonly syntax: CommandSyntax;
}

export interface CommandDefinition {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CommandOption[];
  /** `read` commands are open to everyone in the workspace; `change` commands need an allowed user or role. */
  readonly access: 'read' | 'change';
  /** Counts against the caller's lookup rate limit (commands that query DNSBLs live). */
  readonly rateLimited?: boolean;
  /** Runs the command; resolves to its outcome, or to nothing for `ok`. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that only replies is an async function without a return, which TypeScript types as Promise<void>
  run(context: CommandContext): Promise<CommandOutcome | void>;
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
    if (option.choices && (option.choices.length === 0 || option.choices.length > 25)) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `command "${definition.name}": option "${option.name}" needs 1-25 choices`,
      );
    }
    if (option.rest && (option.type !== 'string' || option !== definition.options.at(-1))) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        `command "${definition.name}": only the last option, a string, may take the rest of the text`,
      );
    }
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
