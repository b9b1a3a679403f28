import { Agent, type Dispatcher, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthReport, type HttpServerHandle, startHttpServer } from '../../../src/http/http-server.ts';
import { createMetrics, type ScanMetrics } from '../../../src/http/metrics.ts';
import { parseExposition, sampleLines } from '../../helpers/parse-metrics.ts';

const servers: HttpServerHandle[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(
  health: () => HealthReport = () => ({ ok: true, detail: {} }),
  metrics: ScanMetrics = createMetrics(),
): Promise<HttpServerHandle> {
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', metrics, health });
  servers.push(server);
  return server;
}

/** A request on its own keep-alive agent, so each test owns (and closes) its sockets. */
async function fetchText(url: string, options: { method?: Dispatcher.HttpMethod; body?: string } = {}) {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  agents.push(agent);
  const response = await request(url, {
    method: options.method ?? 'GET',
    body: options.body,
    dispatcher: agent,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text(), agent };
}

describe('startHttpServer on loopback', () => {
  it('binds the given host on a free port and serves /metrics as Prometheus text 0.0.4', async () => {
    const metrics = createMetrics();
    metrics.setInventory(5, 3);
    metrics.recordLookup('zen.example', 'clean');
    const server = await start(undefined, metrics);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);

    const response = await fetchText(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers['content-type']).toBe(metrics.contentType);
    const served = parseExposition(response.text);
    expect(sampleLines(served.get('rblwatch_targets'))).toEqual(['rblwatch_targets 5']);
    expect(sampleLines(served.get('rblwatch_lookups_total'))).toEqual([
      'rblwatch_lookups_total{status="clean",zone="zen.example"} 1',
    ]);
    // The process metrics come along, under their standard names.
    expect(served.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(served.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');

    const withQuery = await fetchText(`${server.url}/metrics?name[]=rblwatch_targets`);
    expect(withQuery.status).toBe(200);
  });

  it('answers /healthz with 200 JSON when healthy', async () => {
    const server = await start(() => ({ ok: true, detail: { lastScan: '2026-11-28T17:17:02.500Z' } }));
    const response = await fetchText(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(response.text)).toEqual({ ok: true, detail: { lastScan: '2026-11-28T17:17:02.500Z' } });
  });

  it('answers /healthz with 503 when unhealthy, or when the health check throws', async () => {
    let mode: 'down' | 'throw' = 'down';
    const server = await start(() => {
      if (mode === 'throw') throw new Error('store closed');
      return { ok: false, detail: { store: 'unreachable' } };
    });
    const down = await fetchText(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(down.text)).toEqual({ ok: false, detail: { store: 'unreachable' } });

    mode = 'throw';
    const thrown = await fetchText(`${server.url}/healthz`);
    expect(thrown.status).toBe(503);
    expect(JSON.parse(thrown.text)).toEqual({ ok: false, detail: { error: 'store closed' } });
  });

  it('answers 404 for other paths and 405 (with Allow) for other methods, without reading the body', async () => {
    const server = await start();
    const missing = await fetchText(`${server.url}/`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await fetchText(`${server.url}/metrics/extra`)).status).toBe(404);

    const post = await fetchText(`${server.url}/metrics`, { method: 'POST', body: 'x'.repeat(256 * 1024) });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await fetchText(`${server.url}/healthz`, { method: 'DELETE' })).status).toBe(405);
  });

  it('answers HEAD with headers and no body', async () => {
    const server = await start();
    const response = await fetchText(`${server.url}/metrics`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.text).toBe('');
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('render failed'))],
    [
      'throws',
      () => {
        throw new Error('render failed');
      },
    ],
  ])('answers 500 when rendering metrics %s', async (_how, render: () => Promise<string>) => {
    const broken: ScanMetrics = { ...createMetrics(), render };
    const errors: unknown[] = [];
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      metrics: broken,
      health: () => ({ ok: true, detail: {} }),
      onError: (error) => errors.push(error),
    });
    servers.push(server);
    expect((await fetchText(`${server.url}/metrics`)).status).toBe(500);
    expect(errors).toHaveLength(1);
  });

  it('closes promptly despite an idle keep-alive connection, and refuses connections afterwards', async () => {
    const server = await start();
    // The agent keeps its socket open after this request.
    await fetchText(`${server.url}/healthz`);
    const before = performance.now();
    await server.close();
    expect(performance.now() - before).toBeLessThan(1000);
    await server.close();
    await expect(fetchText(`${server.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects when the port is taken', async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    await expect(
      startHttpServer({
        port,
        host: '127.0.0.1',
        metrics: createMetrics(),
        health: () => ({ ok: true, detail: {} }),
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
