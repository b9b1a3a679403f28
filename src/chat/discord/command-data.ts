import {
  type APIApplicationCommand,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type REST,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from 'discord.js';
import type { CommandDefinition, CommandOption } from '../../command-api/command.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/** Discord allows at most 25 subcommands under one command. */
const MAX_SUBCOMMANDS = 25;
/** Discord's cap on the names, descriptions and choice values of one command, all options included. */
const MAX_COMMAND_CHARACTERS = 8_000;

/** The characters Discord counts against {@link MAX_COMMAND_CHARACTERS}. */
export function countCommandCharacters(command: unknown): number {
  const record = command as {
    name?: string;
    description?: string;
    value?: unknown;
    options?: unknown[];
    choices?: unknown[];
  };
  let total = (record.name?.length ?? 0) + (record.description?.length ?? 0);
  if (record.value !== undefined) total += String(record.value).length;
  for (const child of [...(record.options ?? []), ...(record.choices ?? [])])
    total += countCommandCharacters(child);
  return total;
}

/** The root command's description (1-100 characters). */
export const rootDescription = 'rblwatch: DNS blocklist lookups, watched targets, mutes and reports';

function toDiscordOption(option: CommandOption): APIApplicationCommandBasicOption {
  const base = {
    name: option.name,
    description: option.description,
    ...(option.required ? { required: true } : {}),
  };
  // Discord refuses autocomplete together with fixed choices; fixed choices win.
  const autocomplete = option.autocomplete !== undefined && !option.choices;
  switch (option.type) {
    case 'string':
      if (option.choices) {
        const choices = option.choices.map((value) => ({ name: value, value }));
        return { ...base, type: ApplicationCommandOptionType.String, choices };
      }
      return autocomplete
        ? { ...base, type: ApplicationCommandOptionType.String, autocomplete: true }
        : { ...base, type: ApplicationCommandOptionType.String };
    case 'integer':
      if (option.choices) {
        const choices = option.choices.map((value) => ({ name: value, value: Number(value) }));
        return { ...base, type: ApplicationCommandOptionType.Integer, choices };
      }
      return autocomplete
        ? { ...base, type: ApplicationCommandOptionType.Integer, autocomplete: true }
        : { ...base, type: ApplicationCommandOptionType.Integer };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
  }
}

function toSubcommand(command: CommandDefinition): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: command.name,
    description: command.description,
    options: command.options.map(toDiscordOption),
  };
}

/**
 * The application command data for the registry: ONE chat-input root command (`/rbl`) with one subcommand per
 * command, so adding a command changes only this command's options. Pure.
 *
 * `default_member_permissions` is left unset on purpose: who may run what is decided by the command runtime from
 * `rblwatch.yml`, and Discord's own gate would hide read-only commands from everyone else. The command is usable
 * in guilds only (`contexts: [Guild]`, and the legacy `dm_permission: false`), because permissions come from
 * guild roles.
 * @see https://discord.com/developers/docs/interactions/application-commands#application-command-object
 */
export function buildDiscordCommands(
  registry: ReadonlyMap<string, CommandDefinition>,
  rootName = 'rbl',
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  if (registry.size > MAX_SUBCOMMANDS) {
    throw new AppError(
      ErrorCode.CONFIG_INVALID,
      `Discord allows at most ${MAX_SUBCOMMANDS} subcommands under /${rootName}; the registry has ${registry.size}`,
    );
  }
  const root: RESTPostAPIChatInputApplicationCommandsJSONBody = {
    type: ApplicationCommandType.ChatInput,
    name: rootName,
    description: rootDescription,
    options: [...registry.values()].map(toSubcommand),
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    dm_permission: false,
  };
  const size = countCommandCharacters(root);
  if (size > MAX_COMMAND_CHARACTERS) {
    throw new AppError(
      ErrorCode.CONFIG_INVALID,
      `/${rootName} has ${size} characters of names, descriptions and choices; Discord allows ${MAX_COMMAND_CHARACTERS}`,
    );
  }
  return [root];
}

/** A command as Discord has it registered (global or guild). Guild commands lack the global-only fields. */
export type RegisteredCommand = Pick<APIApplicationCommand, 'id' | 'name'> & Partial<APIApplicationCommand>;

