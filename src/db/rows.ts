import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/**
 * Rows of a raw SQL statement. postgres.js answers an array, PGlite `{ rows }`; this is the one
 * place that knows.
 */
export async function queryRows<Row extends Record<string, unknown>>(db: Db, query: SQL): Promise<Row[]> {
  return rowsOf<Row>(await db.execute(query));
}

/** The rows of a statement's result, whichever driver answered it. */
export function rowsOf<Row extends Record<string, unknown>>(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
