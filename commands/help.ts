import {
  type CommandContext,
  type CommandDefinition,
  type CommandOption,
  defineCommand,
} from '../src/command-api/command.ts';
import { cleanText } from '../src/domain/message.ts';

/** `<action:add|remove>`, `<target>`, `[owner]`, `[reason...]`: how an option is typed in Slack's text form. */
function usageOf(option: CommandOption): string {
  const name = option.choices ? `${option.name}:${option.choices.join('|')}` : option.name;
  const text = option.rest ? `${name}...` : name;
  return option.required ? `<${text}>` : `[${text}]`;
}

function synopsis(command: CommandDefinition): string {
  return ['/rbl', command.name, ...command.options.map(usageOf)].join(' ');
}

function restriction(command: CommandDefinition): string {
  return command.access === 'change' ? ' (allowed users only)' : '';
}

/**
 * `/rbl help [command]`: every command with its arguments, or one command's arguments explained. Built from a
 * getter rather than importing the registry, which would be an import cycle (the registry lists this command).
 */
export function createHelpCommand(getCommands: () => readonly CommandDefinition[]): CommandDefinition {
  return defineCommand({
    name: 'help',
    description: 'List the commands and their arguments',
    access: 'read',
    options: [{ name: 'command', description: 'Explain one command in detail', type: 'string' }],
    async run(context: CommandContext) {
      const commands = getCommands();
      const wanted =
        typeof context.args.command === 'string' ? context.args.command.trim().toLowerCase() : '';
      if (wanted === '') {
        await context.reply({
          title: 'rblwatch commands',
          lines: commands.map(
            (command) => `${synopsis(command)}: ${command.description}${restriction(command)}`,
          ),
          footer: '<...> is required, [...] optional; /rbl help COMMAND explains one command.',
          ephemeral: true,
        });
        return;
      }
      const command = commands.find((candidate) => candidate.name === wanted);
      if (!command) {
        await context.reply({
          title: 'No such command',
          lines: [
            `There is no command ${JSON.stringify(cleanText(wanted, 40))}; the commands are ${commands.map((c) => c.name).join(', ')}.`,
          ],
          tone: 'warning',
          ephemeral: true,
        });
        return;
      }
      await context.reply({
        title: synopsis(command),
        lines: [
          `${command.description}${restriction(command)}.`,
          ...command.options.map(
            (option) =>
              `${option.name}${option.required ? '' : ' (optional)'}: ${option.description}` +
              (option.choices ? ` (one of ${option.choices.join(', ')})` : ''),
          ),
        ],
        ephemeral: true,
      });
    },
  });
}
