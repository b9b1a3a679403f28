// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in plain strings is the config syntax under test.
/**
 * Adding a destination type is one definition and one registry line: this test defines a throwaway type, puts it
 * in a registry of its own next to the real ones, and runs `rblwatch alerts test` through it, config parsing
 * included. Nothing else in the source knows the type, so nothing else had to change.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretField } from '../../../src/alerts/destination-fields.ts';
import {
  type DestinationBase,
  type Notifier,
  type NotifierDefinition,
  notifierOf,
} from '../../../src/alerts/notifiers/notifier.ts';
import { defineNotifiers, notifiers } from '../../../src/alerts/notifiers/registry.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { Delivery } from '../../../src/domain/alert.ts';
import type { Secret } from '../../../src/domain/secret.ts';

interface PigeonDestination extends DestinationBase {
  readonly type: 'pigeon';
  readonly loft: string;
  readonly ring: Secret;
}

const sent: { loft: string; ring: string; delivery: Delivery }[] = [];

const configSchema = z.strictObject({
  type: z.literal('pigeon'),
  loft: z.string().regex(/^[a-z]+$/, 'must be a loft name'),
  ring: secretField('a ring number'),
});

/** A carrier pigeon per alert: it pages, so `alerts test` sends a trigger and then its resolve. */
const pigeonNotifier = {
  type: 'pigeon',
  mode: 'per-key',
  description: 'a carrier pigeon (test only)',
  configSchema,
  resolve(spec, context) {
    const ring = context.secret('ring');
    if (spec.loft === 'nowhere') context.problem('loft', 'no pigeon flies there');
    return ring && spec.loft !== 'nowhere'
      ? { type: spec.type, name: context.name, loft: spec.loft, ring }
      : undefined;
  },
  create: (config, _deps): Notifier =>
    notifierOf(pigeonNotifier, config, async (delivery) => {
      sent.push({ loft: config.loft, ring: config.ring.reveal(), delivery });
    }),
} satisfies NotifierDefinition<typeof configSchema, PigeonDestination>;

const registry = defineNotifiers([...notifiers, pigeonNotifier]);
const RING = 'ring-4711';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rblwatch-plugin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(
  args: string[],
  config: string,
  plugins: { notifiers?: typeof registry } = { notifiers: registry },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `${sent.length}-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(file, config);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await runCli(
    [...args, '--config', file],
    { stdout, stderr, stdin: new PassThrough(), env: { PIGEON_RING: RING } },
    plugins,
  );
  return { code, stdout: out, stderr: err };
}

const coop = (loft: string) =>
  [
    `store: ${join(dir, 'store.sqlite')}`,
    'destinations:',
    `  coop: { type: pigeon, loft: ${loft}, ring: "\${PIGEON_RING}" }`,
    'routes: [{ to: [coop] }]',
    '',
  ].join('\n');

describe('a destination type defined outside the source tree', () => {
  it('is configured and tested with `alerts test` like a built-in one', async () => {
    const result = await cli(['alerts', 'test', 'coop'], coop('north'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'coop (pigeon): test trigger accepted\ncoop (pigeon): test resolve accepted\n',
    );
    expect(sent.map(({ loft, ring, delivery }) => [loft, ring, delivery.action, delivery.test])).toEqual([
      ['north', RING, 'trigger', true],
      ['north', RING, 'resolve', true],
    ]);
    expect(sent[0]?.delivery.dedupKey).toBe(sent[1]?.delivery.dedupKey);
  });

  it('has its own fields checked, and is listed among the types', async () => {
    const nowhere = await cli(['alerts', 'test', 'coop'], coop('nowhere'));
    expect(nowhere.code).toBe(64);
    expect(nowhere.stderr).toContain('destinations.coop.loft: no pigeon flies there');
    const typo = await cli(['alerts', 'test', 'coop'], coop('North'));
    expect(typo.stderr).toContain('destinations.coop.loft: must be a loft name');
    const unknown = await cli(
      ['alerts', 'test', 'coop'],
      coop('north').replace('type: pigeon', 'type: pidgeon'),
    );
    expect(unknown.stderr).toContain(
      'destinations.coop.type: type must be one of: pagerduty, opsgenie, jsm, webhook, slack, discord, pigeon',
    );
    // A pager by its mode: reports are refused for it like for any other pager.
    const report = await cli(
      ['alerts', 'test', 'coop'],
      `${coop('north')}reports: [{ schedule: "0 8 * * 1", to: coop }]\n`,
    );
    expect(report.stderr).toContain('reports[0].to[0]: coop is a pager (pigeon)');
  });

  it('is unknown to the real registry', async () => {
    const result = await cli(['alerts', 'test', 'coop'], coop('north'), {});
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(
      'destinations.coop.type: type must be one of: pagerduty, opsgenie, jsm, webhook, slack, discord',
    );
    expect(result.stderr).not.toContain('pigeon');
  });
});
