import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  type RespondFn,
  type SlashCommand,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { CommandDefinition, CommandUser } from '../../command-api/command.ts';
import { DeliveryError } from '../../domain/delivery-error.ts';
import type { Message } from '../../domain/message.ts';
import { AppError, ErrorCode } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ChatAdapter } from '../chat-adapter.ts';
import type { SlackConfig } from '../chat-config.ts';
import type { CommandRuntime } from '../command-runtime.ts';
import { parseCommandText } from '../parse-command-text.ts';
import { renderSlackMessage } from './render-slack.ts';

type WebClientOptions = webApi.WebClientOptions;

/** Socket Mode client settings worth changing (tests shorten the ping timeout, which is also the reconnect delay). */
export interface SlackSocketModeOptions {
  /** ms to wait for a pong; also the reconnect back-off unit (default 5,000). */
  readonly clientPingTimeout?: number;
  /** ms without a server ping before the link counts as dead, once the server has pinged (default 30,000). */
  readonly serverPingTimeout?: number;
  /** Connect again after a dropped socket (default true). The adapter does this, not the Socket Mode client. */
  readonly autoReconnectEnabled?: boolean;
  readonly pingPongLoggingEnabled?: boolean;
}

export interface SlackAdapterOptions {
  readonly config: SlackConfig;
  /** The commands `/rbl <name> …` can run. */
  readonly registry: ReadonlyMap<string, CommandDefinition>;
  readonly runtime: CommandRuntime;
  readonly log: Logger;
  /**
   * Extra Web API client options for every client the adapter makes (tests: `slackApiUrl`, `retryConfig` with zero
   * retries). `slackApiUrl` here wins over `config.apiUrl`.
   */
  readonly clientOptions?: Pick<WebClientOptions, 'slackApiUrl' | 'retryConfig' | 'timeout'>;
  readonly socketModeOptions?: SlackSocketModeOptions;
  /** How long user-group members and admin flags are reused, in ms (default 5 minutes; 0 asks Slack every time). */
  readonly directoryCacheMs?: number;
  /** Socket Mode: wait before trying again when a reconnect attempt itself failed, in ms (default 30 s). */
  readonly reconnectRetryMs?: number;
}

export interface SlackAdapter extends ChatAdapter {
  readonly platform: 'slack';
  /** HTTP mode: the address the receiver listens on once started (port 0 in the config picks a free one). */
  address(): { host: string; port: number } | undefined;
}

/** Where the HTTP receiver takes slash commands and interactivity payloads. */
export const SLACK_EVENTS_PATH = '/slack/events';

const DEFAULT_DIRECTORY_CACHE_MS = 5 * 60_000;
const DEFAULT_RECONNECT_RETRY_MS = 30_000;
/** The Socket Mode client's default ping timeout, which it also uses as its reconnect delay unit. */
const DEFAULT_CLIENT_PING_TIMEOUT_MS = 5_000;
/**
 * `apps.connections.open` refusals that trying again will not lift, as the Socket Mode client classifies them
 * (its `UnrecoverableSocketModeStartError`); any other `ok:false` (`ratelimited`, `internal_error`, ...) may pass.
 */
