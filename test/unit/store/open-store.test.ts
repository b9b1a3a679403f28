/**
 * openStore: choosing a backend from the location, refusing what it cannot use, and failing fast (with the
 * password redacted) when a server is unreachable or silent.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../src/errors.ts';
import {
  defineStoreBackends,
  openStore,
  parseStoreLocation,
  selectStoreBackend,
  storeBackends,
} from '../../../src/store/open-store.ts';

const BACKENDS_DIR = fileURLToPath(new URL('../../../src/store/backends/', import.meta.url));

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected openStore to fail');
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('store backend registry', () => {
  it('registers exactly one backend per file in src/store/backends', async () => {
    const files = (await readdir(BACKENDS_DIR))
      .filter((file) => file.endsWith('.ts'))
      .map((f) => basename(f, '.ts'));
    expect(storeBackends.map((backend) => backend.name).sort()).toEqual(files.sort());
  });

  it('refuses empty and duplicate names', () => {
    const open = async () => {
      throw new Error('unused');
    };
    const backend = { name: 'x', schemes: ['x'], form: 'url' as const, open };
    expect(() => defineStoreBackends([backend, backend])).toThrow(/registered twice/);
    expect(() => defineStoreBackends([{ ...backend, name: '' }])).toThrow(AppError);
    expect(() => defineStoreBackends([])).toThrow(/empty/);
  });

  it.each([
    ['./data/rblwatch.sqlite', 'sqlite'],
    ['/var/lib/rblwatch/store.db', 'sqlite'],
    ['C:\\rblwatch\\store.sqlite', 'sqlite'],
    ['memory:', 'memory'],
    ['redis://127.0.0.1:6379', 'redis'],
    ['REDISS://cache.internal', 'redis'],
    ['postgres://db/rbl', 'postgres'],
    ['postgresql://db/rbl', 'postgres'],
    ['mysql://db/rbl', undefined],
    ['memory://x', 'memory'],
    ['sqlite://state/db.sqlite', 'sqlite'],
  ])('%s is opened by %s', (location, name) => {
    expect(selectStoreBackend(location)?.name).toBe(name);
  });

  it('parses a location once, the same way for the config file and openStore', () => {
    expect(parseStoreLocation('state/db.sqlite', '/srv')).toEqual({
      ok: true,
      value: { kind: 'sqlite', location: '/srv/state/db.sqlite', display: '/srv/state/db.sqlite' },
    });
    expect(parseStoreLocation('sqlite://:memory:', '/srv')).toMatchObject({
      value: { location: ':memory:' },
    });
    expect(parseStoreLocation(' memory: ', '/srv')).toMatchObject({
      value: { kind: 'memory', location: 'memory:' },
    });
    expect(parseStoreLocation('postgres://u:pw@db/x?password=pw2', '/srv')).toMatchObject({
      value: {
        kind: 'postgres',
        location: 'postgres://u:pw@db/x?password=pw2',
        display: 'postgres://u:***@db/x?password=***',
      },
    });
    expect(parseStoreLocation('mysql://db/rbl', '/srv')).toEqual({
      ok: false,
      problem: 'unsupported store "mysql://": use a file path (SQLite), redis://... or postgres://...',
    });
    expect(parseStoreLocation('redis://', '/srv')).toEqual({
      ok: false,
      problem: 'the redis:// URL names no host',
    });
    expect(parseStoreLocation('sqlite://', '/srv')).toEqual({
      ok: false,
      problem: 'sqlite:// needs a file path',
    });
  });
});

describe('openStore', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rblwatch-open-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens memory and SQLite stores', async () => {
    const memory = await openStore('memory:');
    expect(memory.backend).toBe('memory');
    await memory.close();
    const sqlite = await openStore(join(dir, 'deep', 'store.sqlite'));
    expect(sqlite.backend).toBe('sqlite');
    expect(await sqlite.listInventory()).toEqual([]);
    await sqlite.close();
  });

  it('refuses unknown schemes, malformed URLs, empty locations and bad namespaces', async () => {
    expect((await failure(openStore('mysql://db/rbl'))).code).toBe(ErrorCode.STORE_LOCATION_INVALID);
    expect((await failure(openStore('  '))).code).toBe(ErrorCode.STORE_LOCATION_INVALID);
    const malformed = await failure(openStore('redis://:hunter2@[oops'));
    expect(malformed.code).toBe(ErrorCode.STORE_LOCATION_INVALID);
    expect(malformed.message).not.toContain('hunter2');
    expect(malformed.cause).toBeUndefined();
    for (const namespace of ['', 'a:b', 'a_%', '-lead', 'x'.repeat(65)]) {
      expect((await failure(openStore('memory:', { namespace }))).code).toBe(
        ErrorCode.STORE_LOCATION_INVALID,
      );
    }
  });

  it('refuses a SQLite path it cannot create', async () => {
    // A regular file where a directory should be: fails the same way as root or not.
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const error = await failure(openStore(join(blocker, 'store.sqlite')));
    expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
    expect(error.message).toContain(join(blocker, 'store.sqlite'));
  });

  it('refuses a file that is not SQLite', async () => {
    const file = join(dir, 'garbage.sqlite');
    await writeFile(
      file,
      'this is not a database, just enough bytes to look like a file header...'.repeat(20),
    );
    const error = await failure(openStore(file));
    expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
  });

  describe.each([
    ['redis', (port: number) => `redis://:hunter2@127.0.0.1:${port}`],
    ['postgres', (port: number) => `postgres://rbl:hunter2@127.0.0.1:${port}/rbl`],
  ])('%s', (name, urlFor) => {
    it('fails fast on a closed port, naming the backend and redacting the password', async () => {
      const port = await closedPort();
      const started = Date.now();
      const error = await failure(openStore(urlFor(port)));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect(error.message).toContain(`${name} store at`);
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(error.message).toContain('***');
      expect(error.message).not.toContain('hunter2');
    });

    it('gives up on a server that accepts connections but never answers', async () => {
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      if (typeof address !== 'object' || address === null) throw new Error('no port');
      try {
        const started = Date.now();
        const error = await failure(openStore(urlFor(address.port), { connectTimeoutMs: 500 }));
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
        expect(error.message).not.toContain('hunter2');
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });
  });
});
