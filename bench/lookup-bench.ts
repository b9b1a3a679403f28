/**
 * `npm run bench`: lookups per second and peak memory of the lookup engine for a large run, against rbldnsd on
 * loopback (the server real DNSBLs run), with every answer checked against the data it was given.
 *
 * Run: 65,536 IPv4 targets (10.0.0.0/16) x 10 zones = 655,360 lookups, with the engine's default settings.
 * Every 97th address is listed on each zone (with a per-zone offset and code), so about 1% of lookups also need a
 * TXT query. With dnsperf installed, the same server is also measured with dnsperf for comparison.
 *
 * Options: --targets N (power of two up to 65536), --concurrency N, --timeout MS, --retries N.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { probeZones, streamChecks } from '../src/checks/run-check.ts';
import { engineDefaults } from '../src/cli/engine-options.ts';
import { buildQueryName } from '../src/dns/query-name.ts';
import { UdpResolver } from '../src/dns/udp-resolver.ts';
import { formatIpv4 } from '../src/domain/ip-text.ts';
import type { Zone } from '../src/domain/zone.ts';
import { expandCidr } from '../src/inventory/parse-target.ts';
import { type RbldnsdZone, startRbldnsd } from '../test/helpers/rbldnsd.ts';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '65536' },
    concurrency: { type: 'string', default: String(engineDefaults.concurrency) },
    timeout: { type: 'string', default: String(engineDefaults.timeoutMs) },
    sockets: { type: 'string', default: '2' },
    retries: { type: 'string', default: String(engineDefaults.retries) },
  },
});
const targetCount = Number(values.targets);
const prefix = 32 - Math.log2(targetCount);
if (!Number.isInteger(prefix) || prefix < 16) throw new Error('--targets must be a power of two up to 65536');

const zoneCount = 10;
const stride = 97;
const base = 10 << 24;

/** Zone i lists addresses whose index is `i` modulo 97, with code 127.0.0.(2 + i). */
function isListed(zoneIndex: number, addressIndex: number): boolean {
  return addressIndex % stride === zoneIndex;
}

function zoneData(zoneIndex: number): string {
  const lines = [`:127.0.0.${2 + zoneIndex}:Listed by bench zone ${zoneIndex}: $`, '127.0.0.2'];
  for (let i = zoneIndex; i < targetCount; i += stride) lines.push(formatIpv4(base + i));
  return `${lines.join('\n')}\n`;
}

const rbldnsdZones: RbldnsdZone[] = Array.from({ length: zoneCount }, (_, i) => ({
  name: `bench${i}.test`,
  // Half the zones use each of rbldnsd's IPv4 datasets, as real lists do.
  type: i % 2 === 0 ? 'ip4set' : 'ip4trie',
  data: zoneData(i),
}));