const UNRECOVERABLE_OPEN_ERRORS: ReadonlySet<string> = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'user_removed_from_team',
  'team_disabled',
]);
/** Users whose admin flag is cached at most; the oldest are forgotten first. */
const MAX_CACHED_USERS = 1_000;
/** Slack `ok:false` codes that mean "try again later" rather than "this will never work". */
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * The Slack side of rblwatch, on the real Bolt app: one slash command (`/rbl`) through the shared command runtime,
 * and `post()` for alerts.
 *
 * - Socket Mode (`appToken`) or the HTTP receiver at `/slack/events` (`signingSecret`; Bolt verifies the signature
 *   and the 5-minute replay window and answers 401 otherwise).
 * - The command is acknowledged before anything else happens; parsing, user lookups and the command itself run
 *   after the ack and answer through `respond()` (the `response_url`), ephemeral unless the reply says otherwise.
 * - Every listener error reaches one sink (`app.error`) and the log; nothing a user sends can crash the process.
 * - `post()` uses its own Web API client with zero retries and rate-limited calls rejected at once, so the alert
 *   outbox owns retrying; failures are {@link DeliveryError}s.
 *
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands
 * @see https://docs.slack.dev/apis/events-api/using-socket-mode
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { config, registry, runtime } = options;
  const log = options.log.child({ component: 'slack' });
  const token = config.botToken.reveal();
  const boltLogger = toBoltLogger(log);
  const slackApiUrl = options.clientOptions?.slackApiUrl ?? config.apiUrl;
  // A fresh object per client: Bolt and the Socket Mode client write into the options they are given.
  const baseClientOptions = (): WebClientOptions => ({
    ...options.clientOptions,
    ...(slackApiUrl ? { slackApiUrl } : {}),
    logger: boltLogger,
  });
  const cacheMs = options.directoryCacheMs ?? DEFAULT_DIRECTORY_CACHE_MS;
  const reconnectRetryMs = options.reconnectRetryMs ?? DEFAULT_RECONNECT_RETRY_MS;

  // Alert posts: the outbox retries, so this client never does (and never sleeps through a Retry-After).
  const postClient = new webApi.WebClient(token, {
    ...baseClientOptions(),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.clientOptions?.timeout ?? 15_000,
  });
  // User-group and admin lookups happen while a user waits for an answer: a short, bounded budget.
  const directoryClient = new webApi.WebClient(token, {
    ...baseClientOptions(),
    retryConfig: options.clientOptions?.retryConfig ?? {
      retries: 2,
      factor: 2,
      minTimeout: 300,
      maxTimeout: 2_000,
    },
    rejectRateLimitedCalls: true,
    timeout: options.clientOptions?.timeout ?? 5_000,
  });

  let socketReceiver: SocketModeReceiver | undefined;
  let httpReceiver: HTTPReceiver | undefined;
  if (config.mode === 'socket') {
    if (!config.appToken) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        'Slack Socket Mode needs the app-level token (SLACK_APP_TOKEN)',
      );
    }
    socketReceiver = new SocketModeReceiver({
      appToken: config.appToken.reveal(),
      logger: boltLogger,
      // Socket Mode's own client (apps.connections.open) reads these, not the App's clientOptions.
      installerOptions: { clientOptions: baseClientOptions() },
      ...options.socketModeOptions,
      // Reconnecting is ours (see below): the client's own loop leaves a failed attempt unhandled.
      autoReconnectEnabled: false,
    });
  } else {
    if (!config.signingSecret) {
      throw new AppError(
        ErrorCode.CONFIG_INVALID,
        'the Slack HTTP receiver needs the signing secret (SLACK_SIGNING_SECRET)',
      );
    }
    httpReceiver = new HTTPReceiver({
      signingSecret: config.signingSecret.reveal(),
      endpoints: SLACK_EVENTS_PATH,
      port: config.port,
      logger: boltLogger,
      bodyLimit: 1024 * 1024,
    });
  }

  const app = new App({
    token,
    receiver: socketReceiver ?? httpReceiver,
    logger: boltLogger,
    // Bolt's own client (auth.test, respond) keeps Bolt's default retry policy in production.
    clientOptions: baseClientOptions(),
    // auth.test runs in start(), not in this constructor, so a bad token fails start() with a clear error.
    deferInitialization: true,
  });

  /** The one error sink: log, never rethrow. */
  const report = (error: unknown, what: string): void => {
    log.error({ err: error, code: slackErrorCode(error) }, what);
  };
  app.error(async (error) => report(error, 'Slack listener failed'));

  const directory = createDirectory(directoryClient, log, cacheMs);

  app.command(config.command, async ({ command, ack, respond }) => {
    try {
      await ack();
    } catch (error) {
      report(error, 'could not acknowledge the Slack command');
      return;
    }
    try {
      await handleCommand(command, respond);
    } catch (error) {
      report(error, 'Slack command handling failed');
    }
  });

  // URL buttons (delist pages) still send a block_actions payload; acknowledge it so Slack shows no error.
  app.action({ type: 'block_actions', action_id: /^rblwatch-link-/ }, async ({ ack }) => {
    await ack();
  });

  async function handleCommand(command: SlashCommand, respond: RespondFn): Promise<void> {
    const reply = async (message: Message): Promise<void> => {
      const rendered = renderSlackMessage(message);
      await respond({
        response_type: message.ephemeral === false ? 'in_channel' : 'ephemeral',
        replace_original: false,
        text: rendered.text,
        blocks: rendered.blocks,
      });
    };
    const userId = typeof command.user_id === 'string' ? command.user_id.slice(0, 64) : '';
    if (!userId) {
      log.warn('Slack command without a user id; ignored');
      return;
    }
    const parsed = parseCommandText(typeof command.text === 'string' ? command.text : '', registry);
    if (!parsed.ok) {
      log.info({ user: `slack:${userId}` }, 'Slack command text refused');
      await reply({ title: 'Cannot run that', lines: [parsed.error], tone: 'warning', ephemeral: true });
      return;
    }
    const user = await resolveUser(userId, String(command.user_name ?? ''), parsed.value.command);
    await runtime.run({
      command: parsed.value.command,
      args: parsed.value.args,
      user,
      // Slack has already been acknowledged; the answer goes to the response_url, valid for 30 minutes.
      defer: async () => {},
      reply,
    });
  }

  /**
   * The caller as the runtime sees it. Roles (user groups named in the policy) and the admin flag are looked up
   * only for commands that change state, the only ones the permission check reads; lookups that fail count as
   * "no role" and "not admin".
   */
  async function resolveUser(id: string, name: string, command: CommandDefinition): Promise<CommandUser> {
    const base: CommandUser = { platform: 'slack', id, name: name.slice(0, 80) || id };
    const policy = config.policy;
    if (command.access !== 'change' || policy.users.includes(id)) return base;
    const [roles, admin] = await Promise.all([
      policy.roles.length > 0 ? directory.groupsOf(id, policy.roles) : Promise.resolve([]),
      policy.admins ? directory.isAdmin(id) : Promise.resolve(false),
    ]);
    return { ...base, roles, admin };
  }

  /*
   * Socket Mode reconnects are the adapter's, through the client's public surface: it runs with
   * `autoReconnectEnabled: false`, reports every dropped socket (a network drop, a missed pong, Slack's `disconnect`
   * frame) as `disconnected`, and is connected again with `client.start()`. The client's own reconnect loop restarts
   * the socket from a timer and leaves a failed restart (Slack unreachable, a refused `apps.connections.open`) as an
   * unhandled rejection, which ends the process (slackapi/node-slack-sdk#2656). Delays follow the client's: the ping
   * timeout after a drop, times the failures in a row for a refusal Slack may lift; `reconnectRetryMs` after any
   * other failure.
   */
  const reconnects = options.socketModeOptions?.autoReconnectEnabled ?? true;
  const pingTimeoutMs = options.socketModeOptions?.clientPingTimeout ?? DEFAULT_CLIENT_PING_TIMEOUT_MS;
  let started = false;
  let stopping = false;
  let connectedOnce = false;
  /** On while `client.start()` runs, so the `disconnected` it may emit on failing is not a second drop. */
  let connecting = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  /** Ends a wait between attempts of the first connection when `stop()` is called. */
  let wakeUp: (() => void) | undefined;

  const isRecoverable = (error: unknown): boolean =>
    error instanceof webApi.WebAPIPlatformError && !UNRECOVERABLE_OPEN_ERRORS.has(String(error.data.error));
  const retryDelay = (error: unknown): number => {
    failures += 1;
    return isRecoverable(error) ? pingTimeoutMs * failures : reconnectRetryMs;
  };

  function scheduleReconnect(delayMs: number): void {
    if (stopping || !reconnects || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void reconnect();
    }, delayMs);
  }

  async function reconnect(): Promise<void> {
    if (stopping || !socketReceiver) return;
    log.info('Slack Socket Mode reconnecting');
    connecting = true;
    try {
      await socketReceiver.client.start();
      failures = 0;
    } catch (error) {
      if (stopping) return;
      const delayMs = retryDelay(error);
      report(error, `Slack Socket Mode reconnect failed; trying again in ${delayMs} ms`);
      scheduleReconnect(delayMs);
    } finally {
      connecting = false;
    }
  }

  /** The first connection: a refusal Slack may lift is tried again (as the client itself would), anything else fails. */
  async function connectFirst(): Promise<void> {
    for (;;) {
      connecting = true;
      try {
        await app.start();
        failures = 0;
        return;
      } catch (error) {
        if (stopping || !reconnects || !isRecoverable(error)) throw error;
        const delayMs = retryDelay(error);
        log.warn(
          { code: slackErrorCode(error) },
          `Slack Socket Mode could not connect; trying again in ${delayMs} ms`,
        );
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          retryTimer = setTimeout(resolve, delayMs);
        });
        retryTimer = undefined;
        wakeUp = undefined;
        if (stopping)
          throw new AppError(ErrorCode.CHAT_API_ERROR, 'stopped before Slack Socket Mode connected');
      } finally {
        connecting = false;
      }
    }
  }

  if (socketReceiver) {
    const client = socketReceiver.client;
    client.on('connected', () => {
      log.info(connectedOnce ? 'Slack Socket Mode reconnected' : 'Slack Socket Mode connected');
      connectedOnce = true;
    });
    client.on('close', () => {
      if (!stopping && reconnects) log.warn('Slack Socket Mode connection closed; reconnecting');
    });
    client.on('disconnected', () => {
      if (!stopping && !connecting && started) scheduleReconnect(pingTimeoutMs);
    });
  }

  let server: Server | undefined;
  let listening: { host: string; port: number } | undefined;

  return {
    platform: 'slack',

    address: () => listening,

    async start() {
      if (started) return;
      stopping = false;
      try {
        await app.init();
      } catch (error) {
        throw new AppError(
          ErrorCode.CHAT_API_ERROR,
          redact(`Slack refused the bot token on auth.test (${slackErrorCode(error)})`, token),
          { cause: error },
        );
      }
      try {
        if (httpReceiver) {
          server = (await app.start({ port: config.port, host: config.host })) as Server;
          const address = server.address() as AddressInfo;
          listening = { host: address.address, port: address.port };
          log.info({ host: listening.host, port: listening.port }, 'Slack HTTP receiver listening');
        } else {
          await connectFirst();
        }
      } catch (error) {
        throw new AppError(
          ErrorCode.CHAT_API_ERROR,
          redact(`Slack could not be started (${slackErrorCode(error)})`, token),
          { cause: error },
        );
      }
      started = true;
    },

    async stop() {
      stopping = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      wakeUp?.();
      if (!started) return;
      started = false;
      if (socketReceiver) {
        // receiver.stop() resolves before the close handshake; wait for the client itself (bounded).
        await withTimeout(socketReceiver.client.disconnect(), 5_000);
        return;
      }
      const closing = app.stop();
      server?.closeAllConnections();
      await closing;
      server = undefined;
      listening = undefined;
    },

    async post(channel, message) {
      const rendered = renderSlackMessage(message);
      try {
        await postClient.chat.postMessage({
          channel,
          text: rendered.text,
          blocks: rendered.blocks,
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        });
      } catch (error) {
        throw toDeliveryError(channel, error, token);
      }
    },
  } satisfies SlackAdapter;
}

