import {
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  RateLimitError,
  REST,
  Routes,
} from 'discord.js';
import type {
  ArgValue,
  CommandDefinition,
  CommandOption,
  CommandStore,
  CommandUser,
  ZoneService,
} from '../../command-api/command.ts';
import { DeliveryError } from '../../domain/delivery-error.ts';
import type { Message } from '../../domain/message.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ChatAdapter } from '../chat-adapter.ts';
import type { DiscordConfig } from '../chat-config.ts';
import type { CommandRuntime, Invocation } from '../command-runtime.ts';
import { registerDiscordCommands } from './command-data.ts';
import { renderDiscordMessage } from './render-discord.ts';

/** What autocomplete reads: the watched targets and the zone catalog. */
export interface AutocompleteServices {
  readonly store: Pick<CommandStore, 'listInventory'>;
  readonly zones: Pick<ZoneService, 'list'>;
}

export interface DiscordAdapterOptions {
  readonly config: DiscordConfig;
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  readonly runtime: CommandRuntime;
  readonly services: AutocompleteServices;
  readonly log: Logger;
  /** Merged over the defaults (Guilds intent only, empty allowedMentions, short REST retries); tests only. */
  readonly clientOptions?: Partial<ClientOptions>;
  /**
   * Builds the gateway client from the options the adapter settled on (default `new Client(options)`). Tests that
   * are not about the gateway pass a client they drive themselves (emitting interactions at it, never logging in).
   */
  readonly createClient?: (options: ClientOptions) => Client;
  /**
   * Register the root command in each served guild (diffed, so usually no write) when starting, and warn about a
   * leftover global registration. Default true.
   */
  readonly registerCommands?: boolean;
  /**
   * Defer a command that has neither answered nor deferred after this many ms (default 2000), so a slow store
   * read cannot run past Discord's 3 s interaction deadline.
   */
  readonly autoDeferMs?: number;
}

/**
 * An invocation from Discord. `interactionId` is not used by the runtime; it ties log lines (and test
 * observations) to the interaction.
 */
export interface DiscordInvocation extends Invocation {
  readonly interactionId: string;
}

const DEFAULT_API = 'https://discord.com/api';
/** Discord answers autocomplete within 3 s or shows "loading options failed". */
const AUTOCOMPLETE_BUDGET_MS = 2_500;
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;
/** How long `start()` waits for the gateway's READY before giving up, instead of hanging the boot. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Whether a command's answer is meant for the channel. Such commands are deferred visibly, since a deferred
 * response keeps the visibility chosen at defer time: `report` (unless `public: false`), and any command run
 * with `public: true`. Everything else is deferred ephemerally when the command itself calls `defer()`, the safe
 * default: after an ephemeral defer even a public answer stays private, never the other way round. (`scan`
 * defers itself and answers privately.)
 */
export function isPublicAnswer(
  command: CommandDefinition,
  args: Readonly<Record<string, ArgValue>>,
): boolean {
  if (args.public === true) return true;
  return command.name === 'report' && args.public !== false;
}

/**
 * The visibility of the automatic defer (a command slow to answer, see `autoDeferMs`). Commands that change state
 * (`watch`, `mute`, `unmute`) announce their success to the channel by design, so they are deferred publicly: an
 * ephemeral defer would turn the announcement private whenever the store is slow. A private answer (a refusal, an
 * error) after a public defer still reaches only the caller; see `createResponder`.
 */
export function isPublicAutoDefer(
  command: CommandDefinition,
  args: Readonly<Record<string, ArgValue>>,
): boolean {
  return command.access === 'change' || isPublicAnswer(command, args);
}

/** What the channel sees, for a moment, when a private answer follows a public defer. */
const ANSWERED_PRIVATELY: Message = {
  title: 'Answered privately',
  lines: ['rblwatch sent the answer to the person who ran the command.'],
  tone: 'neutral',
  ephemeral: false,
};

function ephemeralFlag(message: Message): MessageFlags.Ephemeral | undefined {
  return message.ephemeral === false ? undefined : MessageFlags.Ephemeral;
}

