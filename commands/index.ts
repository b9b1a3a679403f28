import { buildCommandRegistry, type CommandDefinition } from '../src/command-api/command.ts';
import { checkCommand } from './check.ts';
import { createHelpCommand } from './help.ts';
import { historyCommand } from './history.ts';
import { muteCommand } from './mute.ts';
import { mutesCommand } from './mutes.ts';
import { reportCommand } from './report.ts';
import { scanCommand } from './scan.ts';
import { statusCommand } from './status.ts';
import { unmuteCommand } from './unmute.ts';
import { watchCommand } from './watch.ts';
import { watchedCommand } from './watched.ts';
import { zonesCommand } from './zones.ts';

/** `help` reads the list it is part of through this getter, called only when it runs. */
const helpCommand = createHelpCommand(() => commands);

/**
 * Every slash subcommand, listed explicitly (no directory scanning), in the order `help` shows them; a test
 * compares this list with the files in this folder so a command nobody registered fails CI.
 */
export const commands: readonly CommandDefinition[] = [
  checkCommand,
  statusCommand,
  historyCommand,
  reportCommand,
  zonesCommand,
  watchedCommand,
  mutesCommand,
  watchCommand,
  muteCommand,
  unmuteCommand,
  scanCommand,
  helpCommand,
];

export const commandRegistry = buildCommandRegistry(commands);
