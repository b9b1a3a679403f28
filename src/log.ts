import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Paths whose values are secrets wherever they appear in a log object. Secrets are never logged on purpose;
 * this is the net under that rule.
 */
const redactPaths = [
  'token',
  '*.token',
  'routingKey',
  '*.routingKey',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'dqsKey',
  '*.dqsKey',
  'queryHost',
  '*.queryHost',
  'authorization',
  '*.authorization',
  // Discord REST errors carry the request URL, which for interaction replies holds the interaction token, and the
  // request body; Slack payloads carry response_url, which can post to the channel for 30 minutes.
  'err.url',
  'err.requestBody',
  'err.rawError',
  'response_url',
  '*.response_url',
  'err.response_url',
];

/**
 * The service logger: JSON lines (for journald, Loki, ...) when stdout is not a terminal, readable colour text
 * when it is. Pretty printing runs in-process (no transport worker), so nothing is lost on exit.
 */
export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const level = options.level ?? 'info';
  const base = { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'rblwatch' } };
  if (options.pretty) {
    return pino(
      base,
      pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', sync: true }),
    );
  }
  return pino(base, options.destination ?? process.stdout);
}