const zones: Zone[] = rbldnsdZones.map((z, i) => ({
  zone: z.name,
  name: z.name,
  kind: 'ip4',
  queryHost: z.name,
  severity: 'major',
  scope: 'ip',
  codes: {
    '127.0.0.2': { class: 'listed', meaning: 'test point' },
    [`127.0.0.${2 + i}`]: { class: 'listed', meaning: `bench listing ${i}` },
  },
  testPoints: { listed: '127.0.0.2', unlisted: '127.0.0.1' },
}));

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function runDnsperf(address: string): Promise<string> {
  const file = join(tmpdir(), `rblwatch-dnsperf-${process.pid}.txt`);
  const lines: string[] = [];
  for (let i = 0; i < Math.min(targetCount, 65536); i++) {
    lines.push(`${buildQueryName('ip4', formatIpv4(base + i), zones[i % zoneCount]?.queryHost ?? '')} A`);
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  const [host, port] = address.split(':');
  try {
    const { stdout } = await promisify(execFile)('dnsperf', [
      '-s',
      host ?? '',
      '-p',
      port ?? '',
      '-d',
      file,
      '-l',
      '10',
      '-c',
      '4',
      '-q',
      '200',
    ]);
    const qps = /Queries per second:\s+([\d.]+)/.exec(stdout)?.[1];
    const lost = /Queries lost:\s+(\d+ \([\d.]+%\))/.exec(stdout)?.[1];
    return `dnsperf (4 clients, 200 in flight, 10 s): ${Math.round(Number(qps)).toLocaleString('en-US')} queries/s, lost ${lost}`;
  } catch (error) {
    return `dnsperf not run: ${(error as Error).message.split('\n')[0]}`;
  }
}

const server = await startRbldnsd(rbldnsdZones);
const resolver = new UdpResolver({
  servers: [{ host: server.host, port: server.port }],
  timeoutMs: Number(values.timeout),
  retries: Number(values.retries),
  sockets: Number(values.sockets),
});
try {
  const health = await probeZones(zones, resolver);
  const unhealthy = [...health.zones.values()].filter((h) => h.health !== 'ok');
  if (unhealthy.length > 0 || health.resolver.status !== 'ok') {
    throw new Error(`unhealthy before the run: ${JSON.stringify({ resolver: health.resolver, unhealthy })}`);
  }

  const counts = { listed: 0, clean: 0, unknown: 0, wrong: 0 };
  const unknownReasons = new Map<string, number>();
  let peakHeap = 0;
  const targets = (function* () {
    for (const target of expandCidr('10.0.0.0', prefix)) yield { target };
  })();
  const started = performance.now();
  let n = 0;
  for await (const batch of streamChecks(targets, {
    resolver,
    zones,
    health,
    concurrency: Number(values.concurrency),
  })) {
    for (const result of batch) {
      counts[result.status]++;
      if (result.reason) unknownReasons.set(result.reason, (unknownReasons.get(result.reason) ?? 0) + 1);
      const octets = result.target.split('.');
      const addressIndex = Number(octets[2]) * 256 + Number(octets[3]);
      const zoneIndex = Number(result.zone.slice(5, result.zone.indexOf('.')));
      const expected = isListed(zoneIndex, addressIndex) ? 'listed' : 'clean';
      // An unknown is not a wrong answer (it is never shown as clean or listed), but it is reported.
      if (result.status !== 'unknown' && result.status !== expected) counts.wrong++;
      if (result.status === 'listed' && !result.txt[0]?.startsWith(`Listed by bench zone ${zoneIndex}`))
        counts.wrong++;
      if (++n % 8192 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const lookups = counts.listed + counts.clean + counts.unknown;
  const reasons = [...unknownReasons].map(([r, c]) => `${r} ${c}`).join(', ') || 'none';
  const peakRss = process.resourceUsage().maxRSS * 1024;

  console.log('rblwatch lookup benchmark (rbldnsd on loopback)');
  console.log(
    `  targets x zones      ${targetCount.toLocaleString('en-US')} x ${zoneCount} = ${lookups.toLocaleString('en-US')} lookups`,
  );
  console.log(
    `  settings             concurrency ${values.concurrency}, timeout ${values.timeout} ms, retries ${values.retries}`,
  );
  console.log(`  wall time            ${seconds.toFixed(2)} s`);
  console.log(`  lookups per second   ${Math.round(lookups / seconds).toLocaleString('en-US')}`);
  console.log(
    `  results              listed ${counts.listed}, clean ${counts.clean}, unknown ${counts.unknown} (${reasons})`,
  );
  console.log(`  resolver             ${JSON.stringify(resolver.stats)}`);
  console.log(`  wrong classifications ${counts.wrong}`);
  console.log(`  peak RSS             ${mb(peakRss)} (heap sampled peak ${mb(peakHeap)})`);
  console.log(`  ${await runDnsperf(server.address)}`);
  if (counts.wrong > 0) process.exitCode = 1;
} finally {
  await resolver.close();
  await server.stop();
}
