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
  /** The store could not be opened: backend unreachable, refused the credentials, or the file cannot be created. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** A store operation failed in the backend (connection lost, disk full, an error event from keyv). */
  STORE_BACKEND_ERROR: 'STORE_BACKEND_ERROR',
  /** A stored value is not what rblwatch wrote (unparsable or the wrong shape); the message names the key. */
  STORE_CORRUPT: 'STORE_CORRUPT',
  /** A store location or namespace that rblwatch cannot use. */
  STORE_LOCATION_INVALID: 'STORE_LOCATION_INVALID',
  /** A paging cursor that this store did not hand out. */
  STORE_CURSOR_INVALID: 'STORE_CURSOR_INVALID',
  /** A value handed to the store breaks the port's contract (a commit whose run is not completed, ...). */
  STORE_INVALID_INPUT: 'STORE_INVALID_INPUT',
  /**
   * The store lost its identity marker while this process was using it (a flushed Redis, a deleted file, another
   * database behind the same URL): its history is gone, which is an alarm, never a clean start.
   */
  STORE_RESET: 'STORE_RESET',
  /** A store operation got no answer within its deadline (a stopped or overloaded server). */
  STORE_TIMEOUT: 'STORE_TIMEOUT',
  /** Another live process is scanning the same store: one scan at a time decides listings. */
  SCAN_BUSY: 'SCAN_BUSY',
  /** The run was marked interrupted while it ran (its lease ran out), so its results are not recorded. */
  SCAN_SUPERSEDED: 'SCAN_SUPERSEDED',
  /** The store was used after `close()`. */
  STORE_CLOSED: 'STORE_CLOSED',
  /**
   * A write waited its whole lock timeout for another writer (another process holding the SQLite write lock, a
   * PostgreSQL writer holding the store's lock, Redis data that kept changing under it); nothing was changed.
   */
  STORE_LOCKED: 'STORE_LOCKED',
  /** The receiving service refused the message (a 4xx other than 429); retrying cannot help. */
  NOTIFY_REJECTED: 'NOTIFY_REJECTED',
  /** The service could not take the message now (network error, timeout, 429, 5xx); a retry may succeed. */
  NOTIFY_UNAVAILABLE: 'NOTIFY_UNAVAILABLE',
  /** A destination or route in the configuration cannot be used. */
  NOTIFY_CONFIG_INVALID: 'NOTIFY_CONFIG_INVALID',
  /** `serve` could not start a part (a port in use, a server that would not start); the message names it. */
  START_FAILED: 'START_FAILED',
  /** A chat platform call failed (bad token, missing scope, unknown channel). */
  CHAT_API_ERROR: 'CHAT_API_ERROR',
  /** A chat user may not run a command that changes state. */
  CHAT_FORBIDDEN: 'CHAT_FORBIDDEN',
  /** A chat user ran too many lookups in a short time. */
  CHAT_RATE_LIMITED: 'CHAT_RATE_LIMITED',
  /** A plugin registry (notifiers, store backends, chat platforms, ...) names an entry twice or not at all. */
  REGISTRY_INVALID: 'REGISTRY_INVALID',
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
