/**
 * Runs a real rbldnsd on loopback for integration tests.
 *
 * Each zone gets its own data file in a fresh temp dir. The harness prepends a `$SOA` line with a serial it
 * controls to every file, which gives it a caller-independent way to tell which version of a file rbldnsd is
 * serving: readiness and `update()` both poll the zone's SOA serial until it matches the one just written.
 *
 * @see `man rbldnsd` for the dataset formats (`:127.0.0.2:Listed, see http://example/$` default lines etc.)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { constants, rmSync } from 'node:fs';
import { access, chmod, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** rbldnsd dataset types the harness supports (`combined` and `acl` are left out on purpose). */
export type RbldnsdDataset = 'ip4set' | 'ip4tset' | 'ip4trie' | 'ip6tset' | 'ip6trie' | 'dnset' | 'generic';

export interface RbldnsdZone {
  /** Zone base name, e.g. `bl.example.test`. Each name may appear once per server. */
  readonly name: string;
  readonly type: RbldnsdDataset;
  /**
   * Data file contents in the dataset's format. Any `$SOA` line in it is ignored: the harness's own `$SOA`
   * comes first and rbldnsd only honours the first one.
   */
  readonly data: string;
}

export interface RbldnsdServer {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, ready for `Resolver#setServers`. */
  readonly address: string;
  /** Process id of rbldnsd, so tests can check it is gone after `stop()`. */
  readonly pid: number;
  /**
   * rbldnsd's output so far (last 16 KiB). rbldnsd skips bad data lines with a warning such as
   * `file x(3): invalid address` instead of failing, so tests can assert the log has none. Line numbers
   * there are 2 higher than in the data given, for the harness's header lines.
   */
  log(): string;
  /** Replaces a zone's data and resolves once rbldnsd serves the new version. */
  update(zoneName: string, data: string): Promise<void>;
  /** Stops rbldnsd (SIGTERM, SIGKILL after 2 s) and removes its files. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartRbldnsdOptions {
  /** Extra command-line options, placed before the zone specs; a later `-t` overrides the harness's. */
  readonly extraArgs?: readonly string[];
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;
const BIND_ATTEMPTS = 5;
const POLL_INTERVAL_MS = 25;
/** Keep only the tail of rbldnsd's output for error messages. */
const MAX_LOG_CHARS = 16_384;

/**
 * Options every server gets.
 * - `-n`: stay in the foreground so we own the process and see its log on stdout/stderr.
 * - `-c 1`: also re-check file mtimes every second, a fallback should a SIGHUP arrive mid-reload.
 * - `-a`: minimal answers (no AUTH section unless NS is asked for), like production DNSBLs and rbldnsd's
 *   announced future default, so answers are the same whether or not a zone has `$NS`.
 * - `-t 1`: a deterministic TTL instead of the 35 min default, short so that a caching resolver in front of
 *   rbldnsd (unbound in some suites) cannot serve data older than an `update()` for long. rbldnsd rejects 0.
 */
const BASE_ARGS = ['-n', '-c', '1', '-a', '-t', '1'] as const;

/** Processes and temp dirs not yet cleaned up, so the 'exit' hook can remove what a failing test left. */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** Absolute path of an executable rbldnsd, searching PATH and then the sbin dirs a non-root PATH lacks. */
export async function locateRbldnsd(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'rbldnsd');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/**
 * The account rbldnsd should switch to, or undefined when no `-u` is needed.
 *
 * rbldnsd will not keep root, and as non-root it cannot setuid at all (`-u` then fails with EPERM), so the
 * option is passed only when we are root.
 */
export async function rbldnsdRunAsUser(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['rbldns', 'nobody']) {
    if (await userExists(user)) return user;
  }
  return undefined;
}

/**
 * Starts rbldnsd on a free UDP port of 127.0.0.1 serving `zones`, and resolves once every zone answers.
 *
 * Rejects after 10 s (or when rbldnsd exits) with rbldnsd's output in the message. Call `stop()` when done;
 * servers still running when the test process exits are killed by an 'exit' hook.
 */