/** Text from an API error or a network failure, never from our request (which may carry the token). */
function describeCause(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function bodyOf(error: DiscordAPIError): string {
  try {
    return JSON.stringify(error.rawError).slice(0, 500);
  } catch {
    return '';
  }
}

/**
 * Map a failed "create message" call to a {@link DeliveryError}. 429 (with Discord's wait), 5xx, timeouts and
 * network errors are retryable; 401 (bad token), 403 (Missing Access / Missing Permissions), 404 (Unknown
 * Channel) and any other 4xx are final. The message names the channel, never the token.
 * @see https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
 */
export function toDeliveryError(error: unknown, channel: string): DeliveryError {
  const where = `Discord channel ${channel}`;
  if (error instanceof RateLimitError) {
    const wait = Math.max(error.retryAfter, error.sublimitTimeout, error.timeToReset);
    return new DeliveryError(
      true,
      `${where}: rate limited by Discord (${error.scope}), retry in ${wait} ms`,
      {
        status: 429,
        ...(wait > 0 ? { retryAfterMs: wait } : {}),
        cause: error,
      },
    );
  }
  if (error instanceof DiscordAPIError) {
    const details = { status: error.status, body: bodyOf(error), cause: error };
    const said = `${error.message} (code ${error.code})`;
    switch (error.status) {
      case 401:
        return new DeliveryError(
          false,
          `${where}: Discord refused the bot token (401 Unauthorized)`,
          details,
        );
      case 403:
        return new DeliveryError(
          false,
          `${where}: the bot may not post there: ${said}; it needs View Channel, Send Messages and Embed Links`,
          details,
        );
      case 404:
        return new DeliveryError(false, `${where} not found: ${said}; check the channel id`, details);
      default:
        if (error.status >= 500)
          return new DeliveryError(true, `${where}: Discord error ${error.status}`, details);
        return new DeliveryError(false, `${where}: Discord rejected the message: ${said}`, details);
    }
  }
  if (error instanceof HTTPError) {
    return new DeliveryError(
      error.status >= 500 || error.status === 429,
      `${where}: Discord answered ${error.status}`,
      {
        status: error.status,
        cause: error,
      },
    );
  }
  return new DeliveryError(true, `${where}: could not reach Discord: ${describeCause(error)}`, {
    cause: error,
  });
}

function readArgs(
  interaction: ChatInputCommandInteraction,
  options: readonly CommandOption[],
): Record<string, ArgValue> {
  const args: Record<string, ArgValue> = {};
  for (const option of options) {
    const value =
      option.type === 'string'
        ? interaction.options.getString(option.name)
        : option.type === 'integer'
          ? interaction.options.getInteger(option.name)
          : interaction.options.getBoolean(option.name);
    if (value !== null) args[option.name] = value;
  }
  return args;
}

function toCommandUser(interaction: ChatInputCommandInteraction): CommandUser {
  const member = interaction.member;
  // A cached GuildMember exposes roles through the guild's role cache, which the Guilds intent keeps current
  // (GUILD_CREATE, GUILD_ROLE_*); an uncached member arrives as the raw payload with role ids.
  const roles = member
    ? Array.isArray(member.roles)
      ? [...member.roles]
      : [...member.roles.cache.keys()]
    : [];
  return {
    platform: 'discord',
    id: interaction.user.id,
    name: interaction.user.username,
    // The @everyone role has the guild's id; it says nothing about the user.
    roles: roles.filter((role) => role !== interaction.guildId),
    admin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
}

/**
 * Serialises everything sent for one interaction, so an automatic defer and the command's own reply cannot race,
 * and picks the right call: `reply` first, `editReply` for the first answer after a defer, `followUp` after.
 */
function createResponder(
  interaction: ChatInputCommandInteraction,
  options: {
    /** Visibility of a `defer()` the command asks for (see isPublicAnswer). */
    readonly publicDefer: boolean;
    /** Visibility of the automatic defer at `autoDeferMs` (see isPublicAutoDefer). */
    readonly publicAutoDefer: boolean;
    readonly autoDeferMs: number;
    readonly log: Logger;
  },
) {
  let state: 'fresh' | 'deferred' | 'answered' = 'fresh';
  /** Whether the deferred response is visible to the channel (fixed at defer time by Discord). */
  let deferredPublicly = false;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  };

  const deferIfFresh = async (visible: boolean): Promise<void> => {
    if (state !== 'fresh') return;
    await interaction.deferReply(visible ? {} : { flags: MessageFlags.Ephemeral });
    state = 'deferred';
    deferredPublicly = visible;
  };

  const timer = setTimeout(() => {
    enqueue(() => deferIfFresh(options.publicAutoDefer)).catch((error: unknown) =>
      options.log.warn({ err: error }, 'could not defer the interaction in time'),
    );
  }, options.autoDeferMs);
  timer.unref();

  const answer = async (message: Message): Promise<void> => {
    clearTimeout(timer);
    const { flags: _flags, ...payload } = renderDiscordMessage(message);
    if (state === 'fresh') {
      await interaction.reply({ ...payload, flags: ephemeralFlag(message) });
    } else if (state === 'deferred' && deferredPublicly && message.ephemeral !== false) {
      // A private answer (a refusal, an error) after a public defer. Neither editReply nor the first followUp
      // can make it private: Discord fixes the deferred response's visibility at defer time, and the first
      // follow-up to a deferred response fills that response. So the deferred response becomes a neutral public
      // line, the answer goes as an ephemeral follow-up (a separate message once the original is filled), and
      // the public line is then deleted. Only the caller ever sees the answer.
      const { flags: _none, ...placeholder } = renderDiscordMessage(ANSWERED_PRIVATELY);
      await interaction.editReply(placeholder);
      state = 'answered';
      await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
      try {
        await interaction.deleteReply();
      } catch (error) {
        options.log.warn({ err: error }, 'could not delete the public placeholder of a private answer');
      }
    } else if (state === 'deferred') {
      // The visibility was fixed by the defer: a public answer after an ephemeral defer stays private (the safe
      // direction); see isPublicAnswer.
      await interaction.editReply(payload);
    } else {
      await interaction.followUp({ ...payload, flags: ephemeralFlag(message) });
    }
    state = 'answered';
  };

  return {
    defer: (): Promise<void> => enqueue(() => deferIfFresh(options.publicDefer)),
    reply: (message: Message): Promise<void> => enqueue(() => answer(message)),
    /** Never leave the user with "thinking…" or "did not respond" when a command ends without answering. */
    finish: (): Promise<void> =>
      enqueue(async () => {
        clearTimeout(timer);
        if (state !== 'answered') {
          await answer({
            title: 'Done',
            lines: ['The command finished without an answer.'],
            tone: 'neutral',
          });
        }
      }),
  };
}

async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Discord side of rblwatch: a discord.js gateway client (Guilds intent only: slash commands need no
 * privileged intents) that answers `/rbl <subcommand>` through the shared command runtime, suggests watched
 * targets and zones as the user types, and posts alerts and reports to channels through REST.
 *
 * Answers: the first is `interaction.reply` (ephemeral unless the message says `ephemeral: false`); after
 * `defer()` (or the automatic defer at `autoDeferMs`) the first answer edits the deferred message, whose
 * visibility was fixed by the defer (see {@link isPublicAnswer} and {@link isPublicAutoDefer}), except that a
 * private answer after a public defer goes as an ephemeral follow-up; later answers are follow-ups with their own
 * visibility. Only the servers in `config.guildIds` are served: an interaction from any other server, or from a
 * direct message, is answered "not enabled in this server" (autocomplete: no choices), logged, and never reaches
 * the runtime. Every handler is wrapped: a failure is logged and never reaches the client's event loop.
 * The gateway reconnects and resumes by itself (discord.js); the shard events are only logged.
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding
 */
export function createDiscordAdapter(options: DiscordAdapterOptions): ChatAdapter {
  const { config, registry, runtime, services } = options;
  const log = options.log.child({ platform: 'discord' });
  const api = config.apiUrl ?? DEFAULT_API;
  const autoDeferMs = options.autoDeferMs ?? 2_000;
  const extra = options.clientOptions ?? {};

  const client = (options.createClient ?? ((clientOptions) => new Client(clientOptions)))({
    intents: [GatewayIntentBits.Guilds],
    // Belt and braces: every payload we build sets this too.
    allowedMentions: { parse: [] },
    ...extra,
    // Interaction replies may retry a 5xx once; each attempt is bounded so a reply cannot hang a handler.
    rest: { api, retries: 1, timeout: 10_000, ...extra.rest },
  });

  /**
   * Channel posts get their own REST manager: no retries and no waiting out rate limits (429 and pre-emptive
   * bucket limits throw at once), because the alert outbox owns retries and backoff and must not be blocked for
   * minutes inside one send. It also works before `start()`, since it needs no gateway session.
   */
  const postRest = new REST({
    api,
    retries: 0,
    timeout: 10_000,
    rejectOnRateLimit: () => true,
    ...(extra.rest?.makeRequest ? { makeRequest: extra.rest.makeRequest } : {}),
  });

  client.on(Events.Error, (error) => log.error({ err: error }, 'Discord client error'));
  client.on(Events.Warn, (message) => log.warn(message));
  client.on(Events.ShardDisconnect, (event, shard) =>
    log.warn({ code: event.code, shard }, 'Discord gateway disconnected'),
  );
  client.on(Events.ShardResume, (shard, replayed) =>
    log.info({ shard, replayed }, 'Discord gateway resumed'),
  );
  client.on(Events.ShardReconnecting, (shard) => log.info({ shard }, 'Discord gateway reconnecting'));
  client.on(Events.InteractionCreate, (interaction) => {
    handleInteraction(interaction).catch((error: unknown) =>
      log.error({ err: error, interaction: interaction.id }, 'Discord interaction handler failed'),
    );
  });

  const servedGuilds = new Set(config.guildIds);

  async function handleInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isAutocomplete() && !interaction.isChatInputCommand()) return;
    if (interaction.guildId === null || !servedGuilds.has(interaction.guildId)) {
      await refuseGuild(interaction);
      return;
    }
    if (interaction.isAutocomplete()) await handleAutocomplete(interaction);
    else await handleCommand(interaction);
  }

  /**
   * An interaction from a server rblwatch does not serve (anyone can add a public bot to a server of their own),
   * or from outside a server: refused before the runtime, so neither commands nor autocomplete (which reads the
   * watched targets) run there, and Manage Server in that server never counts as admin.
   */
  async function refuseGuild(interaction: AutocompleteInteraction | ChatInputCommandInteraction) {
    log.warn(
      {
        guild: interaction.guildId ?? null,
        user: interaction.user.id,
        command: interaction.commandName,
        interaction: interaction.id,
      },
      'refused a Discord interaction from a server rblwatch does not serve',
    );
    if (interaction.isAutocomplete()) {
      await interaction.respond([]);
      return;
    }
    const { flags: _flags, ...payload } = renderDiscordMessage({
      title: 'Not available here',
      lines: ['rblwatch is not enabled in this server.'],
      tone: 'warning',
    });
    await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
  }

  async function refuse(interaction: ChatInputCommandInteraction, line: string): Promise<void> {
    const { flags: _flags, ...payload } = renderDiscordMessage({
      title: 'Unknown command',
      lines: [line],
      tone: 'warning',
    });
    await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
  }

  async function handleCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const sub = interaction.options.getSubcommand(false);
    const command = interaction.commandName === config.command && sub ? registry.get(sub) : undefined;
    if (!command) {
      log.warn({ command: interaction.commandName, sub }, 'Discord command not in the registry');
      await refuse(
        interaction,
        'This rblwatch does not know that command; its Discord command list may be out of date.',
      );
      return;
    }
    let args: Record<string, ArgValue>;
    try {
      args = readArgs(interaction, command.options);
    } catch (error) {
      // An option registered with another type than the registry has now: registration drift.
      log.warn({ err: error, sub }, 'Discord command options do not match the registry');
      await refuse(interaction, 'The command options are out of date; try again in a minute.');
      return;
    }
    const responder = createResponder(interaction, {
      publicDefer: isPublicAnswer(command, args),
      publicAutoDefer: isPublicAutoDefer(command, args),
      autoDeferMs,
      log,
    });
    const invocation: DiscordInvocation = {
      command,
      args,
      user: toCommandUser(interaction),
      defer: responder.defer,
      reply: responder.reply,
      interactionId: interaction.id,
    };
    await runtime.run(invocation);
    await responder.finish();
  }

  async function suggestions(kind: CommandOption['autocomplete'], typed: string) {
    const prefix = typed.trim().toLowerCase();
    if (kind === 'target') {
      const inventory = await withinBudget(services.store.listInventory(), AUTOCOMPLETE_BUDGET_MS);
      const targets = [...new Set(inventory.map((entry) => entry.target))]
        .filter((target) => target.length <= MAX_CHOICE_LENGTH && target.toLowerCase().startsWith(prefix))
        .sort();
      return targets.slice(0, MAX_CHOICES).map((target) => ({ name: target, value: target }));
    }
    if (kind === 'zone') {
      return services.zones
        .list()
        .filter(
          (zone) =>
            zone.zone.length <= MAX_CHOICE_LENGTH &&
            (zone.zone.toLowerCase().startsWith(prefix) || zone.name.toLowerCase().startsWith(prefix)),
        )
        .slice(0, MAX_CHOICES)
        .map((zone) => {
          const label = zone.name && zone.name !== zone.zone ? `${zone.zone} (${zone.name})` : zone.zone;
          return { name: label.slice(0, MAX_CHOICE_LENGTH), value: zone.zone };
        });
    }
    return [];
  }

  /** Never throws: a failed lookup answers with no suggestions, and a failed answer is only logged. */
  async function handleAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    let choices: { name: string; value: string }[] = [];
    try {
      const sub = interaction.options.getSubcommand(false);
      const command = interaction.commandName === config.command && sub ? registry.get(sub) : undefined;
      const focused = interaction.options.getFocused(true);
      const option = command?.options.find((candidate) => candidate.name === focused.name);
      const typed = String(focused.value ?? '');
      if (option?.rest) {
        // A free-text list ("192.0.2.1 198.51.100."): complete the last word, keep the ones before it.
        const head = /^(.*[\s,])?([^\s,]*)$/.exec(typed);
        const before = head?.[1] ?? '';
        choices = (await suggestions(option.autocomplete, head?.[2] ?? ''))
          .map((choice) => ({ name: `${before}${choice.name}`, value: `${before}${choice.value}` }))
          .filter((choice) => choice.value.length <= MAX_CHOICE_LENGTH)
          .map((choice) => ({ ...choice, name: choice.name.slice(0, MAX_CHOICE_LENGTH) }));
      } else {
        choices = await suggestions(option?.autocomplete, typed);
      }
    } catch (error) {
      log.warn({ err: error }, 'Discord autocomplete lookup failed');
    }
    try {
      await interaction.respond(choices);
    } catch (error) {
      log.warn({ err: error }, 'could not answer Discord autocomplete');
    }
  }

  /**
   * A global `/rbl` (registered by an older version) shows in every server the bot is in, where it is now refused,
   * and twice in the served ones. It is left alone (it may belong to another deployment of the same application),
   * only reported.
   */
  async function warnAboutGlobalCommands(): Promise<void> {
    try {
      const global = (await client.rest.get(Routes.applicationCommands(config.applicationId))) as {
        id: string;
        name: string;
      }[];
      const stale = global.filter((command) => command.name === config.command);
      if (stale.length > 0) {
        log.warn(
          { command: config.command, ids: stale.map((command) => command.id) },
          `a global /${config.command} is registered; rblwatch serves only the configured servers, so delete it ` +
            '(DELETE /applications/{application id}/commands/{id})',
        );
      }
    } catch (error) {
      log.warn({ err: error }, 'could not read the global Discord commands');
    }
  }

  return {
    platform: 'discord',

    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      try {
        await client.login(config.token.reveal());
        await withinBudget(ready, READY_TIMEOUT_MS);
      } catch (error) {
        await client.destroy();
        // discord.js messages never include the token; keep the cause for the log.
        throw new AppError(ErrorCode.CHAT_API_ERROR, `Discord login failed: ${describeCause(error)}`, {
          cause: error,
        });
      }
      log.info({ user: client.user?.username, guilds: client.guilds.cache.size }, 'Discord gateway ready');
      if (options.registerCommands !== false) {
        for (const guildId of config.guildIds) {
          try {
            await registerDiscordCommands({
              rest: client.rest,
              applicationId: config.applicationId,
              guildId,
              registry,
              rootName: config.command,
              log,
            });
          } catch (error) {
            // Alerts still flow through post(); say loudly that /rbl will not work until this is fixed.
            log.error(
              { err: error, guild: guildId },
              'could not register the Discord commands (does the bot have the applications.commands scope?)',
            );
          }
        }
        await warnAboutGlobalCommands();
      }
    },

    async stop() {
      await client.destroy();
      postRest.clearHashSweeper();
      postRest.clearHandlerSweeper();
    },

    async post(channel: string, message: Message) {
      if (!/^\d{1,20}$/.test(channel)) {
        throw new DeliveryError(false, `"${channel.slice(0, 40)}" is not a Discord channel id (a number)`);
      }
      const { embeds, components } = renderDiscordMessage(message);
      // Set each time: a 401 makes @discordjs/rest forget the token, and the next attempt should report the
      // same 401 rather than "no token".
      postRest.setToken(config.token.reveal());
      try {
        await postRest.post(Routes.channelMessages(channel), {
          body: { embeds, ...(components ? { components } : {}), allowed_mentions: { parse: [] } },
        });
      } catch (error) {
        throw toDeliveryError(error, channel);
      }
    },
  } satisfies ChatAdapter;
}
