import { userInfo } from 'node:os';
import { createNotifierDispatcher } from '../alerts/http-post.ts';
import { createNotifiers, notifierFor, notifiers } from '../alerts/notifiers/registry.ts';
import { type StandingNow, staleReason } from '../alerts/retry-given-up.ts';
import { createCommandServices } from '../app/runtime.ts';
import type { CommandContext, CommandDefinition, CommandOutcome } from '../command-api/command.ts';
import { type ConfigPlugins, loadConfig } from '../config/app-config.ts';
import { type Alert, type Delivery, payloadKind, signalOf } from '../domain/alert.ts';
import { isDeliveryError } from '../domain/delivery-error.ts';
import { listingKey } from '../domain/listing.ts';
import { toPlainText } from '../domain/message.ts';
import type { OutboxItem } from '../domain/outbox-item.ts';
import { createLogger } from '../log.ts';
import { cliSyntax } from './cli-syntax.ts';
import { type CliIo, ExitCode } from './io.ts';
import { printable } from './render-check.ts';
import { type ConfigFlags, withRuntime } from './scan-commands.ts';

/**
 * `rblwatch alerts test DESTINATION`: sends a clearly marked test alert straight to one destination (not through
 * the outbox: the operator wants the service's answer now). Pagers get a trigger and then its resolve, so no test
 * incident is left open unless `--no-resolve` asks for that.
 */
export async function runAlertsTest(
  name: string,
  flags: ConfigFlags & { resolve?: boolean },
  io: CliIo,
  plugins: ConfigPlugins = {},
): Promise<number> {
  const registry = plugins.notifiers ?? notifiers;
  const config = await loadConfig({ env: io.env, plugins, ...(flags.config ? { file: flags.config } : {}) });
  const destination = config.alerts.destinations.find((candidate) => candidate.name === name);
  if (!destination) {
    const known = config.alerts.destinations.map((candidate) => candidate.name);
    io.stderr.write(
      `rblwatch: no destination "${printable(name)}"${known.length > 0 ? ` (configured: ${known.join(', ')})` : ' (none is configured)'}\n`,
    );
    return ExitCode.usage;
  }
  if (notifierFor(destination.type, registry)?.platform !== undefined) {
    io.stderr.write(
      `rblwatch: ${name} is a ${destination.type} channel: test it from chat with \`/rbl help\`, or let \`rblwatch serve\` post alerts there\n`,
    );
    return ExitCode.usage;
  }
  const dispatcher = createNotifierDispatcher(config.alerts.timeoutMs);
  try {
    const notifier = createNotifiers(
      [destination],
      { http: { dispatcher, timeoutMs: config.alerts.timeoutMs, clock: () => new Date() }, chat: {} },
      registry,
    ).get(name);
    if (!notifier) throw new Error(`no notifier for ${name}`);
    const now = new Date();
    const alert: Alert = {
      id: `test:${now.toISOString()}`,
      kind: 'listed',
      at: now.toISOString(),
      severity: 'info',
      zone: 'test.rblwatch.invalid',
      target: '192.0.2.1',
      codes: ['127.0.0.2'],
      meanings: ['test listing sent by `rblwatch alerts test`; nothing is listed'],
      txt: [],
      detail: 'This is a test alert from rblwatch. No action is needed.',
      test: true,
    };
    const dedupKey = `rblwatch:test:${now.getTime()}`;
    const steps: Delivery[] =
      notifier.mode === 'per-key'
        ? [
            {
              id: `${alert.id}:trigger`,
              destination: name,
              action: 'trigger',
              dedupKey,
              alerts: [alert],
              test: true,
            },
            ...(flags.resolve === false
              ? []
              : [
                  {
                    id: `${alert.id}:resolve`,
                    destination: name,
                    action: 'resolve' as const,
                    dedupKey,
                    alerts: [{ ...alert, kind: 'delisted' as const }],
                    test: true,
                  },
                ]),
          ]
        : [{ id: alert.id, destination: name, action: 'notify', alerts: [alert], test: true }];
    for (const step of steps) {
      try {
        await notifier.send(step);
        io.stdout.write(`${name} (${destination.type}): test ${step.action} accepted\n`);
      } catch (error) {
        const detail = isDeliveryError(error)
          ? `${error.message}${error.retryable ? ' (a retry may succeed)' : ''}`
          : String(error);
        io.stderr.write(
          `rblwatch: ${name} (${destination.type}): test ${step.action} failed: ${printable(detail)}\n`,
        );
        return ExitCode.unavailable;
      }
    }
    return ExitCode.ok;
  } finally {
    await dispatcher.close();
  }
}

