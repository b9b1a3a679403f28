import { Agent, type Dispatcher, request } from 'undici';
import { DeliveryError } from '../domain/delivery-error.ts';

/**
 * What every HTTP notifier is built with. The dispatcher is injected (an undici `Agent` in production and in
 * tests, pointed at a local fake), so no notifier reaches for a global client or proxy setting.
 */
export interface HttpNotifierDeps {
  /** Owns connections, keep-alive and the connect timeout (`new Agent({ connect: { timeout } })`). */
  readonly dispatcher: Dispatcher;
  /** Upper bound for one attempt, connect to last body byte, in ms. */
  readonly timeoutMs: number;
  /** Wall clock: webhook timestamps and `Retry-After` dates are read against it. */
  readonly clock: () => Date;
}

/**
 * The dispatcher notifiers share: connect, header and body timeouts from `alerts.timeout`. undici 7 follows no
 * redirects without a redirect interceptor, so a request goes only where the operator configured it.
 */
export function createNotifierDispatcher(timeoutMs: number): Agent {
  return new Agent({
    connect: { timeout: Math.min(timeoutMs, 10_000) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

export interface PostJsonOptions {
  readonly dispatcher: Dispatcher;
  /** http or https; the path may carry a token (webhook URLs), so errors only ever name the origin. */
  readonly url: string;
  /** Extra headers; `content-type: application/json` is added unless given. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The JSON body. A string is sent verbatim: callers that sign the bytes (webhooks) serialise once and pass the
   * string, so the signature covers exactly what goes on the wire.
   */
  readonly body: unknown;
  /** Upper bound for the whole attempt in ms; also the headers and body timeouts. */
  readonly timeoutMs: number;
  /** The caller's cancellation (outbox shutdown). */
  readonly signal?: AbortSignal;
  /**
   * Values that must never reach an error message or a stored response body: API keys, routing keys, webhook
   * secrets. A receiver that echoes the request (many do on a 400) would otherwise put them in our logs.
   */
  readonly secrets?: readonly string[];
  /** Names the service in error messages (`PagerDuty`); defaults to the URL's origin. */
  readonly service?: string;
  /** Reads HTTP-date `Retry-After` values; defaults to the system clock. */
  readonly clock?: () => Date;
}

export interface PostJsonResult {
  readonly status: number;
  /** The response body as text (at most {@link MAX_RESPONSE_BYTES}). */
  readonly body: string;
}

/** Responses are read at most this far: enough for any API's error JSON, bounded against a hostile receiver. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How much of a response body a {@link DeliveryError} keeps. */
export const ERROR_BODY_CHARS = 500;

const REDACTED = '[redacted]';

/** Request errors that mean the request itself is wrong: retrying the same bytes cannot help. */
const PROGRAMMING_ERRORS = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_URL']);
const TIMEOUT_ERRORS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * POST a JSON body once and classify the outcome for the outbox: resolves on 2xx, otherwise throws a
 * {@link DeliveryError} that says whether a retry can help (network errors, timeouts, 408, 429 and 5xx) or not
 * (other 4xx, redirects). Never retries and never follows redirects: a 3xx would replay a body carrying a routing
 * key to wherever the `Location` points, so it is reported as a configuration problem instead.
 */
export async function postJson(options: PostJsonOptions): Promise<PostJsonResult> {
  const secrets = options.secrets ?? [];
  const url = parseUrl(options.url);
  const label = options.service ? `${options.service} (${url.origin})` : url.origin;
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  // One controller for the deadline and the caller's cancellation, wired by hand and unwired in `finally`:
  // `AbortSignal.any` over a long-lived shutdown signal keeps every attempt's signal alive on Node 20.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const cancel = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });

  let status: number;
  let text: string;
  let headers: Record<string, string | string[] | undefined>;
  try {
    const response = await request(url, {
      dispatcher: options.dispatcher,
      method: 'POST',
      headers: withContentType(options.headers ?? {}),
      body,
      signal: controller.signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    status = response.statusCode;
    headers = response.headers;
    text = await readCapped(response.body);
  } catch (error) {
    throw requestError(error, {
      label,
      timeoutMs: options.timeoutMs,
      timedOut,
      cancelled: options.signal?.aborted === true,
      secrets,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
  }

  if (status >= 200 && status < 300) return { status, body: text };

  const excerpt = redactSecrets(text, secrets).slice(0, ERROR_BODY_CHARS);
  const details = { status, body: excerpt };
  if (status >= 300 && status < 400) {
    const location = locationOrigin(first(headers.location), url);
    throw new DeliveryError(
      false,
      `${label} answered with a redirect (HTTP ${status}${location ? ` to ${location}` : ''}); ` +
        'rblwatch does not follow redirects: configure the final URL',
      details,
    );
  }
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(first(headers['retry-after']), (options.clock ?? systemClock)());
    const why = status === 429 ? 'is rate limiting' : status === 408 ? 'timed out the request' : 'failed';
    const after = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    throw new DeliveryError(true, `${label} ${why} (HTTP ${status})${after}${snippet(excerpt)}`, {
      ...details,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  throw new DeliveryError(
    false,
    `${label} rejected the request (HTTP ${status})${snippet(excerpt)}`,
    details,
  );
}

/**
 * `Retry-After` as milliseconds from `now`: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). Anything else is ignored rather than guessed at, and a date in the past
 * means "now" (0).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse accepts far more than HTTP-dates ("1.5" is a date in 2001), so only GMT forms are read.
  if (!/^[A-Za-z]{3,9}, [\d]{2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed))
    return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Replace every occurrence of each secret (and its URL-encoded form) with `[redacted]`. Empty strings are skipped. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so a secret that contains another is replaced whole.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // No cause: the TypeError carries the input, and a webhook URL can hold a token.
    throw new DeliveryError(false, 'the destination URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DeliveryError(false, `the destination URL must be http or https, not ${url.protocol}`);
  }
  return url;
}

interface RequestErrorContext {
  readonly label: string;
  readonly timeoutMs: number;
  /** Our deadline fired. */
  readonly timedOut: boolean;
  /** The caller's signal fired. */
  readonly cancelled: boolean;
  readonly secrets: readonly string[];
}

function requestError(error: unknown, context: RequestErrorContext): DeliveryError {
  const { label, timeoutMs, secrets } = context;
  const code = errorCode(error);
  if (context.timedOut || (code !== undefined && TIMEOUT_ERRORS.has(code))) {
    return new DeliveryError(true, `${label} did not answer within ${timeoutMs} ms`, { cause: error });
  }
  if (context.cancelled) {
    // The outbox is shutting down: nothing was refused, so the delivery stays due.
    return new DeliveryError(true, `sending to ${label} was cancelled`, { cause: error });
  }
  const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
  if (code !== undefined && PROGRAMMING_ERRORS.has(code)) {
    return new DeliveryError(false, `request to ${label} is invalid (${code}): ${message}`, { cause: error });
  }
  // Resets, refusals, DNS failures, TLS errors: the receiver may be back by the next attempt.
  return new DeliveryError(true, `${label} unreachable (${code ?? 'network error'}): ${message}`, {
    cause: error,
  });
}

/** The error's code, or its cause's: undici wraps socket errors (`UND_ERR_SOCKET` over `ECONNRESET`). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth += 1) {
    const code: unknown = Reflect.get(current, 'code');
    if (typeof code === 'string') return code;
    current = Reflect.get(current, 'cause');
  }
  return undefined;
}

async function readCapped(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    // Leaving the loop destroys the stream, so the rest is never buffered.
    if (size >= MAX_RESPONSE_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function locationOrigin(location: string | undefined, base: URL): string | undefined {
  if (!location) return undefined;
  try {
    // Only the origin: a Location path or query can carry tokens just like the request URL.
    return new URL(location, base).origin;
  } catch {
    return undefined;
  }
}

function withContentType(headers: Readonly<Record<string, string>>): Record<string, string> {
  const given = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return given ? { ...headers } : { 'content-type': 'application/json', ...headers };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function snippet(excerpt: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a response body must not break a log line
  const oneLine = excerpt.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return oneLine ? `: ${oneLine.slice(0, 200)}` : '';
}

function systemClock(): Date {
  return new Date();
}
