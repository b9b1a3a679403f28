/**
 * A fake Discord for driving the real discord.js client offline: REST under `/api/v10` and the gateway
 * WebSocket at `/gateway`, both on one 127.0.0.1 port (see ../shared/CHAT-FAKES.md §3).
 *
 * It records every REST call and every gateway frame the client sends, checks the bot token where Discord does,
 * and is stricter than Discord where that is cheap: a second callback for one interaction is refused, and
 * unknown routes answer 404 naming the route, so library drift fails loudly instead of hanging.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** Discord's epoch (2015-01-01), for snowflakes that discord.js can turn into timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;
/** A fresh, increasing snowflake. */
export function snowflake(): string {
  increment = (increment + 1n) & 0xfffn;
  return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | increment);
}

const EPHEMERAL = 64;
/** View Channel + Send Messages + Use Application Commands. */
const MEMBER_PERMISSIONS = (1n << 10n) | (1n << 11n) | (1n << 31n);
const MANAGE_GUILD = 1n << 5n;

export interface RecordedCall {
  readonly method: string;
  /** Decoded path below `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly auth: string | undefined;
  /** What the fake answered. */
  status: number;
}

export interface GatewayFrame {
  readonly op: number;
  readonly d: unknown;
}

/** A failure to script for `POST /channels/:id/messages`. */
export type ChannelFailure =
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number; readonly global?: boolean }
  | { readonly kind: 'missing-access' }
  | { readonly kind: 'missing-permissions' }
  | { readonly kind: 'unknown-channel' }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'server-error'; readonly status?: number }
  | { readonly kind: 'network' };

export interface FakeUser {
  readonly id: string;
  readonly name: string;
  readonly roles?: readonly string[];
  /** The member has Manage Server. */
  readonly admin?: boolean;
}

export interface InteractionOptionValue {
  readonly name: string;
  /** 3 string, 4 integer, 5 boolean. */
  readonly type: number;
  readonly value: string | number | boolean;
  readonly focused?: boolean;
}

export interface SendInteraction {
  /** The root command (default `rbl`). */
  readonly command?: string;
  readonly subcommand?: string;
  readonly options?: readonly InteractionOptionValue[];
  readonly user: FakeUser;
  readonly channelId?: string;
  /**
   * The guild the interaction comes from (default the fake's guild, the one in GUILD_CREATE). Another id stands
   * for a server the bot was added to elsewhere; `null` for a direct message (no guild, no member).
   */
  readonly guildId?: string | null;
}

/** Everything the bot sent for one interaction. */
export interface InteractionRecord {
  readonly id: string;
  readonly token: string;
  readonly type: 2 | 4;
  /** Callback bodies (`{type, data}`), in order; more than one is refused with 400. */
  readonly callbacks: { type: number; data?: Record<string, unknown> }[];
  /**
   * For each callback, milliseconds since the interaction was sent: Discord expires an interaction that is not
   * answered within 3 s.
   */
  readonly callbackAfterMs: number[];
  /** `performance.now()` when the interaction was sent. */
  readonly sentAt: number;
  /** The original response message as it stands (after edits); absent before a callback. */
  original?: { body: Record<string, unknown>; flags: number; deferred: boolean; deleted: boolean };
  readonly edits: Record<string, unknown>[];
  readonly followups: Record<string, unknown>[];
}

interface Waiter {
  check(): boolean;
}

interface StoredCommand extends Record<string, unknown> {
  id: string;
  name: string;
  type: number;
  version: string;
}

export interface FakeDiscordOptions {
  readonly token?: string;
  /** Gateway heartbeat interval (default 41250 ms, which keeps beats out of short tests). */
  readonly heartbeatIntervalMs?: number;
}

