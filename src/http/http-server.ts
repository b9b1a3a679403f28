import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ScanMetrics } from './metrics.ts';

/** What `/healthz` reports. `detail` is serialised as JSON, so it must hold plain data and never secrets. */
export interface HealthReport {
  readonly ok: boolean;
  readonly detail: Record<string, unknown>;
}

export interface HttpServerOptions {
  /** 0 picks a free port (tests); the chosen one is in `url`. */
  readonly port: number;
  /** Bound as given. Callers default to 127.0.0.1: metrics reveal the inventory, so exposing them is a choice. */
  readonly host: string;
  readonly metrics: ScanMetrics;
  /** Called per `/healthz` request; keep it cheap (read state, do no I/O). */
  readonly health: () => HealthReport;
  /**
   * Server errors after startup (such as EMFILE on accept) and a failing `metrics.render()`. Without a listener
   * a server error would crash the process; the default emits a process warning.
   */
  readonly onError?: (error: unknown) => void;
}

export interface HttpServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Stops accepting, ends idle keep-alive sockets, and resolves once open requests are done. Idempotent. */
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** Scrapers and probes send a few small headers; a slow sender is cut off rather than holding a socket. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** After this, `close()` stops waiting for a request in flight and ends its socket. */
const CLOSE_GRACE_MS = 5_000;

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function handle(
  options: HttpServerOptions,
  onError: (error: unknown) => void,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics' && path !== '/healthz') {
    send(request, response, 404, TEXT_CONTENT_TYPE, 'not found\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // The body is never read; closing the connection spares Node draining it to keep the socket alive.
    send(request, response, 405, TEXT_CONTENT_TYPE, 'method not allowed\n', {
      allow: 'GET, HEAD',
      connection: 'close',
    });
    return;
  }

  if (path === '/metrics') {
    // Through a resolved promise, so a render that throws instead of rejecting is answered the same way.
    Promise.resolve()
      .then(() => options.metrics.render())
      .then(
        (text) => send(request, response, 200, options.metrics.contentType, text),
        (error: unknown) => {
          onError(error);
          send(request, response, 500, TEXT_CONTENT_TYPE, 'metrics unavailable\n');
        },
      );
    return;
  }

  let report: HealthReport;
  try {
    report = options.health();
  } catch (error) {
    // A health check that throws is itself unhealthy; say so rather than answering 500 with no body.
    report = { ok: false, detail: { error: describeError(error) } };
  }
  send(
    request,
    response,
    report.ok ? 200 : 503,
    JSON_CONTENT_TYPE,
    `${JSON.stringify({ ok: report.ok, detail: report.detail })}\n`,
  );
}

/**
 * Serves `GET /metrics` (Prometheus text 0.0.4) and `GET /healthz` (200 JSON when healthy, 503 when not) over
 * plain node:http. HEAD is answered too; other methods get 405, other paths 404. Request bodies are never read.
 *
 * @throws the listen error (EADDRINUSE, EADDRNOTAVAIL, EACCES) when the address cannot be bound.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(describeError(error)));
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    (request, response) => handle(options, onError, request, response),
  );
  server.maxHeadersCount = 50;

  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: Error): void => reject(error);
    server.once('error', onListenError);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', onListenError);
      resolve();
    });
  });
  server.on('error', onError);

  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new Error(`HTTP server bound to an unexpected address: ${String(address)}`);
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        // Keep-alive sockets from a scraper would otherwise hold close() open until their idle timeout.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
