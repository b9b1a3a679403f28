import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AppError, isUserError } from '../errors.ts';
import { runCheckCommand } from './check-command.ts';
import { engineDefaults } from './engine-options.ts';
import { type CliIo, ExitCode } from './io.ts';
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

function engineOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-r, --resolver <host[:port]>',
        'DNS resolver to query (repeatable; default: RBLWATCH_RESOLVERS or the system resolvers)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--timeout <ms>', `per-attempt DNS timeout (default ${engineDefaults.timeoutMs})`).argParser(
        integer(50, 60_000),
      ),
    )
    .addOption(
      new Option(
        '--retries <n>',
        `retries after the first attempt (default ${engineDefaults.retries})`,
      ).argParser(integer(0, 10)),
    )
    .addOption(
      new Option(
        '-c, --concurrency <n>',
        `lookups in flight at once (default ${engineDefaults.concurrency})`,
      ).argParser(integer(1, 4096)),
    )
    .option('--zones <file>', 'zone catalog file (YAML or JSON) replacing the built-in catalog')
    .addOption(
      new Option('-z, --zone <name>', 'only this zone from the catalog (repeatable)').argParser(collect),
    );
}

/**
 * The `rblwatch` command line. Returns the exit status instead of exiting, so it runs in-process in tests:
 * 0 all clean, 1 at least one listing, 2 no listing but some unknown, 64 bad input or usage.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
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
    const detail =
      error instanceof AppError
        ? `${error.code}: ${error.message}`
        : String((error as Error)?.stack ?? error);
    io.stderr.write(`rblwatch: internal error: ${detail}\n`);
    return ExitCode.software;
  }
}
