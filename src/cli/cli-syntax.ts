import { type CommandSyntax, chatSyntax } from '../command-api/command.ts';

/**
 * The `rblwatch` command that does what each chat command does, where there is one. `watched` is `watch list` here;
 * the rest share their name. Chat-only commands (`help`, `report`) are not listed and keep their chat syntax.
 */
export const cliCommands: Readonly<Record<string, string>> = {
  check: 'rblwatch check',
  history: 'rblwatch history',
  mute: 'rblwatch mute',
  mutes: 'rblwatch mutes',
  scan: 'rblwatch scan',
  status: 'rblwatch status',
  unmute: 'rblwatch unmute',
  watch: 'rblwatch watch',
  watched: 'rblwatch watch list',
  zones: 'rblwatch zones',
};

const chat = chatSyntax();

/** Names a command the way a shell user types it: `rblwatch unmute 192.0.2.1`, `rblwatch watch list`. */
export const cliSyntax: CommandSyntax = (command, ...args) => {
  const cli = cliCommands[command];
  return cli === undefined ? chat(command, ...args) : [cli, ...args].join(' ');
};
