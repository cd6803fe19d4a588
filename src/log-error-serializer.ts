/**
 * Pino's `err` serializer, made safe to log. The default one copies every enumerable property
 * and concatenates causes, and Drizzle's DrizzleQueryError carries the failed statement's
 * parameters in its message, stack and `params`: a failed INSERT INTO users would log the new
 * password hash, a failed note write the user's text. Here an error is reduced to its type,
 * message, stack frames, a fixed list of diagnostic fields and its causes; a query error keeps
 * its SQL text (placeholders only), never its values.
 */

const DIAGNOSTIC_FIELDS = [
  'code',
  'errno',
  'severity',
  'constraint',
  'constraint_name',
  'table',
  'table_name',
  'column',
  'column_name',
  'routine',
  'status',
  'statusCode',
];
const MAX_CAUSE_DEPTH = 5;

interface QueryError extends Error {
  query: string;
  params: unknown;
}

/** Drizzle's wrapper, whose message is `Failed query: <sql>\nparams: <values>`. */
function isQueryError(error: Error): error is QueryError {
  return (
    typeof (error as Partial<QueryError>).query === 'string' &&
    'params' in error &&
    error.message.startsWith('Failed query:')
  );
}

/** The stack without its first line(s), which repeat the (possibly unsafe) message. */
function stackFrames(error: Error): string {
  const stack = error.stack ?? '';
  if (!error.message) return stack.slice(stack.indexOf('\n') + 1 || stack.length);
  const at = stack.indexOf(error.message);
  return at >= 0 ? stack.slice(at + error.message.length).replace(/^\n/, '') : '';
}

function describe(error: Error, depth: number): Record<string, unknown> {
  const type = error.constructor?.name || error.name;
  const message = isQueryError(error) ? `Failed query: ${error.query}` : error.message;
  const described: Record<string, unknown> = { type, message, stack: `${type}: ${message}\n${stackFrames(error)}` };
  if (isQueryError(error)) described.query = error.query;
  const fields = error as unknown as Record<string, unknown>;
  for (const field of DIAGNOSTIC_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number') described[field] = value;
  }
  if (error.cause instanceof Error && depth < MAX_CAUSE_DEPTH) described.cause = describe(error.cause, depth + 1);
  if (error instanceof AggregateError && depth < MAX_CAUSE_DEPTH) {
    described.errors = error.errors
      .filter((inner): inner is Error => inner instanceof Error)
      .map((inner) => describe(inner, depth + 1));
  }
  return described;
}

export function serializeErrorSafely(error: unknown): unknown {
  if (error instanceof Error) return describe(error, 0);
  return error;
}
