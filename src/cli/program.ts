import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { muteCommand } from '../../commands/mute.ts';
import { mutesCommand } from '../../commands/mutes.ts';
import { unmuteCommand } from '../../commands/unmute.ts';
import type { ConfigPlugins } from '../config/app-config.ts';
import { dnsDefaults, dnsFields } from '../config/sections/dns.ts';
import { AppError, isUserError } from '../errors.ts';
import { runAlertsPending, runAlertsRetry, runAlertsTest, runChatCommandInCli } from './alerts-commands.ts';
import { runCheckCommand } from './check-command.ts';
import { type CliIo, ExitCode } from './io.ts';
import {
  runHistoryCommand,
  runScanCommand,
  runServeCommand,
  runStatusCommand,
  runWatchCommand,
} from './scan-commands.ts';
import { runZonesCommand } from './zones-command.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const integer =
  (min: number, max: number) =>
  (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };

/** A flag parsed by the config field it overrides: one set of bounds and one message for file, variable and flag. */
const field =
  (schema: z.ZodType<number>) =>
  (value: string): number => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid value');
  };

function engineOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-r, --resolver <host[:port]>',
        'DNS resolver to query (repeatable; default: RBLWATCH_RESOLVERS, resolvers in rblwatch.yml, or the system resolvers)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--timeout <ms>', `per-attempt DNS timeout (default ${dnsDefaults.timeoutMs})`).argParser(
        field(dnsFields.timeoutMs),
      ),
    )
    .addOption(
      new Option(
        '--retries <n>',
        `retries after the first attempt (default ${dnsDefaults.retries})`,
      ).argParser(field(dnsFields.retries)),
    )
    .addOption(
      new Option(
        '-c, --concurrency <n>',
        `lookups in flight at once (default ${dnsDefaults.concurrency})`,
      ).argParser(field(dnsFields.concurrency)),
    )
    .option(
      '--config <file>',
      'config file whose resolvers, dns and zones apply (default: RBLWATCH_CONFIG, or rblwatch.yml if present)',
    )
    .option(
      '--zones <file>',
      'zone catalog file (YAML or JSON) replacing the built-in catalog or zones in the config',
    )
    .addOption(
      new Option('-z, --zone <name>', 'only this zone from the catalog (repeatable)').argParser(collect),
    );
}

