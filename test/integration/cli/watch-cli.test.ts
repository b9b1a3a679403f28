import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDnsServer, serveZoneData, startFakeDnsServer } from '../../helpers/fake-dns-server.ts';
import { runCli } from '../../helpers/run-cli.ts';

/**
 * The watch commands as a user runs them: config file, SQLite store in a temp dir, a DNS server on loopback.
 * Bad config and bad input must stop with a message naming the problem and change nothing.
 */
let dir: string;
let dns: FakeDnsServer;

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function config(name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, body);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-watch-cli-'));
  dns = await startFakeDnsServer(
    serveZoneData({
      '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
      '7.113.0.203.bl.test': { A: ['127.0.0.2'], TXT: ['spam from 203.0.113.7'] },
    }),
  );
  await writeFile(
    join(dir, 'zones.yml'),
    'zones:\n  - { zone: bl.test, kind: ip4, delist: "https://bl.test/?ip={target}" }\n',
  );
});
afterAll(async () => {
  await dns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const good = (store: string, extra = ''): string =>
  [
    `store: ${join(dir, `${store}.sqlite`)}`,
    `resolvers: ["${'127.0.0.1'}:PORT"]`,
    `zones: ${join(dir, 'zones.yml')}`,
    'dns: { timeoutMs: 300, retries: 1 }',
    extra,
  ].join('\n');

describe('bad configuration stops the start with a message naming the problem', () => {
  it.each([
    ['an unknown key', 'colour: blue\n', /colour/],
    ['a /8 range', 'targets: [10.0.0.0/8]\n', /targets\[0\].*10\.0\.0\.0\/8/s],
    ['an invalid cron expression', 'schedule: "61 * * * *"\n', /schedule/],
  ])('%s', async (_name, extra, message) => {
    const file = await config(
      `bad-${_name.replace(/\W/g, '')}`,
      good('bad', extra).replace('PORT', String(dns.port)),
    );
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('serving');
  });

  it('an unreachable Redis store, without printing its password', async () => {
    const file = await config(
      'redis',
      good('x')
        .replace(/^store: .*$/m, 'store: redis://:hunter2@127.0.0.1:1/0')
        .replace('PORT', String(dns.port)),
    );
    const result = await runCli(['serve', '--config', file], { timeoutMs: 15_000 });
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/redis/i);
    expect(result.stderr + result.stdout).not.toContain('hunter2');
  });
});

describe('watch, scan, status and history', () => {
  let file: string;
  beforeAll(async () => {
    file = await config('main', good('main', 'targets: [203.0.113.7]\n').replace('PORT', String(dns.port)));
  });

  it('refuses bad input to watch add and changes nothing', async () => {
    const bad = await runCli(['watch', 'add', '198.51.100.9', '300.1.1.1', '--config', file]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('300.1.1.1');
    expect(bad.stderr).toContain('nothing was added');
    const list = await runCli(['watch', 'list', '--json', '--config', file]);
    expect(JSON.parse(list.stdout).map((entry: { target: string }) => entry.target)).toEqual(['203.0.113.7']);
  });

  it('does not even create the store when every target is bad', async () => {
    const fresh = await config('fresh', good('fresh').replace('PORT', String(dns.port)));
    const bad = await runCli(['watch', 'add', '10.0.0.0/8', '--config', fresh]);
    expect(bad.code).toBe(64);
    expect(existsSync(join(dir, 'fresh.sqlite'))).toBe(false);
  });

  it('adds targets with labels, refuses duplicates, warns about overlaps', async () => {
    const added = await runCli(['watch', 'add', '198.51.100.0/30', '--team', 'mail', '--config', file]);
    expect(added.code, added.stderr).toBe(0);
    const duplicate = await runCli(['watch', 'add', '203.0.113.7', '--config', file]);
    expect(duplicate.code).toBe(64);
    expect(duplicate.stderr).toContain('already watched');
    const overlap = await runCli(['watch', 'add', '198.51.100.2', '--config', file]);
    expect(overlap.code).toBe(0);
    expect(overlap.stderr).toContain('overlaps 198.51.100.0/30');
    const list = await runCli(['watch', 'list', '--json', '--config', file]);
    const entries = JSON.parse(list.stdout) as {
      target: string;
      labels: { team?: string };
      source: string;
    }[];
    expect(entries.map((e) => [e.target, e.source, e.labels.team ?? null])).toEqual([
      ['203.0.113.7', 'config', null],
      ['198.51.100.0/30', 'store', 'mail'],
      ['198.51.100.2', 'store', null],
    ]);
  });

  it('scans, then reports what is listed and the history', async () => {
    const scan = await runCli(['scan', '--json', '--config', file]);
    expect(scan.code, scan.stderr).toBe(0);
    const outcome = JSON.parse(scan.stdout);
    expect(outcome.run).toMatchObject({ status: 'completed', targets: 5, lookups: 5, listed: 1, events: 1 });
    expect(outcome.events[0]).toMatchObject({
      kind: 'listed',
      target: '203.0.113.7',
      zone: 'bl.test',
      initial: true,
    });

    const status = await runCli(['status', '--json', '--config', file]);
    expect(status.code).toBe(1);
    const rows = JSON.parse(status.stdout).listings;
    expect(rows).toEqual([
      expect.objectContaining({
        target: '203.0.113.7',
        zone: 'bl.test',
        status: 'listed',
        codes: ['127.0.0.2'],
      }),
    ]);
    expect(Number.isNaN(Date.parse(rows[0].at))).toBe(false);

    const history = await runCli(['history', '203.0.113.7', '--json', '--config', file]);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([
      expect.objectContaining({
        target: '203.0.113.7',
        zone: 'bl.test',
        kind: 'listed',
        codes: ['127.0.0.2'],
      }),
    ]);
    const text = await runCli(['history', '203.0.113.7', '--config', file]);
    expect(text.stdout).toContain('203.0.113.7 was already listed on bl.test');
    const none = await runCli(['history', '203.0.113.7', '--since', '2999-01-01', '--config', file]);
    expect(none.stdout).toContain('no recorded changes');
    const badDate = await runCli(['history', '203.0.113.7', '--since', 'yesterday-ish', '--config', file]);
    expect(badDate.code).toBe(64);
    const count = async (...filters: string[]): Promise<number> => {
      const result = await runCli(['history', '203.0.113.7', ...filters, '--json', '--config', file]);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as unknown[]).length;
    };
    expect(await count('--zone', 'BL.test.', '--until', '2999-01-01')).toBe(1);
    expect(await count('--zone', 'other.test')).toBe(0);
    expect(await count('--until', '2000-01-01')).toBe(0);
  });

  it('removing a watched target keeps its history; config entries are removed in the file', async () => {
    const removed = await runCli(['watch', 'remove', '198.51.100.2', '--config', file]);
    expect(removed.code).toBe(0);
    const fromConfig = await runCli(['watch', 'remove', '203.0.113.7', '--config', file]);
    expect(fromConfig.code).toBe(64);
    expect(fromConfig.stderr).toContain('config file');
    const history = await runCli(['history', '203.0.113.7', '--json', '--config', file]);
    expect(JSON.parse(history.stdout)).toHaveLength(1);
  });

  it('serve scans at start, serves /healthz and /metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freeTcpPort();
    const child = spawn(process.execPath, ['bin/rblwatch.js', 'serve', '--config', file], {
      cwd: new URL('../../../', import.meta.url),
      env: { ...process.env, NO_COLOR: '1', RBLWATCH_HTTP_PORT: String(port) },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Woken by the output itself, not by polling it.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no "scan completed" within 15 s:\n${out}`)),
        15_000,
      );
      const check = (): void => {
        if (!out.includes('scan completed')) return;
        clearTimeout(deadline);
        child.stdout.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      check();
    });
    expect(out).toContain('scan completed');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('rblwatch_listings{zone="bl.test",severity="major"} 1');
    expect(metrics).toMatch(/rblwatch_lookups_total\{zone="bl.test",status="listed"\} 1/);
    expect(metrics).toContain('rblwatch_scans_total{status="completed"} 1');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toContain('stopped');
  });
});
