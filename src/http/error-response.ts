import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { isDatabaseUnavailable, translateDatabaseError } from '../db/errors.ts';
import type { AppEnv } from './app-env.ts';

export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_ERROR: 400,
  OIDC_SIGN_IN_FAILED: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SYNC_CONFLICT: 409,
  SCHEMA_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 413,
  RANGE_NOT_SATISFIABLE: 416,
  DOCUMENT_TOO_COSTLY: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  EMAIL_NOT_CONFIGURED: 503,
};

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
  meta: { timestamp: string; request_id: string };
}

export function errorEnvelope(c: Context<AppEnv>, code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return {
    error: details === undefined ? { code, message } : { code, message, details },
    meta: { timestamp: new Date().toISOString(), request_id: c.get('requestId') ?? 'unknown' },
  };
}

export function sendError(c: Context<AppEnv>, error: DomainError): Response {
  if (error.retryAfterSeconds !== undefined)
    c.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  return c.json(errorEnvelope(c, error.code, error.message, error.details), HTTP_STATUS[error.code]);
}

/** Any thrown value → a domain error; unexpected ones become INTERNAL_ERROR (logged, never shown). */
export function toDomainError(error: unknown): { domainError: DomainError; unexpected: boolean } {
  if (error instanceof DomainError) return { domainError: error, unexpected: false };
  const translated = translateDatabaseError(error);
  if (translated) return { domainError: translated, unexpected: translated.code === 'SERVICE_UNAVAILABLE' };
  if (isDatabaseUnavailable(error)) {
    return {
      domainError: new DomainError('SERVICE_UNAVAILABLE', 'The database is unavailable, retry later'),
      unexpected: true,
    };
  }
  return { domainError: new DomainError('INTERNAL_ERROR', 'An unexpected error occurred'), unexpected: true };
}
