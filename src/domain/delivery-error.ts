import { AppError, ErrorCode } from '../errors.ts';

export interface DeliveryErrorDetails {
  /** HTTP status, when the service answered. */
  readonly status?: number;
  /** The start of the response body (secrets never appear in bodies we send back into logs: see redaction). */
  readonly body?: string;
  /** From `Retry-After` (or a platform's own rate-limit field), in ms. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A failed delivery attempt. `retryable` decides what the outbox does next: network errors, timeouts, 429 and 5xx
 * are retried with backoff (honouring `retryAfterMs`); any other refusal is final and recorded with the response.
 */
export class DeliveryError extends AppError {
  readonly retryable: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly retryAfterMs?: number;

  constructor(retryable: boolean, message: string, details: DeliveryErrorDetails = {}) {
    super(retryable ? ErrorCode.NOTIFY_UNAVAILABLE : ErrorCode.NOTIFY_REJECTED, message, {
      cause: details.cause,
    });
    this.name = 'DeliveryError';
    this.retryable = retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

export function isDeliveryError(error: unknown): error is DeliveryError {
  return error instanceof DeliveryError;
}