export interface CommandDiff {
  readonly create: RESTPostAPIApplicationCommandsJSONBody[];
  readonly update: { readonly id: string; readonly body: RESTPostAPIApplicationCommandsJSONBody }[];
  /** Ids of registered commands that are no longer wanted. */
  readonly remove: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Fields Discord adds to what it stores; never part of what we send. */
const serverFields = new Set([
  'id',
  'application_id',
  'version',
  'guild_id',
  'default_permission',
  'name_localized',
  'description_localized',
  'handler',
]);

/** Per-key defaults: a field equal to its default means the same as the field left out. */
const defaults: Readonly<Record<string, Json>> = {
  type: ApplicationCommandType.ChatInput,
  nsfw: false,
  required: false,
  autocomplete: false,
  dm_permission: true,
  options: [],
  choices: [],
  channel_types: [],
  name_localizations: {},
  description_localizations: {},
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

function isDefault(key: string, value: Json, depth: number): boolean {
  if (value === null) return true;
  // `type` defaults to ChatInput only on the command itself; an option's type is never implied.
  if (key === 'type' && depth > 0) return false;
  if (!(key in defaults)) return false;
  return stableStringify(value) === stableStringify(defaults[key] as Json);
}

function stableStringify(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(value[key] as Json)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function normaliseValue(value: unknown, depth: number): Json {
  if (Array.isArray(value)) return value.map((item) => normaliseValue(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const out: Record<string, Json> = {};
    for (const [key, raw] of Object.entries(record)) {
      if (raw === undefined || (depth === 0 && serverFields.has(key))) continue;
      const normal = normaliseValue(raw, depth + 1);
      if (isDefault(key, normal, depth)) continue;
      out[key] = normal;
    }
    if (depth === 0) {
      // `contexts` supersedes the legacy `dm_permission`; Discord echoes both.
      if ('contexts' in out) delete out.dm_permission;
      if (Array.isArray(out.contexts)) out.contexts = [...out.contexts].sort();
      if (Array.isArray(out.integration_types)) out.integration_types = [...out.integration_types].sort();
    }
    return out;
  }
  if (value === undefined) return null;
  return value as Json;
}

/**
 * The canonical form of a command for comparison: server-added fields dropped, defaults (`required: false`,
 * `nsfw: false`, empty localisations, ...) removed, keys sorted.
 */
export function normaliseCommand(command: object): string {
  return stableStringify(normaliseValue(command, 0));
}

function commandKey(command: { name: string; type?: number | undefined }): string {
  return `${command.type ?? ApplicationCommandType.ChatInput}:${command.name}`;
}

/**
 * What to send so that `registered` becomes `desired`: POST the new, PATCH the changed, DELETE the rest. Commands
 * match by type and name; registered duplicates of one name keep the first and remove the others. Pure.
 */
export function diffCommands(
  desired: readonly RESTPostAPIApplicationCommandsJSONBody[],
  registered: readonly RegisteredCommand[],
): CommandDiff {
  const byKey = new Map<string, RegisteredCommand>();
  const remove: string[] = [];
  for (const command of registered) {
    const key = commandKey(command);
    if (byKey.has(key)) remove.push(command.id);
    else byKey.set(key, command);
  }
  const create: RESTPostAPIApplicationCommandsJSONBody[] = [];
  const update: { id: string; body: RESTPostAPIApplicationCommandsJSONBody }[] = [];
  const wanted = new Set<string>();
  for (const body of desired) {
    const key = commandKey(body);
    wanted.add(key);
    const existing = byKey.get(key);
    if (!existing) create.push(body);
    else if (normaliseCommand(existing) !== normaliseCommand(body)) update.push({ id: existing.id, body });
  }
  for (const [key, command] of byKey) if (!wanted.has(key)) remove.push(command.id);
  return { create, update, remove };
}

/** Global-only fields, which guild commands neither take nor return. */
function forGuild(body: RESTPostAPIApplicationCommandsJSONBody): RESTPostAPIApplicationCommandsJSONBody {
  const { contexts: _contexts, integration_types: _types, dm_permission: _dm, ...rest } = body;
  return rest;
}

export interface RegisterDiscordCommandsOptions {
  readonly rest: REST;
  readonly applicationId: string;
  /** Register in this guild (updates show at once) instead of globally. */
  readonly guildId?: string;
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  /** The root command name (default `rbl`). */
  readonly rootName?: string;
  readonly log: Logger;
}

export interface RegisterResult {
  readonly scope: 'global' | 'guild';
  /** Names of the commands created, updated and removed; all empty when Discord already had the right data. */
  readonly created: string[];
  readonly updated: string[];
  readonly removed: string[];
}

/**
 * Make Discord's registered commands match the registry, sending only the difference: one GET, then a POST,
 * PATCH or DELETE per changed command, and nothing when they already match. Re-registering on every boot would
 * count against Discord's daily command-create limit and, globally, briefly show stale data to users.
 * @see https://discord.com/developers/docs/interactions/application-commands#registering-a-command
 */
export async function registerDiscordCommands(
  options: RegisterDiscordCommandsOptions,
): Promise<RegisterResult> {
  const { rest, applicationId, guildId } = options;
  const scope = guildId ? 'guild' : 'global';
  const list = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const one = (id: string) =>
    guildId
      ? Routes.applicationGuildCommand(applicationId, guildId, id)
      : Routes.applicationCommand(applicationId, id);

  const built = buildDiscordCommands(options.registry, options.rootName);
  const desired = guildId ? built.map(forGuild) : built;
  const registered = (await rest.get(list)) as RegisteredCommand[];
  const diff = diffCommands(desired, registered);
  const nameOf = new Map(registered.map((command) => [command.id, command.name]));
  const result: RegisterResult = { scope, created: [], updated: [], removed: [] };

  for (const body of diff.create) {
    await rest.post(list, { body });
    result.created.push(body.name);
  }
  for (const { id, body } of diff.update) {
    await rest.patch(one(id), { body });
    result.updated.push(body.name);
  }
  for (const id of diff.remove) {
    await rest.delete(one(id));
    result.removed.push(nameOf.get(id) ?? id);
  }
  const changed = result.created.length + result.updated.length + result.removed.length;
  options.log.info(
    { ...result, ...(guildId ? { guild: guildId } : {}) },
    changed === 0 ? 'Discord commands already up to date' : 'Discord commands registered',
  );
  return result;
}
