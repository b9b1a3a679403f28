/**
 * Local stand-ins for PagerDuty, Opsgenie, JSM Ops and a webhook receiver: real HTTP servers on 127.0.0.1 (random
 * ports) that answer the way the services do, record every request, and can be told how to fail, one request at
 * a time. Drive them with the real notifiers over a real undici `Agent`.
 *
 * ```ts
 * const pd = await startFakePagerDuty();
 * pd.script({ status: 429, headers: { 'retry-after': '7' } }, 'reset'); // the next two requests
 * // ... configure a PagerDuty destination with `url: pd.url` and send ...
 * expect(pd.requests[2]?.json).toMatchObject({ event_action: 'trigger' });
 * expect(pd.incidents.get('rblwatch:203.0.113.7:zen.spamhaus.org')).toBe('triggered');
 * await pd.close();
 * ```
 *
 * Scripted responses are used first, in order; once they run out each fake answers like the real service
 * (including its 400/401/422 answers to malformed requests), so an unscripted test checks the payload too.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/alerts/notifiers/webhook.ts';

/** One request as the fake received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent, still percent-encoded: `/v2/alerts/rblwatch%3A.../close?identifierType=alias`. */
  readonly path: string;
  /** Lower-cased names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
  /** Webhook receiver only: whether the signature and timestamp checked out. */
  readonly verified?: boolean;
}

/**
 * What to do with one request:
 * - `{ status, body?, headers? }`: answer; an object body is sent as JSON, a string as is.
 * - `{ status, echo: true }`: answer with the request's own headers and body, as careless services do in errors
 *   (the way to prove a notifier redacts its secrets).
 * - `'reset'`: read the request, then reset the connection (TCP RST, `ECONNRESET` at the client).
 * - `'hang'`: read the request and never answer, until the client gives up or the fake is closed.
 */
export type ScriptedResponse =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly echo: true }
  | 'reset'
  | 'hang';

/** Answers an unscripted request: the fake's imitation of the real service. */
export type DefaultHandler = (request: RecordedRequest) => ScriptedResponse;

export interface FakeReceiver {
  /** What to put in the destination's `url`: the enqueue URL, the API base or the webhook URL. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request received, in order (also those answered with a reset or never answered). Clear with `length = 0`. */
  readonly requests: RecordedRequest[];
  /** Queue responses for the next requests, in order; appended to any still queued. */
  script(...responses: ScriptedResponse[]): void;
  /** Resolves once at least `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Stop listening and destroy every connection, hung ones included. Safe to call twice. */
  close(): Promise<void>;
}

export interface FakePagerDuty extends FakeReceiver {
  /** Incident state by dedup key, as the fake's Events API understood the events. */
  readonly incidents: ReadonlyMap<string, 'triggered' | 'acknowledged' | 'resolved'>;
}

export interface FakeOpsgenie extends FakeReceiver {
  /** Alert state by alias (creates and closes by alias). */
  readonly alerts: ReadonlyMap<string, 'open' | 'closed'>;
}

/** Requests bigger than PagerDuty's own 512 KB limit are cut off (and fail to parse). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface FakeReceiverOptions {
  /** What the destination URL adds to the origin (`/v2/enqueue`, `/jsm/ops/integration`). */
  readonly urlPath?: string;
  /** Computes `verified` for every request, scripted or not (the webhook receiver's signature check). */
  readonly verify?: (request: RecordedRequest) => boolean;
  /**
   * Called as soon as the answer to request `index` (0-based) has been handed to the socket: the moment to kill a
   * client "right after the service accepted" a request.
   */
  readonly onAnswered?: (index: number, request: RecordedRequest) => void;
}

/**
 * A fake on a random loopback port: the building block of the service fakes below, and of any other receiver a
 * test needs. `respond` answers whatever the script does not.
 */