/**
 * The `rblwatch` command line. Returns the exit status instead of exiting, so it runs in-process in tests:
 * 0 all clean, 1 at least one listing, 2 no listing but some unknown, 64 bad input or usage. `plugins` replaces
 * the registries the configuration is derived from (tests; the binary uses the real ones).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  plugins: ConfigPlugins = {},
): Promise<number> {
  let status: number = ExitCode.ok;
  const program = new Command('rblwatch')
    .description('Self-hosted DNS blocklist (DNSBL/RBL) monitor')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError();

  engineOptions(
    program
      .command('check')
      .description('look targets up on every DNSBL now: IPs, IPv4 ranges, domains, or - for stdin')
      .argument(
        '<targets...>',
        'IPv4/IPv6 addresses, IPv4 CIDR ranges, domains; - reads one per line from stdin',
      )
      .option('--json', 'print one JSON document for scripts')
      .addOption(
        new Option(
          '--max-cidr <prefix>',
          'allow ranges as wide as this prefix length (default 24; 16 is the widest)',
        ).argParser(integer(16, 32)),
      )
      .option('--resolve', "also check a domain's A, AAAA and MX hosts' addresses on the IP lists")
      .option('--no-progress', 'no progress bar on stderr'),
  ).action(async (targets: string[], flags) => {
    status = await runCheckCommand(targets, flags, io);
  });

  engineOptions(
    program
      .command('zones')
      .description(
        'list the zone catalog; with --test, probe each zone through the resolver (RFC 5782 test points)',
      )
      .option('--test', "probe each zone's test points and show its health")
      .option('--json', 'print JSON for scripts'),
  ).action(async (flags) => {
    status = await runZonesCommand(flags, io);
  });

  const withConfig = (command: Command): Command =>
    command.option('--config <file>', 'config file (default: RBLWATCH_CONFIG or rblwatch.yml)');

  withConfig(program.command('scan').description('scan every watched target now and record what changed'))
    .option('--json', 'print the run and its events as JSON')
    .action(async (flags) => {
      status = await runScanCommand(flags, io);
    });
  withConfig(
    program.command('status').description('what is listed now: since when, where, why').argument('[target]'),
  )
    .option('--json', 'print JSON for scripts')
    .action(async (target: string | undefined, flags) => {
      status = await runStatusCommand(target, flags, io);
    });
  withConfig(
    program.command('history').description("a target's listing history, newest first").argument('<target>'),
  )
    .option('--since <date>', 'only changes since this date (2026-01-31 or ISO 8601)')
    .option('--until <date>', 'only changes before this date')
    .option('--zone <zone>', 'only changes on this list')
    .option('--json', 'print JSON for scripts')
    .action(async (target: string, flags) => {
      status = await runHistoryCommand(target, flags, io);
    });
  const watch = program.command('watch').description('manage watched IPs, ranges and domains');
  withConfig(
    watch
      .command('add')
      .description('watch targets (IPs, IPv4 ranges up to /16, domains)')
      .argument('<targets...>'),
  )
    .option('--owner <name>', 'owner label')
    .option('--team <name>', 'team label (alert routing)')
    .option('--customer <name>', 'customer label')
    .addOption(new Option('--tag <tag>', 'free tag (repeatable)').argParser(collect))
    .action(async (targets: string[], flags) => {
      status = await runWatchCommand('add', targets, flags, io);
    });
  withConfig(
    watch
      .command('remove')
      .description('stop watching targets (their history is kept)')
      .argument('<targets...>'),
  ).action(async (targets: string[], flags) => {
    status = await runWatchCommand('remove', targets, flags, io);
  });
  withConfig(watch.command('list').description('list watched targets'))
    .option('--json', 'print JSON for scripts')
    .action(async (flags) => {
      status = await runWatchCommand('list', [], flags, io);
    });
  const alerts = program.command('alerts').description('alert destinations and the delivery outbox');
  withConfig(
    alerts
      .command('test')
      .description('send a clearly marked test alert to one destination now and show its answer')
      .argument('<destination>', 'a destination name from rblwatch.yml'),
  )
    .option('--no-resolve', 'pagers: leave the test incident open instead of resolving it at once')
    .action(async (destination: string, flags) => {
      status = await runAlertsTest(destination, flags, io, plugins);
    });
  withConfig(alerts.command('pending').description('alerts waiting to be delivered, and those given up on'))
    .option('--json', 'print JSON for scripts')
    .action(async (flags) => {
      status = await runAlertsPending(flags, io);
    });
  withConfig(
    alerts
      .command('retry')
      .description('queue alerts that were given up on again (all of them without ids)')
      .argument('[ids...]', 'outbox ids from `rblwatch alerts pending`'),
  ).action(async (ids: string[], flags) => {
    status = await runAlertsRetry(ids, flags, io);
  });
  withConfig(
    program
      .command('mute')
      .description('silence new alarms for a zone or a watched target for a while (delistings still pass)')
      .argument('<subject>', 'a zone in use, or a watched IP, range or domain')
      .argument('<duration>', 'how long: 30m, 2h, 7d (at most 90d)')
      .argument('[reason...]', 'why, shown with the mute'),
  ).action(async (subject: string, duration: string, reason: string[], flags) => {
    status = await runChatCommandInCli(
      muteCommand,
      { subject, duration, ...(reason.length > 0 ? { reason: reason.join(' ') } : {}) },
      flags,
      io,
    );
  });
  withConfig(
    program.command('unmute').description('end a mute now').argument('<subject>', 'the muted zone or target'),
  ).action(async (subject: string, flags) => {
    status = await runChatCommandInCli(unmuteCommand, { subject }, flags, io);
  });
  withConfig(program.command('mutes').description('what is muted, by whom, and until when')).action(
    async (flags) => {
      status = await runChatCommandInCli(mutesCommand, {}, flags, io);
    },
  );
  program
    .command('slack-manifest')
    .description('print the Slack app manifest (YAML) to paste into api.slack.com/apps')
    .option('--mode <mode>', 'socket (default: no public URL needed) or http')
    .option('--request-url <url>', 'http mode: the public https URL of /slack/events')
    .option('--name <name>', 'app and bot name (default rblwatch)')
    .option('--command <command>', 'slash command (default /rbl)')
    .action(async (flags) => {
      // Chat libraries load only for the commands that need them, so `check` and `scan` start fast.
      status = (await import('./chat-commands.ts')).runSlackManifest(flags, io);
    });
  withConfig(
    program
      .command('discord-register')
      .description('register /rbl with Discord, sending only what differs from what is registered'),
  )
    .option(
      '--guild <id>',
      'register in this server only (default: every server in DISCORD_GUILD_ID / chat.discord.guilds)',
    )
    .option('--json', 'print what changed as JSON')
    .action(async (flags) => {
      status = await (await import('./chat-commands.ts')).runDiscordRegister(flags, io);
    });
  withConfig(program.command('serve').description('scan on schedule until stopped (SIGTERM/SIGINT)')).action(
    async (flags) => {
      status = await runServeCommand(flags, io);
    },
  );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not errors.
      if (error.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage;
    }
    if (isUserError(error)) {
      io.stderr.write(`rblwatch: ${error.message}\n`);
      return ExitCode.usage;
    }
    if (error instanceof AppError) {
      // Operational failures (a store that cannot be reached, a corrupt value) carry a message meant for people.
      io.stderr.write(`rblwatch: ${error.message} (${error.code})\n`);
      return ExitCode.unavailable;
    }
    io.stderr.write(`rblwatch: internal error: ${String((error as Error)?.stack ?? error)}\n`);
    return ExitCode.software;
  }
}
