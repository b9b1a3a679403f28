/**
 * A fake Slack for driving the real `@slack/bolt` app offline (see ../shared/CHAT-FAKES.md): one `node:http` server on
 * 127.0.0.1 serving the Web API (`POST /api/<method>`), `response_url` endpoints (`POST /response/<id>`) and a Socket
 * Mode WebSocket (`/socket`). It records every call, response and ack, can script failures, and never talks to
 * the real Slack.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export const FAKE_BOT_TOKEN = 'xoxb-1111-2222-fakebottokenvalue';
export const FAKE_APP_TOKEN = 'xapp-1-A111-3333-fakeapptokenvalue';
export const FAKE_SIGNING_SECRET = 'fake-signing-secret-8f14e45fceea167a';
export const FAKE_TEAM_ID = 'T0FAKE';
export const FAKE_APP_ID = 'A0FAKE';
export const FAKE_BOT_USER_ID = 'U0BOT';

export interface FakeApiCall {
  readonly method: string;
  readonly body: Record<string, unknown>;
  readonly authorization?: string;
}

export interface FakePost {
  readonly channel: string;
  readonly text: string;
  readonly blocks: unknown[];
  readonly body: Record<string, unknown>;
}

/** What `respond()` POSTed to a `response_url`. */
export interface FakeResponse {
  readonly id: string;
  readonly body: Record<string, unknown>;
}

/** An envelope acknowledgement the Socket Mode client sent back. */
export interface FakeAck {
  readonly envelope_id: string;
  readonly payload: unknown;
}

/**
 * A scripted failure for the next call of one method (or `response` for the response_url):
 * an HTTP status (with `Retry-After` seconds for 429), an `ok:false` error code, or a dropped connection.
 */
export type FakeFailure =
  | { readonly status: number; readonly retryAfter?: number; readonly body?: string }
  | { readonly error: string; readonly retryAfter?: number }
  | { readonly drop: true };

export interface FakeSlack {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/api/`, for `clientOptions.slackApiUrl`. */
  readonly apiUrl: string;
  readonly calls: FakeApiCall[];
  readonly posts: FakePost[];
  readonly responses: FakeResponse[];
  readonly acks: FakeAck[];
  /** Socket Mode connections accepted so far (a reconnect adds one). */
  readonly connections: () => number;
  /** Socket Mode connections open now. */
  readonly openSockets: () => number;
  failNext(method: string | 'response', failure: FakeFailure): void;
  /** Members of a user group (`usergroups.users.list`). */
  setUserGroup(group: string, members: readonly string[]): void;
  groupMembers(group: string): readonly string[];
  /** What `users.info` says about a user (default: a plain member). */
  setUser(id: string, flags: { is_admin?: boolean; is_owner?: boolean }): void;
  /** A fresh `response_url` on this fake, and its id. */
  newResponseUrl(): { id: string; url: string };
  responsesFor(id: string): FakeResponse[];
  /** Send one Socket Mode envelope on the newest open socket; returns its envelope id. */
  sendEnvelope(type: string, payload: unknown): string;
  /** Send any JSON frame on the newest open socket (e.g. `{type: 'disconnect', reason: 'refresh_requested'}`). */
  sendFrame(frame: Record<string, unknown>): void;
  /** Send a slash command envelope and wait for the client's ack. */
  sendSlashCommand(payload: Record<string, string>, timeoutMs?: number): Promise<FakeAck>;
  /** Milliseconds from sending an envelope to its ack (Slack wants it within 3 s); undefined before the ack. */
  ackAfterMs(envelopeId: string): number | undefined;
  /** Drop every Socket Mode connection without a close handshake (a network cut). */
  dropSockets(): void;
  /** Resolve once `predicate` holds, re-checked after every recorded event; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  readonly botToken?: string;
  readonly appToken?: string;
}

/** Slack's request signature headers for `body` sent at `timestamp` (Unix seconds). */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): { 'x-slack-request-timestamp': string; 'x-slack-signature': string } {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${signature}` };
}

