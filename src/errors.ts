/**
 * Stable error codes. Callers branch on `code`, never on message text.
 * An `as const` map rather than an enum so the source stays erasable TypeScript.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_FILE_UNREADABLE: 'CONFIG_FILE_UNREADABLE',
  ZONES_FILE_INVALID: 'ZONES_FILE_INVALID',
  ZONES_UNKNOWN_ZONE: 'ZONES_UNKNOWN_ZONE',
  TARGET_INVALID: 'TARGET_INVALID',
  TARGET_RANGE_TOO_LARGE: 'TARGET_RANGE_TOO_LARGE',
  DNSBL_RESOLVER_INVALID: 'DNSBL_RESOLVER_INVALID',
  DNSBL_RESOLVER_CLOSED: 'DNSBL_RESOLVER_CLOSED',
  USAGE: 'USAGE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An operator-facing error with a stable code; `cause` keeps the original. */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

/**
 * A problem with what a user typed (a bad IP, an unknown zone, a range too large). Its message is written for the
 * user and is safe to show in a terminal or a chat reply; it never carries secrets.
 */
export class UserError extends AppError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