/** The Slack error code of a Web API error (`channel_not_found`, `ratelimited`, `http_500`, `network`, …). */
export function slackErrorCode(error: unknown): string {
  if (error instanceof webApi.WebAPIPlatformError) return String(error.data.error);
  if (error instanceof webApi.WebAPIRateLimitedError) return 'ratelimited';
  if (error instanceof webApi.WebAPIHTTPError) return `http_${error.statusCode}`;
  if (error instanceof webApi.WebAPIRequestError) return 'network';
  if (error instanceof AppError) return error.code;
  if (error instanceof Error) return error.name;
  return 'unknown';
}

/**
 * Map a `chat.postMessage` failure to a {@link DeliveryError}: rate limits (HTTP 429 or `ratelimited`), HTTP 5xx,
 * Slack's transient `ok:false` codes and network errors are retryable; any other refusal (`channel_not_found`,
 * `not_in_channel`, `invalid_auth`, …) is final. The message names the channel and the code, never the token.
 */
export function toDeliveryError(channel: string, error: unknown, token?: string): DeliveryError {
  const where = `Slack post to ${channel.slice(0, 80)}`;
  const make = (
    retryable: boolean,
    message: string,
    details: ConstructorParameters<typeof DeliveryError>[2],
  ) => new DeliveryError(retryable, token ? redact(message, token) : message, { ...details, cause: error });
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return make(true, `${where} was rate limited (retry after ${error.retryAfter} s)`, {
      status: 429,
      retryAfterMs: error.retryAfter * 1000,
    });
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = String(error.data.error);
    const retryAfter = error.data.response_metadata?.retryAfter;
    return make(RETRYABLE_PLATFORM_ERRORS.has(code), `${where} refused: ${code}`, {
      status: 200,
      body: JSON.stringify({ ok: false, error: code }),
      ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    const status = error.statusCode;
    const retryAfter = Number.parseInt(error.headers['retry-after'] ?? '', 10);
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body ?? '');
    return make(status >= 500 || status === 408 || status === 429, `${where} failed: HTTP ${status}`, {
      status,
      body: token ? redact(body.slice(0, 500), token) : body.slice(0, 500),
      ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  if (error instanceof webApi.WebAPIRequestError) {
    return make(true, `${where} failed: Slack unreachable (${error.original.name})`, {});
  }
  return make(true, `${where} failed: ${slackErrorCode(error)}`, {});
}

/** User-group membership and admin flags, cached for `ttlMs`; a failed lookup is logged and not cached. */
function createDirectory(client: webApi.WebClient, log: Logger, ttlMs: number) {
  const groups = new Map<string, { expires: number; members: Promise<ReadonlySet<string>> }>();
  const admins = new Map<string, { expires: number; admin: Promise<boolean> }>();

  function members(group: string): Promise<ReadonlySet<string>> {
    const cached = groups.get(group);
    if (cached && Date.now() < cached.expires) return cached.members;
    const lookup = client.usergroups.users
      .list({ usergroup: group })
      .then((result) => new Set(result.users ?? []) as ReadonlySet<string>)
      .catch((error: unknown) => {
        log.warn(
          { group, code: slackErrorCode(error) },
          'could not read a Slack user group; counting no members',
        );
        groups.delete(group);
        return new Set<string>() as ReadonlySet<string>;
      });
    groups.set(group, { expires: Date.now() + ttlMs, members: lookup });
    return lookup;
  }

  return {
    async groupsOf(user: string, wanted: readonly string[]): Promise<string[]> {
      const sets = await Promise.all(wanted.map((group) => members(group)));
      return wanted.filter((_, i) => sets[i]?.has(user));
    },
    isAdmin(user: string): Promise<boolean> {
      const cached = admins.get(user);
      if (cached && Date.now() < cached.expires) return cached.admin;
      const lookup = client.users
        .info({ user })
        .then((result) => result.user?.is_admin === true || result.user?.is_owner === true)
        .catch((error: unknown) => {
          log.warn(
            { user, code: slackErrorCode(error) },
            'could not read a Slack user; counting as not admin',
          );
          admins.delete(user);
          return false;
        });
      admins.delete(user);
      admins.set(user, { expires: Date.now() + ttlMs, admin: lookup });
      if (admins.size > MAX_CACHED_USERS) admins.delete(admins.keys().next().value as string);
      return lookup;
    },
  };
}

/**
 * Bolt's logger interface on top of pino. Bolt's debug output is verbose and can echo payloads, so it goes to
 * `trace`; the level is pino's, and Bolt's `setLevel` calls are ignored.
 */
function toBoltLogger(log: Logger): BoltLogger {
  const text = (parts: unknown[]): string =>
    parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part instanceof Error) return `${part.name}: ${part.message}`;
        try {
          return JSON.stringify(part);
        } catch {
          return String(part);
        }
      })
      .join(' ');
  const bolt = log.child({ lib: 'bolt' });
  return {
    debug: (...parts: unknown[]) => bolt.trace(text(parts)),
    info: (...parts: unknown[]) => bolt.info(text(parts)),
    warn: (...parts: unknown[]) => bolt.warn(text(parts)),
    error: (...parts: unknown[]) => bolt.error(text(parts)),
    setLevel: () => {},
    getLevel: () => {
      const level = log.level;
      if (level === 'trace') return LogLevel.DEBUG;
      if (level === 'warn') return LogLevel.WARN;
      if (level === 'error' || level === 'fatal' || level === 'silent') return LogLevel.ERROR;
      return LogLevel.INFO;
    },
    setName: () => {},
  };
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
