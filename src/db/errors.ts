import { DomainError, validationError, conflict } from '../domain/errors.ts';
import { LENGTH_CHECK_SUFFIX } from './schema/text-limits.ts';

/** CHECK constraint → the request field it guards, so a refusal names the field (never a 500). */
const CHECK_CONSTRAINT_FIELDS: Record<string, string> = {
  valid_email: 'email',
  valid_status: 'status',
  valid_relationship_domain: 'relationship_domain',
  valid_frame_score: 'frame_score',
  valid_frame_trend: 'frame_trend',
  valid_kind: 'kind',
  valid_preferred_view: 'preferred_view',
  log_must_have_date: 'date_key',
  valid_type: 'type',
  valid_priority: 'priority',
  valid_domain: 'domain',
};

interface PostgresErrorShape {
  code?: string;
  constraint?: string;
  constraint_name?: string;
  column?: string;
  column_name?: string;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '08003',
]);

/** The driver's error behind Drizzle's wrapper (DrizzleQueryError keeps it as `cause`). */
export function postgresErrorOf(error: unknown): PostgresErrorShape | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const candidate = current as PostgresErrorShape & { cause?: unknown };
    if (typeof candidate.code === 'string') return candidate;
    current = candidate.cause;
  }
  return undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const pg = postgresErrorOf(error);
  return pg?.code !== undefined && CONNECTION_ERROR_CODES.has(pg.code);
}

/** Maps integrity violations to the client-facing error; undefined for anything unexpected. */
export function translateDatabaseError(error: unknown): DomainError | undefined {
  const pg = postgresErrorOf(error);
  if (!pg?.code) return undefined;
  const constraint = pg.constraint_name ?? pg.constraint ?? '';
  switch (pg.code) {
    case '23514': {
      // A text column past its limit (src/db/schema/text-limits.ts): validation refuses it first on
      // every door it knows, so this is only the answer of a path that forgot to.
      if (constraint.endsWith(LENGTH_CHECK_SUFFIX))
        return validationError([{ field: constraint.slice(0, -LENGTH_CHECK_SUFFIX.length), message: 'is too long' }]);
      const field = CHECK_CONSTRAINT_FIELDS[constraint] ?? constraint;
      return validationError([{ field, message: 'is not an allowed value' }]);
    }
    case '23503': {
      const field = /_(\w+?_id)_[a-z_]+?_id_fk$/.exec(constraint)?.[1] ?? 'id';
      return validationError([{ field, message: 'does not name a row you own' }]);
    }
    case '23505':
      return conflict('A row with these values already exists');
    case '23502':
      return validationError([{ field: pg.column_name ?? pg.column ?? 'unknown', message: 'is required' }]);
    case '22001':
      return validationError([{ field: pg.column_name ?? pg.column ?? 'unknown', message: 'is too long' }]);
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return validationError([{ field: pg.column_name ?? pg.column ?? 'unknown', message: 'is not valid' }]);
    default:
      if (CONNECTION_ERROR_CODES.has(pg.code))
        return new DomainError('SERVICE_UNAVAILABLE', 'The database is unavailable, retry later');
      return undefined;
  }
}