export interface FakeDiscord {
  /** REST base without the version, as discord.js's `rest.api` wants it. */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly guildId: string;
  /** A text channel present in GUILD_CREATE. */
  readonly channelId: string;
  readonly calls: readonly RecordedCall[];
  readonly frames: readonly GatewayFrame[];
  /** Registered commands by scope: `global` or a guild id. */
  commands(scope?: string): StoredCommand[];
  /** Put commands in place as if an earlier run had registered them. */
  seedCommands(bodies: readonly Record<string, unknown>[], scope?: string): StoredCommand[];
  /** Bodies posted to a channel (successful posts only). */
  channelPosts(channel: string): Record<string, unknown>[];
  /** Make the next `times` channel posts fail (all channels unless `channel` is given). */
  failChannelPosts(failure: ChannelFailure, options?: { channel?: string; times?: number }): void;
  interaction(id: string): InteractionRecord | undefined;
  /** Dispatch a chat input command; resolves once the frame is on the wire. */
  sendChatInput(input: SendInteraction): Promise<{ id: string; token: string }>;
  /** Dispatch an autocomplete interaction; mark the option being typed with `focused: true`. */
  sendAutocomplete(input: SendInteraction): Promise<{ id: string; token: string }>;
  /** Make sure the guild has these roles (GUILD_ROLE_CREATE for new ones), as Discord would before a member uses them. */
  ensureRoles(roles: readonly string[]): Promise<void>;
  /** Send one dispatch on the live session, waiting (up to 10 s) for a session if it is reconnecting. */
  dispatch(t: string, d: unknown): Promise<void>;
  /** Drop the live gateway connection: a close frame with `code` (default 4000, resumable) or a TCP reset. */
  dropConnection(how?: { code?: number; terminate?: boolean }): void;
  /** Forget every session, so the next RESUME is answered with INVALID_SESSION and the client must IDENTIFY. */
  forgetSessions(): void;
  /** IDENTIFY and RESUME frames received so far. */
  readonly identifies: number;
  readonly resumes: number;
  /** Wake waiters (for harnesses that track state of their own). */
  notify(): void;
  /** Resolve with the first truthy value of `probe`, re-checked after every recorded event. */
  waitFor<T>(probe: () => T | undefined | false | null, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

function json(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Start the fake on 127.0.0.1 and a random port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? `fake.${randomBytes(12).toString('hex')}.token`;
  const applicationId = snowflake();
  const guildId = snowflake();
  const channelId = snowflake();
  const botUser = {
    id: applicationId,
    username: 'rblwatch',
    discriminator: '0',
    avatar: null,
    bot: true,
    global_name: null,
  };
  const heartbeatInterval = options.heartbeatIntervalMs ?? 41_250;

  const calls: RecordedCall[] = [];
  const frames: GatewayFrame[] = [];
  const commandStore = new Map<string, StoredCommand[]>();
  const posts = new Map<string, Record<string, unknown>[]>();
  const failures: { failure: ChannelFailure; channel?: string; remaining: number }[] = [];
  const interactions = new Map<string, InteractionRecord>();
  const byToken = new Map<string, InteractionRecord>();
  const roles = new Set<string>();
  const sessions = new Map<string, { seq: number }>();
  const sockets = new Set<WebSocket>();
  const waiters = new Set<Waiter>();
  let live: { socket: WebSocket; sessionId: string } | undefined;
  let identifies = 0;
  let resumes = 0;
  let port = 0;

  const notify = (): void => {
    for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter);
  };

  function waitFor<T>(
    probe: () => T | undefined | false | null,
    timeoutMs = 5_000,
    what = 'condition',
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          let value: T | undefined | false | null;
          try {
            value = probe();
          } catch (error) {
            clearTimeout(timer);
            reject(error);
            return true;
          }
          if (!value) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      if (!waiter.check()) waiters.add(waiter);
    });
  }

  function messageObject(
    channel: string,
    body: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    return {
      id: snowflake(),
      type: 0,
      channel_id: channel,
      guild_id: guildId,
      author: botUser,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: typeof body.flags === 'number' ? body.flags : 0,
      ...extra,
    };
  }

  // ---- application commands ----

  function scopeList(scope: string): StoredCommand[] {
    let list = commandStore.get(scope);
    if (!list) {
      list = [];
      commandStore.set(scope, list);
    }
    return list;
  }

  /** What Discord stores: the body plus ids, a version and the defaults it fills in. */
  function storeCommand(
    body: Record<string, unknown>,
    scope: string,
    existing?: StoredCommand,
  ): StoredCommand {
    const withDefaults = (option: unknown): unknown => {
      const record = asRecord(option);
      const type = record.type;
      const out: Record<string, unknown> = { ...record };
      if (type !== 1 && type !== 2 && out.required === undefined) out.required = false;
      if (Array.isArray(record.options)) out.options = record.options.map(withDefaults);
      return out;
    };
    const global = scope === 'global';
    const stored: StoredCommand = {
      type: 1,
      nsfw: false,
      default_member_permissions: null,
      name_localizations: null,
      description_localizations: null,
      ...(global ? { dm_permission: true, contexts: null, integration_types: [0] } : {}),
      ...body,
      ...(Array.isArray(body.options) ? { options: body.options.map(withDefaults) } : {}),
      id: existing?.id ?? snowflake(),
      application_id: applicationId,
      version: snowflake(),
      name: String(body.name ?? existing?.name),
      ...(global ? {} : { guild_id: scope }),
    } as StoredCommand;
    if (!global) {
      delete stored.contexts;
      delete stored.integration_types;
      delete stored.dm_permission;
    }
    return stored;
  }

  function commandRoutes(
    method: string,
    scope: string,
    id: string | undefined,
    body: unknown,
    res: ServerResponse,
  ) {
    const list = scopeList(scope);
    if (id === undefined) {
      if (method === 'GET') return json(res, 200, list);
      if (method === 'PUT') {
        const bodies = Array.isArray(body) ? body.map(asRecord) : [];
        const next = bodies.map((item) =>
          storeCommand(
            item,
            scope,
            list.find((c) => c.name === item.name && c.type === (item.type ?? 1)),
          ),
        );
        commandStore.set(scope, next);
        return json(res, 200, next);
      }
      if (method === 'POST') {
        const item = asRecord(body);
        const index = list.findIndex((c) => c.name === item.name && c.type === (item.type ?? 1));
        const stored = storeCommand(item, scope, index >= 0 ? list[index] : undefined);
        if (index >= 0) list[index] = stored;
        else list.push(stored);
        return json(res, index >= 0 ? 200 : 201, stored);
      }
    } else {
      const index = list.findIndex((c) => c.id === id);
      if (index < 0) return json(res, 404, { message: 'Unknown application command', code: 10063 });
      const current = list[index] as StoredCommand;
      if (method === 'GET') return json(res, 200, current);
      if (method === 'PATCH') {
        const stored = storeCommand({ ...current, ...asRecord(body) }, scope, current);
        list[index] = stored;
        return json(res, 200, stored);
      }
      if (method === 'DELETE') {
        list.splice(index, 1);
        return json(res, 204);
      }
    }
    return json(res, 405, { message: `fake Discord: ${method} not allowed here`, code: 0 });
  }

  // ---- channel posts ----

  function takeFailure(channel: string): ChannelFailure | undefined {
    const index = failures.findIndex((f) => f.channel === undefined || f.channel === channel);
    if (index < 0) return undefined;
    const entry = failures[index] as (typeof failures)[number];
    entry.remaining -= 1;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.failure;
  }

  function answerFailure(failure: ChannelFailure, req: IncomingMessage, res: ServerResponse): number {
    switch (failure.kind) {
      case 'rate-limit': {
        const headers: Record<string, string> = {
          'retry-after': String(failure.retryAfterSeconds),
          'x-ratelimit-scope': failure.global ? 'global' : 'user',
        };
        if (failure.global) headers['x-ratelimit-global'] = 'true';
        json(
          res,
          429,
          {
            message: 'You are being rate limited.',
            retry_after: failure.retryAfterSeconds,
            global: !!failure.global,
          },
          headers,
        );
        return 429;
      }
      case 'missing-access':
        json(res, 403, { message: 'Missing Access', code: 50001 });
        return 403;
      case 'missing-permissions':
        json(res, 403, { message: 'Missing Permissions', code: 50013 });
        return 403;
      case 'unknown-channel':
        json(res, 404, { message: 'Unknown Channel', code: 10003 });
        return 404;
      case 'unauthorized':
        json(res, 401, { message: '401: Unauthorized', code: 0 });
        return 401;
      case 'server-error': {
        const status = failure.status ?? 500;
        json(res, status, { message: `${status}: Internal Server Error`, code: 0 });
        return status;
      }
      case 'network':
        req.socket.destroy();
        return 0;
    }
  }

  // ---- interactions ----

  function interactionAnswer(
    record: InteractionRecord,
    method: string,
    rest: string[],
    body: unknown,
    res: ServerResponse,
  ) {
    const data = asRecord(body);
    if (rest.length === 0 && method === 'POST') {
      // Follow-up message.
      if (record.callbacks.length === 0) {
        return json(res, 404, { message: 'Unknown Message', code: 10008 });
      }
      const pending = record.original;
      if (pending?.deferred && !pending.deleted) {
        // As Discord does: the first follow-up to a deferred response fills that response, keeping the
        // visibility chosen at defer time (its own ephemeral flag is ignored).
        pending.body = { ...data, flags: pending.flags };
        pending.deferred = false;
        return json(
          res,
          200,
          messageObject(
            channelId,
            { ...data, flags: pending.flags },
            { webhook_id: applicationId, application_id: applicationId },
          ),
        );
      }
      record.followups.push(data);
      return json(
        res,
        200,
        messageObject(channelId, data, { webhook_id: applicationId, application_id: applicationId }),
      );
    }
    if (rest[0] === 'messages' && rest[1] === '@original') {
      const original = record.original;
      if (!original || original.deleted) return json(res, 404, { message: 'Unknown Message', code: 10008 });
      if (method === 'GET') return json(res, 200, messageObject(channelId, original.body));
      if (method === 'PATCH') {
        record.edits.push(data);
        original.body = { ...original.body, ...data };
        original.deferred = false;
        return json(
          res,
          200,
          messageObject(
            channelId,
            { ...original.body, flags: original.flags },
            { webhook_id: applicationId },
          ),
        );
      }
      if (method === 'DELETE') {
        original.deleted = true;
        return json(res, 204);
      }
    }
    return json(res, 404, { message: `fake Discord: no webhook route ${method} ${rest.join('/')}`, code: 0 });
  }

  function interactionCallback(
    id: string,
    tokenInPath: string,
    query: Record<string, string>,
    body: unknown,
    res: ServerResponse,
  ) {
    const record = interactions.get(id);
    if (!record || record.token !== tokenInPath) {
      return json(res, 404, { message: 'Unknown interaction', code: 10062 });
    }
    if (record.callbacks.length > 0) {
      return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
    }
    const callback = asRecord(body);
    const type = Number(callback.type);
    const data = callback.data === undefined ? undefined : asRecord(callback.data);
    record.callbacks.push({ type, ...(data ? { data } : {}) });
    record.callbackAfterMs.push(performance.now() - record.sentAt);
    const flags = typeof data?.flags === 'number' ? data.flags : 0;
    if (type === 4) record.original = { body: data ?? {}, flags, deferred: false, deleted: false };
    if (type === 5) record.original = { body: {}, flags, deferred: true, deleted: false };
    if (query.with_response === 'true') {
      return json(res, 200, {
        interaction: { id, type: record.type, activity_instance_id: null, response_message_id: null },
        resource: { type, ...(type === 4 ? { message: messageObject(channelId, data ?? {}) } : {}) },
      });
    }
    return json(res, 204);
  }

  // ---- REST dispatch ----

  const bot = (req: IncomingMessage): boolean => req.headers.authorization === `Bot ${token}`;
  const unauthorized = (res: ServerResponse) => json(res, 401, { message: '401: Unauthorized', code: 0 });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    // `@original` arrives percent-encoded; decode per segment so a token cannot smuggle a slash.
    const segments = url.pathname.split('/').map((segment) => decodeURIComponent(segment));
    const body = await readBody(req);
    if (segments[1] !== 'api' || segments[2] !== 'v10') {
      return json(res, 404, { message: `fake Discord: not under /api/v10: ${url.pathname}`, code: 0 });
    }
    const parts = segments.slice(3);
    const path = `/${parts.join('/')}`;
    const call: RecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      auth: req.headers.authorization,
      status: 0,
    };
    calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
      notify();
    });
    res.on('close', () => notify());
    notify();

    const [head, a, b, c, d, e] = parts;
    if (head === 'gateway' && a === 'bot' && method === 'GET') {
      if (!bot(req)) return unauthorized(res);
      return json(res, 200, {
        url: `ws://127.0.0.1:${port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      });
    }
    if (head === 'gateway' && a === undefined && method === 'GET') {
      return json(res, 200, { url: `ws://127.0.0.1:${port}/gateway` });
    }
    if (head === 'users' && a === '@me' && method === 'GET') {
      if (!bot(req)) return unauthorized(res);
      return json(res, 200, botUser);
    }
    if (head === 'applications' && a === applicationId) {
      if (!bot(req)) return unauthorized(res);
      if (b === 'commands') return commandRoutes(method, 'global', c, body, res);
      if (b === 'guilds' && c !== undefined && d === 'commands')
        return commandRoutes(method, c, e, body, res);
    }
    if (
      head === 'interactions' &&
      a !== undefined &&
      b !== undefined &&
      c === 'callback' &&
      method === 'POST'
    ) {
      return interactionCallback(a, b, call.query, body, res);
    }
    if (head === 'webhooks' && a !== undefined && b !== undefined) {
      const record = byToken.get(b);
      if (a !== applicationId || !record) return json(res, 404, { message: 'Unknown Webhook', code: 10015 });
      return interactionAnswer(record, method, parts.slice(3), body, res);
    }
    if (head === 'channels' && a !== undefined && b === 'messages' && c === undefined && method === 'POST') {
      if (!bot(req)) return unauthorized(res);
      const failure = takeFailure(a);
      if (failure) {
        call.status = answerFailure(failure, req, res);
        return;
      }
      const message = asRecord(body);
      let list = posts.get(a);
      if (!list) {
        list = [];
        posts.set(a, list);
      }
      list.push(message);
      return json(res, 200, messageObject(a, message));
    }
    return json(res, 404, { message: `fake Discord: no route ${method} ${path}`, code: 0 });
  }

  // ---- gateway ----

  function send(socket: WebSocket, payload: unknown): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  }

  function roleObject(id: string, position: number) {
    return {
      id,
      name: id === guildId ? '@everyone' : `role-${id}`,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: id === guildId ? String(MEMBER_PERMISSIONS) : '0',
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  function guildCreate() {
    return {
      id: guildId,
      name: 'rblwatch test guild',
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 1,
      roles: [roleObject(guildId, 0), ...[...roles].map((id, i) => roleObject(id, i + 1))],
      emojis: [],
      stickers: [],
      channels: [
        {
          id: channelId,
          type: 0,
          guild_id: guildId,
          name: 'alerts',
          position: 0,
          permission_overwrites: [],
          nsfw: false,
          parent_id: null,
          topic: null,
          last_message_id: null,
          rate_limit_per_user: 0,
        },
      ],
      threads: [],
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  function dispatchOn(socket: WebSocket, sessionId: string, t: string, d: unknown): void {
    const session = sessions.get(sessionId);
    if (!session) return;
    session.seq += 1;
    send(socket, { op: 0, t, s: session.seq, d });
  }

  function onFrame(socket: WebSocket, frame: GatewayFrame): void {
    frames.push(frame);
    const data = asRecord(frame.d);
    switch (frame.op) {
      case 1:
        send(socket, { op: 11 });
        break;
      case 2: {
        identifies += 1;
        if (data.token !== token) {
          socket.close(4004, 'Authentication failed');
          break;
        }
        const sessionId = randomBytes(16).toString('hex');
        sessions.set(sessionId, { seq: 0 });
        live = { socket, sessionId };
        dispatchOn(socket, sessionId, 'READY', {
          v: 10,
          user: { ...botUser, verified: true, mfa_enabled: false, flags: 0 },
          guilds: [{ id: guildId, unavailable: true }],
          session_id: sessionId,
          resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
        });
        dispatchOn(socket, sessionId, 'GUILD_CREATE', guildCreate());
        break;
      }
      case 6: {
        resumes += 1;
        const sessionId = String(data.session_id);
        if (data.token !== token || !sessions.has(sessionId)) {
          send(socket, { op: 9, d: false });
          break;
        }
        live = { socket, sessionId };
        dispatchOn(socket, sessionId, 'RESUMED', null);
        break;
      }
      default:
        break;
    }
    notify();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: `fake Discord crashed: ${String(error)}`, code: 0 });
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/gateway') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => {
        sockets.delete(ws);
        if (live?.socket === ws) live = undefined;
        notify();
      });
      ws.on('error', () => undefined);
      ws.on('message', (raw) => {
        let frame: GatewayFrame;
        try {
          frame = JSON.parse(String(raw)) as GatewayFrame;
        } catch {
          ws.close(4002, 'Decode error');
          return;
        }
        onFrame(ws, frame);
      });
      send(ws, { op: 10, d: { heartbeat_interval: heartbeatInterval } });
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  async function dispatch(t: string, d: unknown): Promise<void> {
    const session = await waitFor(
      () => (live && live.socket.readyState === live.socket.OPEN ? live : undefined),
      10_000,
      'a live gateway session',
    );
    dispatchOn(session.socket, session.sessionId, t, d);
  }

  function member(user: FakeUser) {
    const permissions = MEMBER_PERMISSIONS | (user.admin ? MANAGE_GUILD : 0n);
    return {
      user: { id: user.id, username: user.name, discriminator: '0', avatar: null, global_name: null },
      roles: [...(user.roles ?? [])],
      joined_at: new Date(0).toISOString(),
      premium_since: null,
      nick: null,
      avatar: null,
      deaf: false,
      mute: false,
      pending: false,
      flags: 0,
      communication_disabled_until: null,
      permissions: String(permissions),
    };
  }

  async function sendInteraction(
    type: 2 | 4,
    input: SendInteraction,
  ): Promise<{ id: string; token: string }> {
    const id = snowflake();
    const interactionToken = `itok-${randomBytes(12).toString('hex')}`;
    const record: InteractionRecord = {
      id,
      token: interactionToken,
      type,
      callbacks: [],
      callbackAfterMs: [],
      sentAt: performance.now(),
      edits: [],
      followups: [],
    };
    interactions.set(id, record);
    byToken.set(interactionToken, record);
    const options = (input.options ?? []).map((option) => ({ ...option }));
    const channel = input.channelId ?? channelId;
    const guild = input.guildId === undefined ? guildId : input.guildId;
    const data = {
      id: snowflake(),
      name: input.command ?? 'rbl',
      type: 1,
      options: input.subcommand ? [{ name: input.subcommand, type: 1, options }] : options,
    };
    const common = {
      id,
      application_id: applicationId,
      type,
      token: interactionToken,
      version: 1,
      channel_id: channel,
      app_permissions: String(MEMBER_PERMISSIONS),
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
    };
    await dispatch(
      'INTERACTION_CREATE',
      guild === null
        ? {
            // A direct message: a user instead of a member, a DM channel, no guild.
            ...common,
            channel: { id: channel, type: 1, recipients: [] },
            user: member(input.user).user,
            authorizing_integration_owners: { '0': snowflake() },
            context: 1,
            data,
          }
        : {
            ...common,
            guild_id: guild,
            guild: { id: guild, locale: 'en-US', features: [] },
            channel: { id: channel, type: 0, guild_id: guild, name: 'alerts', nsfw: false, parent_id: null },
            member: member(input.user),
            guild_locale: 'en-US',
            authorizing_integration_owners: { '0': guild },
            context: 0,
            data: { ...data, guild_id: guild },
          },
    );
    return { id, token: interactionToken };
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: `ws://127.0.0.1:${port}/gateway`,
    token,
    applicationId,
    guildId,
    channelId,
    calls,
    frames,
    get identifies() {
      return identifies;
    },
    get resumes() {
      return resumes;
    },
    commands: (scope = 'global') => [...scopeList(scope)],
    seedCommands(bodies, scope = 'global') {
      const stored = bodies.map((body) => storeCommand({ ...body }, scope));
      commandStore.set(scope, stored);
      return stored;
    },
    channelPosts: (channel) => [...(posts.get(channel) ?? [])],
    failChannelPosts(failure, opts = {}) {
      failures.push({
        failure,
        ...(opts.channel ? { channel: opts.channel } : {}),
        remaining: opts.times ?? 1,
      });
    },
    interaction: (id) => interactions.get(id),
    sendChatInput: (input) => sendInteraction(2, input),
    sendAutocomplete: (input) => sendInteraction(4, input),
    async ensureRoles(wanted) {
      for (const role of wanted) {
        if (roles.has(role)) continue;
        roles.add(role);
        if (live)
          await dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role: roleObject(role, roles.size) });
      }
    },
    dispatch,
    dropConnection(how = {}) {
      const socket = live?.socket;
      live = undefined;
      if (!socket) return;
      if (how.terminate) socket.terminate();
      else socket.close(how.code ?? 4000, 'fake Discord dropped the connection');
    },
    forgetSessions() {
      sessions.clear();
    },
    notify,
    waitFor,
    async close() {
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      waiters.clear();
    },
  };
}

/** Whether a callback, edit or follow-up body is ephemeral. */
export function isEphemeralFlags(flags: unknown): boolean {
  return typeof flags === 'number' && (flags & EPHEMERAL) === EPHEMERAL;
}