/** A slash command payload with every field Slack sends; `overrides` win. */
export function slashCommandPayload(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM_ID,
    team_domain: 'fake',
    channel_id: 'C0FAKE',
    channel_name: 'ops',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/rbl',
    text: '',
    api_app_id: FAKE_APP_ID,
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/response/unused',
    trigger_id: `${Date.now()}.1.${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

/** POST a form body to an HTTP receiver the way Slack does, signed with `secret` unless `headers` say otherwise. */
export async function postToReceiver(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // Nested values (blocks, attachments) arrive as JSON strings inside form fields.
    if (value.startsWith('[') || value.startsWith('{')) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all
      }
    }
    out[key] = value;
  }
  return out;
}

/** A Web API answer: always HTTP 200 with JSON, like Slack. */
interface ApiAnswer {
  readonly body: Record<string, unknown>;
}

function answer(body: Record<string, unknown>): ApiAnswer {
  return { body };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? FAKE_BOT_TOKEN;
  const appToken = options.appToken ?? FAKE_APP_TOKEN;
  const calls: FakeApiCall[] = [];
  const posts: FakePost[] = [];
  const responses: FakeResponse[] = [];
  const acks: FakeAck[] = [];
  const failures = new Map<string, FakeFailure[]>();
  const groups = new Map<string, Set<string>>();
  const users = new Map<string, { is_admin?: boolean; is_owner?: boolean }>();
  const sockets: WebSocket[] = [];
  const listeners = new Set<() => void>();
  let connections = 0;
  let ts = 1_700_000_000;

  const changed = (): void => {
    for (const listener of [...listeners]) listener();
  };

  /** Applies a scripted failure; true when the request was answered. */
  function applyFailure(key: string, req: IncomingMessage, res: ServerResponse): boolean {
    const failure = failures.get(key)?.shift();
    if (!failure) return false;
    if ('drop' in failure) {
      req.socket.destroy();
      return true;
    }
    if ('status' in failure) {
      const headers: Record<string, string> =
        failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {};
      if (failure.status === 429) {
        json(res, 429, { ok: false, error: 'ratelimited' }, headers);
      } else {
        res.writeHead(failure.status, { 'content-type': 'text/plain', ...headers });
        res.end(failure.body ?? `fake failure ${failure.status}`);
      }
      return true;
    }
    json(
      res,
      200,
      { ok: false, error: failure.error },
      failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {},
    );
    return true;
  }

  function api(method: string, body: Record<string, unknown>, bearer: string | undefined): ApiAnswer {
    if (method === 'apps.connections.open') {
      if (bearer !== appToken) return answer({ ok: false, error: 'invalid_auth' });
      return answer({ ok: true, url: `ws://127.0.0.1:${port()}/socket?ticket=${randomUUID()}` });
    }
    if (bearer !== botToken) return answer({ ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return answer({
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake',
          user: 'rblwatch',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: 'B0BOT',
        });
      case 'chat.postMessage': {
        const channel = String(body.channel ?? '');
        const text = String(body.text ?? '');
        const blocks = Array.isArray(body.blocks) ? body.blocks : [];
        posts.push({ channel, text, blocks, body });
        ts += 1;
        return answer({ ok: true, channel, ts: `${ts}.000100`, message: { text, blocks } });
      }
      case 'usergroups.users.list': {
        const members = groups.get(String(body.usergroup ?? ''));
        if (!members) return answer({ ok: false, error: 'no_such_subteam' });
        return answer({ ok: true, users: [...members] });
      }
      case 'users.info': {
        const id = String(body.user ?? '');
        const flags = users.get(id) ?? {};
        return answer({
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            is_admin: flags.is_admin ?? false,
            is_owner: flags.is_owner ?? false,
          },
        });
      }
      default:
        return answer({ ok: false, error: 'unknown_method', method });
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const auth = req.headers.authorization;
      const body = parseBody(raw, req.headers['content-type']);
      if (req.method === 'POST' && path.startsWith('/api/')) {
        const method = path.slice('/api/'.length);
        calls.push({ method, body, ...(auth ? { authorization: auth } : {}) });
        if (!applyFailure(method, req, res)) {
          const result = api(method, body, auth?.replace(/^Bearer\s+/i, ''));
          json(res, 200, result.body);
        }
        changed();
        return;
      }
      if (req.method === 'POST' && path.startsWith('/response/')) {
        if (applyFailure('response', req, res)) {
          changed();
          return;
        }
        responses.push({ id: decodeURIComponent(path.slice('/response/'.length)), body });
        json(res, 200, { ok: true });
        changed();
        return;
      }
      json(res, 404, { ok: false, error: `no route ${req.method} ${path}` });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { ok: false, error: String(error) });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/socket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections += 1;
      sockets.push(ws);
      ws.on('message', (data) => {
        try {
          const frame = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
          if (frame.envelope_id) {
            acks.push({ envelope_id: frame.envelope_id, payload: frame.payload ?? {} });
            const sent = envelopeSentAt.get(frame.envelope_id);
            if (sent !== undefined) ackAfterMs.set(frame.envelope_id, performance.now() - sent);
          }
        } catch {
          // not JSON: ignore, like Slack would drop it
        }
        changed();
      });
      ws.on('close', () => {
        const i = sockets.indexOf(ws);
        if (i >= 0) sockets.splice(i, 1);
        changed();
      });
      ws.on('error', () => {});
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: FAKE_APP_ID },
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
        }),
      );
      changed();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (): number => (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port()}`;

  const waitFor = (predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> =>
    new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
    });

  const sendFrame = (frame: Record<string, unknown>): void => {
    const socket = sockets.at(-1);
    if (!socket || socket.readyState !== socket.OPEN) {
      throw new Error('fake Slack: no open Socket Mode connection');
    }
    socket.send(JSON.stringify(frame));
  };

  const envelopeSentAt = new Map<string, number>();
  const ackAfterMs = new Map<string, number>();
  const sendEnvelope = (type: string, payload: unknown): string => {
    const envelopeId = randomUUID();
    envelopeSentAt.set(envelopeId, performance.now());
    sendFrame({ envelope_id: envelopeId, type, payload, accepts_response_payload: true });
    return envelopeId;
  };

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    posts,
    responses,
    acks,
    connections: () => connections,
    openSockets: () => sockets.filter((s) => s.readyState === s.OPEN).length,
    failNext(method, failure) {
      const queue = failures.get(method) ?? [];
      queue.push(failure);
      failures.set(method, queue);
    },
    setUserGroup(group, members) {
      groups.set(group, new Set(members));
    },
    groupMembers: (group) => [...(groups.get(group) ?? [])],
    setUser(id, flags) {
      users.set(id, { ...flags });
    },
    newResponseUrl() {
      const id = randomUUID();
      return { id, url: `${url}/response/${id}` };
    },
    responsesFor: (id) => responses.filter((r) => r.id === id),
    sendEnvelope,
    sendFrame,
    async sendSlashCommand(payload, timeoutMs = 5_000) {
      const envelopeId = sendEnvelope('slash_commands', payload);
      await waitFor(() => acks.some((a) => a.envelope_id === envelopeId), timeoutMs, `ack of ${envelopeId}`);
      return acks.find((a) => a.envelope_id === envelopeId) as FakeAck;
    },
    ackAfterMs: (envelopeId) => ackAfterMs.get(envelopeId),
    dropSockets() {
      for (const socket of [...sockets]) socket.terminate();
    },
    waitFor,
    async close() {
      for (const socket of [...sockets]) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      listeners.clear();
    },
  };
}
