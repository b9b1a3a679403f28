import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Fill `env` from a `.env` file (the format `.env.example` documents) without overriding variables already set,
 * so the service environment and the shell always win. A missing file is fine; an unreadable one is not.
 */
export function loadDotEnv(path: string, env: NodeJS.ProcessEnv): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (env[key] === undefined) env[key] = value;
  }
}
