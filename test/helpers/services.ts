/**
 * Gates for integration suites that need a real Redis, PostgreSQL, rbldnsd or promtool.
 *
 * The rule: a suite runs whenever its service is reachable. Under `CI=true` an unreachable service is a
 * failing test, never a skip, so a broken CI image cannot turn the integration suites silently green. On a
 * developer's machine without the service the suite is reported as skipped, with the reason in its title.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { describe, it } from 'vitest';
import { locateRbldnsd, rbldnsdRunAsUser } from './rbldnsd.ts';

/** Whether one external service can be used by this test run, and if not, why. */
export interface ServiceAvailability {
  readonly name: string;
  readonly ok: boolean;
  /** Human-readable reason when `ok` is false (what was tried and what failed). */
  readonly why?: string;
}

/** How long a TCP probe may take before the service counts as unreachable. */
const CONNECT_TIMEOUT_MS = 1_000;

/** rbldnsd is usable when its binary is on PATH (or in an sbin dir), runs, and can drop root if we are root. */
export async function rbldnsdAvailability(): Promise<ServiceAvailability> {
  const name = 'rbldnsd';
  const binary = await locateRbldnsd();
  if (binary === undefined) {
    return { name, ok: false, why: 'rbldnsd not found on PATH or in /usr/sbin (apt-get install rbldnsd)' };
  }
  const help = await new Promise<{ ok: boolean; output: string }>((resolve) => {
    execFile(binary, ['-h'], { timeout: 5_000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}` });
    });
  });
  if (!help.ok || !help.output.includes('rbldnsd')) {
    return { name, ok: false, why: `${binary} -h failed: ${help.output.trim().slice(0, 200)}` };
  }
  if (process.getuid?.() === 0 && (await rbldnsdRunAsUser()) === undefined) {
    return { name, ok: false, why: 'running as root but neither user rbldns nor nobody exists to drop to' };
  }
  return { name, ok: true };
}

/** promtool (Debian package `prometheus`) is usable when `promtool --version` runs. */
export function promtoolAvailability(): Promise<ServiceAvailability> {
  return new Promise((resolve) => {
    execFile('promtool', ['--version'], { timeout: 5_000 }, (error, stdout, stderr) => {
      resolve(
        error === null && `${stdout}${stderr}`.includes('promtool')
          ? { name: 'promtool', ok: true }
          : { name: 'promtool', ok: false, why: 'promtool not found on PATH (apt-get install prometheus)' },
      );
    });
  });
}

/** Redis counts as available when something accepts a TCP connection at the URL's host and port. */
export function redisAvailability(
  url: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<ServiceAvailability> {
  return probeTcp('redis', url, 6379);
}

/** PostgreSQL counts as available when something accepts a TCP connection at the URL's host and port. */
export function postgresAvailability(
  url: string = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
): Promise<ServiceAvailability> {
  return probeTcp('postgres', url, 5432);
}

/**
 * `describe` that runs only when `service` is available.
 *
 * Unavailable under `CI=true`: registers one failing test instead of `fn`'s tests. Unavailable elsewhere:
 * registers `fn`'s tests as skipped, so the reporter lists them with the reason in the suite title. `fn` is
 * called at collection time in the run and skip cases, so it must only register hooks and tests.
 */
export function describeWithService(service: ServiceAvailability, title: string, fn: () => void): void {
  if (service.ok) {
    describe(title, fn);
    return;
  }
  const why = service.why ?? 'unavailable';
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${service.name}`, () => {
        throw new Error(`${service.name} is required when CI=true but is unavailable: ${why}`);
      });
    });
    return;
  }
  describe.skip(`[${service.name} unavailable: ${why}] ${title}`, fn);
}

async function probeTcp(name: string, url: string, defaultPort: number): Promise<ServiceAvailability> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { name, ok: false, why: `cannot parse ${name} URL` };
  }
  // URL keeps IPv6 literals bracketed ("[::1]"); net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port === '' ? defaultPort : Number(parsed.port);
  // Only host and port go into messages: the URL may carry a password.
  const where = `${host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: ServiceAvailability): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      finish({ name, ok: false, why: `no TCP connect to ${where} within ${CONNECT_TIMEOUT_MS} ms` }),
    );
    socket.once('connect', () => finish({ name, ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ name, ok: false, why: `TCP connect to ${where} failed: ${error.code ?? error.message}` }),
    );
  });
}