export async function startFakeReceiver(
  respond: DefaultHandler,
  options: FakeReceiverOptions = {},
): Promise<FakeReceiver> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];

  const server = createServer((req, res) => {
    readBody(req)
      .then((rawBody) => {
        const parsed = record(req, rawBody);
        const recorded = options.verify ? { ...parsed, verified: options.verify(parsed) } : parsed;
        requests.push(recorded);
        const answer = queue.shift() ?? respond(recorded);
        for (const waiter of waiters.splice(0)) {
          if (requests.length >= waiter.count) waiter.resolve();
          else waiters.push(waiter);
        }
        answerWith(answer, recorded, res);
        if (answer !== 'hang' && answer !== 'reset') options.onAnswered?.(requests.length - 1, recorded);
      })
      .catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  return {
    url: `${origin}${options.urlPath ?? ''}`,
    origin,
    requests,
    script(...responses) {
      queue.push(...responses);
    },
    waitForRequests(count, timeoutMs = 5_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} requests, got ${requests.length} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): 202 `{ status: 'success', message, dedup_key }` for a valid
 * event, 400 `{ status: 'invalid event', errors }` otherwise (routing key not 32 characters, unknown action,
 * trigger without summary, source or a known severity, resolve without dedup key).
 */
export async function startFakePagerDuty(
  options: Pick<FakeReceiverOptions, 'onAnswered'> = {},
): Promise<FakePagerDuty> {
  const incidents = new Map<string, 'triggered' | 'acknowledged' | 'resolved'>();
  const receiver = await startFakeReceiver(
    (request) => {
      if (request.method !== 'POST' || pathname(request) !== '/v2/enqueue') return notFound();
      const event = asObject(request.json);
      const errors = pagerDutyErrors(event);
      if (errors.length > 0 || event === undefined) {
        return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
      }
      const dedupKey =
        typeof event.dedup_key === 'string' ? event.dedup_key : randomUUID().replaceAll('-', '');
      const state = { trigger: 'triggered', acknowledge: 'acknowledged', resolve: 'resolved' } as const;
      incidents.set(dedupKey, state[event.event_action as keyof typeof state]);
      return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
    },
    { urlPath: '/v2/enqueue', ...options },
  );
  return { ...receiver, incidents };
}

/**
 * Opsgenie Alert API v2: `POST /v2/alerts` (create, 202 `{ result, took, requestId }`) and
 * `POST /v2/alerts/{identifier}/close`. 401 without a `GenieKey` authorization (or with another key than
 * `apiKey`, when given), 422 for a create without a message, 404 for any other path.
 */
export async function startFakeOpsgenie(options: { readonly apiKey?: string } = {}): Promise<FakeOpsgenie> {
  return startAlertApi('', options.apiKey);
}

/** JSM Ops: the Opsgenie fake under `/jsm/ops/integration`, as at `https://api.atlassian.com`. */
export async function startFakeJsm(options: { readonly apiKey?: string } = {}): Promise<FakeOpsgenie> {
  return startAlertApi('/jsm/ops/integration', options.apiKey);
}

/**
 * A webhook receiver at `/hooks/rblwatch` that checks `X-Rblwatch-Signature` the way the README tells receivers to
 * (`verifyWebhookSignature` against the raw body): 200 when it verifies, 401 when not. Each recorded request
 * carries `verified`. `now` is the receiver's clock for the replay window.
 */
export async function startFakeWebhook(
  secret: string,
  options: { readonly now?: () => Date; readonly toleranceSeconds?: number } = {},
): Promise<FakeReceiver> {
  const now = options.now ?? (() => new Date());
  const verify = (request: RecordedRequest): boolean =>
    verifyWebhookSignature({
      secret,
      timestamp: header(request, 'x-rblwatch-timestamp'),
      signature: header(request, 'x-rblwatch-signature'),
      body: request.rawBody,
      now: now(),
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    });
  return startFakeReceiver(
    (request) => {
      if (request.method !== 'POST' || pathname(request) !== '/hooks/rblwatch') return notFound();
      return request.verified
        ? { status: 200, body: { ok: true } }
        : { status: 401, body: { error: 'bad signature' } };
    },
    { urlPath: '/hooks/rblwatch', verify },
  );
}

async function startAlertApi(prefix: string, apiKey: string | undefined): Promise<FakeOpsgenie> {
  const alerts = new Map<string, 'open' | 'closed'>();
  const accepted = (): ScriptedResponse => ({
    status: 202,
    body: { result: 'Request will be processed', took: 0.01, requestId: randomUUID() },
  });
  const receiver = await startFakeReceiver(
    (request) => {
      const path = pathname(request);
      if (request.method !== 'POST' || !path.startsWith(`${prefix}/v2/alerts`)) return notFound();
      const auth = /^GenieKey (\S+)$/.exec(header(request, 'authorization') ?? '');
      if (!auth || (apiKey !== undefined && auth[1] !== apiKey)) {
        return { status: 401, body: { message: 'Could not authenticate', took: 0, requestId: randomUUID() } };
      }
      const rest = path.slice(`${prefix}/v2/alerts`.length);
      const body = asObject(request.json);
      if (rest === '') {
        if (typeof body?.message !== 'string' || body.message === '') {
          return {
            status: 422,
            body: { message: 'Message can not be empty.', took: 0, requestId: randomUUID() },
          };
        }
        alerts.set(typeof body.alias === 'string' ? body.alias : randomUUID(), 'open');
        return accepted();
      }
      const close = /^\/([^/]+)\/close$/.exec(rest);
      if (close?.[1] !== undefined) {
        alerts.set(decodeURIComponent(close[1]), 'closed');
        return accepted();
      }
      return notFound();
    },
    { urlPath: prefix },
  );
  return { ...receiver, alerts };
}

function pagerDutyErrors(event: Record<string, unknown> | undefined): string[] {
  if (event === undefined) return ['Event must be a JSON object'];
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) {
    errors.push('routing_key must be a 32 character string');
  }
  const action = event.event_action;
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') {
    errors.push("event_action must be 'trigger', 'acknowledge' or 'resolve'");
  }
  if (action === 'trigger') {
    const payload = asObject(event.payload);
    if (
      typeof payload?.summary !== 'string' ||
      payload.summary.length === 0 ||
      payload.summary.length > 1024
    ) {
      errors.push('payload.summary must be 1 to 1024 characters');
    }
    if (typeof payload?.source !== 'string' || payload.source.length === 0)
      errors.push('payload.source missing');
    if (!['critical', 'error', 'warning', 'info'].includes(String(payload?.severity))) {
      errors.push('payload.severity is invalid');
    }
  } else if (typeof event.dedup_key !== 'string' || event.dedup_key.length === 0) {
    errors.push('dedup_key is required for acknowledge and resolve');
  }
  if (typeof event.dedup_key === 'string' && event.dedup_key.length > 255) errors.push('dedup_key too long');
  return errors;
}

function answerWith(answer: ScriptedResponse, request: RecordedRequest, res: ServerResponse): void {
  if (answer === 'hang') return;
  if (answer === 'reset') {
    res.socket?.resetAndDestroy();
    return;
  }
  if ('echo' in answer) {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ headers: request.headers, body: request.rawBody }));
    return;
  }
  const isText = typeof answer.body === 'string';
  const body = answer.body === undefined ? '' : isText ? String(answer.body) : JSON.stringify(answer.body);
  const type =
    answer.body === undefined ? {} : { 'content-type': isText ? 'text/plain' : 'application/json' };
  res.writeHead(answer.status, { ...type, ...answer.headers });
  res.end(body);
}

function record(req: IncomingMessage, rawBody: string): RecordedRequest {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    json = undefined;
  }
  return { method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, json };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function pathname(request: RecordedRequest): string {
  return new URL(request.path, 'http://fake.invalid').pathname;
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function notFound(): ScriptedResponse {
  return { status: 404, body: { message: 'Not found' } };
}
