import { buildCommandRegistry, type CommandDefinition } from '../src/command-api/command.ts';
import { checkCommand } from './check.ts';

/**
 * Every slash subcommand, listed explicitly (no directory scanning); a test compares this list with the files in
 * this folder so a command nobody registered fails CI.
 */
export const commands: readonly CommandDefinition[] = [checkCommand];

export const commandRegistry = buildCommandRegistry(commands);