export async function startRbldnsd(
  zones: readonly RbldnsdZone[],
  options: StartRbldnsdOptions = {},
): Promise<RbldnsdServer> {
  if (zones.length === 0) throw new Error('startRbldnsd needs at least one zone');
  const binary = await locateRbldnsd();
  if (binary === undefined) throw new Error('rbldnsd not found on PATH or in /usr/sbin');
  const user = await rbldnsdRunAsUser();
  if (process.getuid?.() === 0 && user === undefined) {
    throw new Error('running as root, but neither user rbldns nor nobody exists for rbldnsd -u');
  }

  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'rblwatch-rbldnsd-'));
  liveDirs.add(dir);
  try {
    // mkdtemp makes the dir 0700, but rbldnsd reads (and re-reads on reload) as the unprivileged user.
    await chmod(dir, 0o755);
    const files = new ZoneFiles(dir);
    const specs: string[] = [];
    for (const zone of zones) specs.push(await files.add(zone));

    const failures: string[] = [];
    for (let attempt = 1; attempt <= BIND_ATTEMPTS; attempt += 1) {
      const port = await pickFreeUdpPort();
      const args = [
        ...BASE_ARGS,
        ...(user === undefined ? [] : ['-u', user]),
        '-b',
        `${HOST}/${port}`,
        '-w',
        dir,
        ...(options.extraArgs ?? []),
        ...specs,
      ];
      const proc = new RbldnsdProcess(binary, args, port);
      try {
        await proc.waitUntil(() => files.allServed(proc.resolver), 'every zone to answer its SOA query');
        return createServer(proc, files, dir, port);
      } catch (error) {
        await proc.stop();
        // Another process can take the port between our probe closing it and rbldnsd binding it.
        if (proc.log().includes('unable to bind')) {
          failures.push(`port ${port}: ${lastLine(proc.log())}`);
          continue;
        }
        throw error;
      }
    }
    throw new Error(
      `rbldnsd could not bind a UDP port after ${BIND_ATTEMPTS} attempts:\n${failures.join('\n')}`,
    );
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

function createServer(proc: RbldnsdProcess, files: ZoneFiles, dir: string, port: number): RbldnsdServer {
  // Updates run one at a time so each one's serial and mtime are strictly newer than the previous one's.
  let queue: Promise<void> = Promise.resolve();
  let stopped: Promise<void> | undefined;
  return {
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    pid: proc.pid,
    log: () => proc.log(),
    update(zoneName: string, data: string): Promise<void> {
      const run = async (): Promise<void> => {
        if (stopped !== undefined) throw new Error('rbldnsd server already stopped');
        const file = await files.rewrite(zoneName, data);
        proc.signal('SIGHUP');
        await proc.waitUntil(
          () => files.isServed(proc.resolver, file),
          `zone ${file.zone} to serve SOA serial ${file.serial}`,
        );
      };
      const result = queue.then(run);
      queue = result.catch(() => undefined);
      return result;
    },
    stop(): Promise<void> {
      stopped ??= proc.stop().then(() => removeDir(dir));
      return stopped;
    },
  };
}

interface ZoneFile {
  readonly zone: string;
  readonly path: string;
  serial: number;
  /** Whole seconds, as rbldnsd compares them. */
  mtime: number;
}

/** The zone data files of one server and the serials written into them. */
class ZoneFiles {
  readonly #dir: string;
  readonly #byZone = new Map<string, ZoneFile>();
  #nextSerial = 1;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Writes the zone's first version and returns its `name:type:file` zonespec. */
  async add(zone: RbldnsdZone): Promise<string> {
    const name = normalizeZoneName(zone.name);
    if (this.#byZone.has(name))
      throw new Error(`zone ${name} given twice; one dataset per zone is supported`);
    const fileName = `${name}.${zone.type}`;
    const file: ZoneFile = { zone: name, path: join(this.#dir, fileName), serial: 0, mtime: 0 };
    await this.#write(file, zone.data);
    this.#byZone.set(name, file);
    // Relative to -w, which keeps rbldnsd's log lines short: `file bl.test.ip4set(4): invalid address`.
    return `${name}:${zone.type}:${fileName}`;
  }

  async rewrite(zoneName: string, data: string): Promise<ZoneFile> {
    const name = normalizeZoneName(zoneName);
    const file = this.#byZone.get(name);
    if (file === undefined) {
      throw new Error(`unknown zone ${name}; this server has ${[...this.#byZone.keys()].join(', ')}`);
    }
    await this.#write(file, data);
    return file;
  }

  async allServed(resolver: Resolver): Promise<boolean> {
    for (const file of this.#byZone.values()) {
      if (!(await this.isServed(resolver, file))) return false;
    }
    return true;
  }

  async isServed(resolver: Resolver, file: ZoneFile): Promise<boolean> {
    try {
      const soa = await resolver.resolveSoa(file.zone);
      return soa.serial === file.serial;
    } catch {
      // Not bound yet, mid-reload, or a dropped datagram: the caller polls again.
      return false;
    }
  }

  async #write(file: ZoneFile, data: string): Promise<void> {
    const serial = this.#nextSerial;
    this.#nextSerial += 1;
    // rbldnsd reloads a file only when its mtime, in whole seconds, differs from the loaded one, so two
    // writes within one second would leave the first version served. Force a strictly newer second.
    const mtime = Math.max(Math.floor(Date.now() / 1000), file.mtime + 1);
    const header = [
      '# Written by test/helpers/rbldnsd.ts. Its SOA serial tells the harness which version is served.',
      // SOA TTL 0 means "use the -t default"; minimum 0 keeps NXDOMAIN answers out of negative caches.
      `$SOA 0 ns.${file.zone} hostmaster.${file.zone} ${serial} 1h 5m 1d 0`,
      '',
    ].join('\n');
    // Write then rename, as `man rbldnsd` advises, so a concurrent reload never sees a partial file.
    const tmp = `${file.path}.tmp`;
    await writeFile(tmp, `${header}${data.endsWith('\n') ? data : `${data}\n`}`, { mode: 0o644 });
    // The mode given to writeFile is filtered by the umask; rbldnsd's user must be able to read the file.
    await chmod(tmp, 0o644);
    await utimes(tmp, mtime, mtime);
    await rename(tmp, file.path);
    file.serial = serial;
    file.mtime = mtime;
  }
}

/** One spawned rbldnsd process, its output, and a resolver pointed at it. */
class RbldnsdProcess {
  readonly resolver: Resolver;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #command: string;
  #log = '';
  #exitStatus: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(binary: string, args: readonly string[], port: number) {
    this.#command = [binary, ...args].join(' ');
    // Not detached: a Ctrl-C in the terminal reaches rbldnsd too, and rbldnsd exits on SIGINT.
    this.#child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitStatus = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve();
      });
      // Spawn failures emit 'error' and no 'exit'.
      this.#child.once('error', (error) => {
        this.#exitStatus = `spawn error: ${error.message}`;
        this.#append(`${error.message}\n`);
        resolve();
      });
    });
    // Drain both pipes: rbldnsd logs to stdout in -n mode and to stderr for fatal errors, and would block on
    // a full pipe.
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#append(chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.#append(chunk));
    liveChildren.add(this.#child);
    // Short timeout and a single try per query: the polling loop supplies the retries.
    this.resolver = new Resolver({ timeout: 200, tries: 1 });
    this.resolver.setServers([`${HOST}:${port}`]);
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  log(): string {
    return this.#log;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#exitStatus === undefined) this.#child.kill(signal);
  }

  /** Polls `check` until it returns true; rejects if rbldnsd exits or 10 s pass, quoting its output. */
  async waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.#exitStatus !== undefined)
        throw this.#error(`rbldnsd exited (${this.#exitStatus}) while waiting for ${what}`);
      if (await check()) return;
      if (Date.now() >= deadline)
        throw this.#error(`timed out after ${READY_TIMEOUT_MS} ms waiting for ${what}`);
      await Promise.race([sleep(POLL_INTERVAL_MS), this.#exited]);
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.resolver.cancel();
    if (this.#exitStatus === undefined) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    liveChildren.delete(this.#child);
  }

  #append(chunk: string): void {
    this.#log = (this.#log + chunk).slice(-MAX_LOG_CHARS);
  }

  #error(message: string): Error {
    return new Error(
      `${message}\ncommand: ${this.#command}\nrbldnsd output:\n${this.#log.trimEnd() || '(none)'}`,
    );
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Both hooks must be synchronous: kill hard and remove files without waiting for anything.
  const cleanUp = (): void => {
    for (const child of liveChildren) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  // Vitest ends its fork workers with SIGTERM, whose default action skips 'exit' listeners, so a server a
  // failed test never stopped would outlive the run. Clean up, then let SIGTERM do what it would have done.
  process.once('SIGTERM', () => {
    cleanUp();
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  });
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** Asks the OS for a free UDP port on loopback. rbldnsd may still lose a race for it; the caller retries. */
async function pickFreeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, HOST, () => resolve());
    });
    return socket.address().port;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** Lowercase, no trailing dot, and only characters that cannot break a `name:type:file` zonespec. */
function normalizeZoneName(name: string): string {
  const normalized = name.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(normalized)) {
    throw new Error(`zone name ${JSON.stringify(name)} must be dot-separated [a-z0-9_-] labels`);
  }
  return normalized;
}

async function userExists(user: string): Promise<boolean> {
  // getent also sees NSS users (LDAP, systemd dynamic users); fall back to /etc/passwd where it is missing.
  const viaGetent = await new Promise<boolean | undefined>((resolve) => {
    execFile('getent', ['passwd', user], { timeout: 5_000 }, (error) => {
      if (error === null) resolve(true);
      else resolve(typeof error.code === 'number' ? false : undefined);
    });
  });
  if (viaGetent !== undefined) return viaGetent;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return passwd.split('\n').some((line) => line.startsWith(`${user}:`));
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
