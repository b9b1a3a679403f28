import type { ArgValue, CommandDefinition } from '../command-api/command.ts';
import type { Resolved } from '../command-api/resolve-targets.ts';

/** Longest command text accepted from Slack (its own limit is 4,000 characters; ours is what a command needs). */
export const MAX_COMMAND_TEXT = 2_000;

export interface ParsedCommand {
  readonly command: CommandDefinition;
  readonly args: Record<string, ArgValue>;
}

/**
 * Parse Slack's free text (`check 192.0.2.1 192.0.2.2 --public`) against a command's typed options, the same
 * options Discord gets as typed fields. Positional words fill the options in order; `--name value` and
 * `--name=value` set one by name; a boolean is set by `--name` alone. A `rest` option takes every remaining word.
 * Returns a message for the user instead of throwing.
 */
export function parseCommandText(
  text: string,
  registry: ReadonlyMap<string, CommandDefinition>,
): Resolved<ParsedCommand> {
  if (text.length > MAX_COMMAND_TEXT) {
    return { ok: false, error: `That is too long (${text.length} characters; at most ${MAX_COMMAND_TEXT}).` };
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  const name = (words.shift() ?? 'help').toLowerCase();
  const command = registry.get(name);
  if (!command) {
    return { ok: false, error: `Unknown command "${name.slice(0, 40)}". Try \`help\`.` };
  }
  const args: Record<string, ArgValue> = {};
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('--') || word.length === 2) {
      positional.push(word);
      continue;
    }
    const [flag, inline] = splitFlag(word.slice(2));
    const option = command.options.find((o) => o.name === flag.toLowerCase());
    if (!option) return { ok: false, error: `\`${name}\` has no option "--${flag.slice(0, 40)}".` };
    if (option.type === 'boolean' && inline === undefined) {
      args[option.name] = true;
      continue;
    }
    const value = inline ?? words[++i];
    if (value === undefined) return { ok: false, error: `--${option.name} needs a value.` };
    const converted = convert(option.type, option.name, value);
    if (!converted.ok) return converted;
    args[option.name] = converted.value;
  }
  const open = command.options.filter((o) => args[o.name] === undefined);
  for (const option of open) {
    if (positional.length === 0) break;
    const raw = option.rest ? positional.splice(0).join(' ') : (positional.shift() as string);
    const converted = convert(option.type, option.name, raw);
    if (!converted.ok) return converted;
    args[option.name] = converted.value;
  }
  if (positional.length > 0) {
    return { ok: false, error: `Too many arguments for \`${name}\`. ${usage(command)}` };
  }
  for (const option of command.options) {
    const value = args[option.name];
    if (value === undefined) {
      if (option.required) return { ok: false, error: `Missing ${option.name}. ${usage(command)}` };
      continue;
    }
    if (option.choices && !option.choices.includes(String(value))) {
      return { ok: false, error: `${option.name} must be one of: ${option.choices.join(', ')}.` };
    }
  }
  return { ok: true, value: { command, args } };
}

/** One line of usage: `check <targets…> [--public]`. */
export function usage(command: CommandDefinition): string {
  const parts = command.options.map((option) => {
    const shown = option.choices ? option.choices.join('|') : option.name;
    const core = option.type === 'boolean' ? `--${option.name}` : option.rest ? `${shown}…` : shown;
    return option.required ? `<${core}>` : `[${core}]`;
  });
  return `Usage: \`${[command.name, ...parts].join(' ')}\``;
}

function splitFlag(flag: string): [string, string | undefined] {
  const eq = flag.indexOf('=');
  return eq === -1 ? [flag, undefined] : [flag.slice(0, eq), flag.slice(eq + 1)];
}

function convert(type: string, name: string, raw: string): Resolved<ArgValue> {
  if (type === 'string') return { ok: true, value: raw };
  if (type === 'integer') {
    if (!/^-?\d{1,9}$/.test(raw)) return { ok: false, error: `${name} must be a whole number.` };
    return { ok: true, value: Number(raw) };
  }
  if (raw === 'true' || raw === 'yes') return { ok: true, value: true };
  if (raw === 'false' || raw === 'no') return { ok: true, value: false };
  return { ok: false, error: `${name} must be true or false.` };
}
