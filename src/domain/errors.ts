// Errors are values with a code at the domain edge; each transport maps the code to its own
// vocabulary (HTTP status, WebSocket close code, sync `failed[].error`) in one place.

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'INVALID_CREDENTIALS'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SYNC_CONFLICT'
  | 'SCHEMA_MISMATCH'
  | 'PAYLOAD_TOO_LARGE'
  // A note's stored log holds an update too costly to integrate (docs/security.md, "Integration cost").
  | 'DOCUMENT_TOO_COSTLY'
  | 'QUOTA_EXCEEDED'
  | 'RANGE_NOT_SATISFIABLE'
  | 'RATE_LIMIT_EXCEEDED'
  | 'SERVICE_UNAVAILABLE'
  // A sign-in through an identity provider refused; `details.reason` says which check failed.
  | 'OIDC_SIGN_IN_FAILED'
  | 'EMAIL_NOT_CONFIGURED'
  | 'INTERNAL_ERROR';

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details?: unknown, retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const validationError = (problems: FieldProblem[], message = 'The request is not valid') =>
  new DomainError('VALIDATION_ERROR', message, problems);
export const fieldError = (field: string, message: string) => validationError([{ field, message }]);
export const unauthorized = (message = 'Authentication required') => new DomainError('UNAUTHORIZED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const notFound = (what = 'Resource') => new DomainError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new DomainError('CONFLICT', message, details);
export const payloadTooLarge = (message: string, details?: unknown) =>
  new DomainError('PAYLOAD_TOO_LARGE', message, details);
export const quotaExceeded = (message: string, details: unknown) => new DomainError('QUOTA_EXCEEDED', message, details);
export const rangeNotSatisfiable = (message: string) => new DomainError('RANGE_NOT_SATISFIABLE', message);
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('RATE_LIMIT_EXCEEDED', 'Too many requests, retry later', undefined, retryAfterSeconds);

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