/** `rblwatch alerts pending`: what waits in the outbox, and what was given up on (with the service's answer). */
export function runAlertsPending(flags: ConfigFlags & { json?: boolean }, io: CliIo): Promise<number> {
  return withRuntime(flags, io, async (runtime) => {
    const items = await runtime.repo.alerts.listOutbox();
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ items }, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (items.length === 0) {
      io.stdout.write('nothing pending: every alert was delivered\n');
      return ExitCode.ok;
    }
    for (const item of items) io.stdout.write(`${describeItem(item)}\n`);
    const failed = items.filter((item) => item.status === 'failed').length;
    io.stdout.write(`${items.length - failed} pending, ${failed} given up\n`);
    return ExitCode.ok;
  });
}

/** `rblwatch alerts retry [ID...]`: queue given-up items again (all of them without ids), with a fresh horizon. */
export function runAlertsRetry(ids: readonly string[], flags: ConfigFlags, io: CliIo): Promise<number> {
  return withRuntime(flags, io, async (runtime) => {
    const now = new Date().toISOString();
    const queued = await runtime.repo.alerts.listOutbox();
    const selected = queued.filter(
      (item) => item.status === 'failed' && (ids.length === 0 || ids.includes(item.id)),
    );
    const unknown = ids.filter((id) => !selected.some((item) => item.id === id));
    for (const id of unknown) io.stderr.write(`rblwatch: no given-up alert with id ${printable(id)}\n`);
    const [states, degraded, resolverAlarm] = await Promise.all([
      runtime.repo.getStates(),
      runtime.repo.getDegradedZones(),
      runtime.repo.getResolverAlarm(),
    ]);
    const standing: StandingNow = {
      queued,
      isListed: (target, zone) => states.get(listingKey(target, zone))?.status === 'listed',
      isDegraded: (zone) => degraded.has(zone),
      resolverDown: resolverAlarm !== undefined,
    };
    const stale = (item: OutboxItem): string | undefined => staleReason(item, standing);
    const failed = selected.filter((item) => {
      const why = stale(item);
      if (why) io.stdout.write(`${printable(item.id)}: not re-sent: ${why}\n`);
      return why === undefined;
    });
    await runtime.repo.alerts.updateOutbox(
      failed.map(({ failedAt: _failed, batch: _batch, ...item }) => ({
        ...item,
        status: 'pending',
        attempts: 0,
        createdAt: now,
        dueAt: now,
      })),
    );
    io.stdout.write(
      `${failed.length} alert(s) queued again; \`rblwatch serve\` or the next scan sends them\n`,
    );
    return unknown.length > 0 ? ExitCode.usage : ExitCode.ok;
  });
}

function describeItem(item: OutboxItem): string {
  const signal = signalOf(item.payload);
  const subject =
    signal === undefined
      ? ''
      : signal.target
        ? `${signal.target} on ${signal.zone}`
        : (signal.zone ?? signal.detail ?? '');
  const state =
    item.status === 'failed'
      ? `GIVEN UP ${item.failedAt ?? ''}: ${item.lastError ?? ''}`
      : item.attempts === 0
        ? `waiting, due ${item.dueAt}`
        : `retrying (attempt ${item.attempts}, next ${item.dueAt}): ${item.lastError ?? ''}`;
  return printable(
    `${item.id}  ${item.destination}  ${item.action} ${payloadKind(item.payload)} ${subject}  ${state}`,
  );
}

/** The exit status for each outcome: any refusal is bad input (64), as scripts have relied on. */
const exitCodeOf: Readonly<Record<CommandOutcome, number>> = {
  ok: ExitCode.ok,
  invalid: ExitCode.usage,
  'not-found': ExitCode.usage,
  refused: ExitCode.usage,
};

/**
 * Runs one of the chat commands (`mute`, `unmute`, `mutes`) from the command line: the same handler, with the
 * operator as the caller, replies naming other commands in CLI syntax, and the exit status from the command's
 * outcome. The shell user is trusted with changes, as with `watch add`.
 */
export function runChatCommandInCli(
  command: CommandDefinition,
  args: Record<string, string | boolean | undefined>,
  flags: ConfigFlags,
  io: CliIo,
): Promise<number> {
  return withRuntime(flags, io, async (runtime) => {
    const name = userInfo().username;
    const context: CommandContext = {
      args,
      user: { platform: 'cli', id: name, name },
      defer: async () => {},
      reply: async (reply) => {
        io.stdout.write(`${toPlainText(reply).split('\n').map(printable).join('\n')}\n`);
      },
      services: createCommandServices(runtime),
      log: createLogger({ level: 'warn', destination: io.stderr }),
      invocationId: 'cli',
      syntax: cliSyntax,
    };
    return exitCodeOf[(await command.run(context)) ?? 'ok'];
  });
}
