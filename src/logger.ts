import { pino, type DestinationStream, type Logger } from 'pino';
import { serializeErrorSafely } from './log-error-serializer.ts';

export type { Logger };

/**
 * Paths that may carry a secret or a user's content. Redaction is the last line of defence: the
 * code also never passes bodies, tokens or documents to the logger in the first place.
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'password_hash',
  '*.password_hash',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'framelord-sync' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Errors are logged as `err`; the default serializer would copy a failed query's parameters.
    serializers: { err: serializeErrorSafely },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
