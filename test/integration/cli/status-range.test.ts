import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeDnsServer,
  serveZoneData,
  startFakeDnsServer,
  type ZoneData,
} from '../../helpers/fake-dns-server.ts';
import { runCli } from '../../helpers/run-cli.ts';

/**
 * `status` and `history` speak about what is watched, run as a user runs them (a child process per command): a
 * watched /28 whose addresses are listed on two lists, an address that is not watched.
 */
let dir: string;
let dns: FakeDnsServer;
let file: string;

/** 14 of the 16 addresses of 198.51.100.0/28 listed on bl.test, and two of those also on bl2.test. */
const listedOnFirst = Array.from({ length: 16 }, (_, n) => n).filter((n) => n !== 4 && n !== 11);
const listedOnSecond = [2, 10];

function zoneData(): ZoneData {
  const data: ZoneData = {
    '2.0.0.127.bl.test': { A: ['127.0.0.2'] },
    '2.0.0.127.bl2.test': { A: ['127.0.0.2'] },
  };
  for (const n of listedOnFirst)
    data[`${n}.100.51.198.bl.test`] = { A: ['127.0.0.2'], TXT: [`spam from .${n}`] };
  for (const n of listedOnSecond) data[`${n}.100.51.198.bl2.test`] = { A: ['127.0.0.3'] };
  return data;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-status-range-'));
  dns = await startFakeDnsServer(serveZoneData(zoneData()));
  await writeFile(
    join(dir, 'zones.yml'),
    [
      'zones:',
      '  - { zone: bl.test, kind: ip4, delist: "https://bl.test/remove?ip={target}" }',
      '  - { zone: bl2.test, kind: ip4, severity: minor }',
      '',
    ].join('\n'),
  );
  file = join(dir, 'rblwatch.yml');
  await writeFile(
    file,
    [
      `store: ${join(dir, 'store.sqlite')}`,
      `resolvers: ["127.0.0.1:${dns.port}"]`,
      `zones: ${join(dir, 'zones.yml')}`,
      'dns: { timeoutMs: 500, retries: 1 }',
      'targets: [198.51.100.0/28]',
      '',
    ].join('\n'),
  );
  const scan = await runCli(['scan', '--config', file]);
  if (scan.code !== 0) throw new Error(`scan failed: ${scan.stderr}`);
});

afterAll(async () => {
  await dns?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('status of a watched range', () => {
  it('covers every address of the range, sorted numerically, with a summary and the delist links', async () => {
    const result = await runCli(['status', '198.51.100.0/28', '--config', file]);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^14 of 16 addresses in 198\.51\.100\.0\/28 listed on 2 lists, as of the last scan/,
    );
    const rows = lines.filter((line) => /^198\.51\.100\.\d+ /.test(line));
    expect(rows).toHaveLength(14 + 2);
    const order = rows.map((line) => Number(line.split(/\s+/)[0]?.split('.')[3]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // .9 before .10: numeric, not text order.
    expect(order.indexOf(9)).toBeLessThan(order.indexOf(10));
    expect(result.stdout).toContain('delist: https://bl.test/remove?ip=198.51.100.9');
    expect(result.stdout).toContain('"spam from .9"');
  });

  it('says the same in --json, with per-address rows', async () => {
    const result = await runCli(['status', '198.51.100.0/28', '--json', '--config', file]);
    expect(result.code, result.stderr).toBe(1);
    const document = JSON.parse(result.stdout) as {
      target: string;
      watched: boolean;
      addresses: number;
      listedTargets: number;
      lists: number;
      listings: { target: string; zone: string; delist: string | null; severity: string }[];
    };
    expect(document).toMatchObject({
      target: '198.51.100.0/28',
      watched: true,
      addresses: 16,
      listedTargets: 14,
      lists: 2,
    });
    expect(document.listings).toHaveLength(16);
    expect(document.listings[0]).toMatchObject({
      target: '198.51.100.0',
      zone: 'bl.test',
      delist: 'https://bl.test/remove?ip=198.51.100.0',
      severity: 'major',
    });
    expect(document.listings.filter((row) => row.zone === 'bl2.test').map((row) => row.target)).toEqual([
      '198.51.100.2',
      '198.51.100.10',
    ]);
  });

  it('answers for one address of the range, and for a clean one', async () => {
    const listed = await runCli(['status', '198.51.100.10', '--config', file]);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain('198.51.100.10 is listed on 2 lists');
    const clean = await runCli(['status', '198.51.100.4', '--config', file]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('198.51.100.4 is not listed');
  });

  it('the whole inventory: every listing, counted against what is watched', async () => {
    const result = await runCli(['status', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')[0]).toMatch(/^14 of 16 watched targets listed on 2 lists/);
  });
});

describe('a target that is not watched', () => {
  it('status says so and exits 64, instead of calling it clean', async () => {
    const result = await runCli(['status', '1.1.1.1', '--config', file]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('1.1.1.1 is not watched (use `rblwatch check 1.1.1.1` for a live lookup');
    const json = await runCli(['status', '1.1.1.1', '--json', '--config', file]);
    expect(json.code).toBe(64);
    expect(JSON.parse(json.stdout)).toEqual({ target: '1.1.1.1', watched: false, listings: [] });
  });

  it('history says so and exits 64', async () => {
    const result = await runCli(['history', '1.1.1.1', '--config', file]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('1.1.1.1 is not watched and has no recorded history');
  });
});

describe('history of a watched range', () => {
  it("lists the events of the range's addresses, human and --json", async () => {
    const json = await runCli(['history', '198.51.100.0/28', '--json', '--config', file]);
    expect(json.code, json.stderr).toBe(0);
    const events = JSON.parse(json.stdout) as {
      target: string;
      zone: string;
      kind: string;
      initial?: boolean;
    }[];
    expect(events).toHaveLength(16);
    expect(events.every((event) => event.kind === 'listed' && event.initial === true)).toBe(true);
    expect(new Set(events.map((event) => event.target)).size).toBe(14);
    const text = await runCli(['history', '198.51.100.0/28', '--zone', 'bl2.test', '--config', file]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toContain('198.51.100.10 was already listed on bl2.test');
  });
});

describe('a watched target not scanned yet', () => {
  it('is not called clean: exit 2, and scanned: false in --json', async () => {
    expect((await runCli(['watch', 'add', '198.51.100.100', '--config', file])).code).toBe(0);
    const human = await runCli(['status', '198.51.100.100', '--config', file]);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain('not every address has been scanned yet');
    const json = await runCli(['status', '198.51.100.100', '--json', '--config', file]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ watched: true, scanned: false });
    expect((await runCli(['watch', 'remove', '198.51.100.100', '--config', file])).code).toBe(0);
  });
});
