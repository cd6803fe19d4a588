import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/**
 * Rows of a raw SQL statement. postgres.js answers an array, PGlite `{ rows }`; this is the one
 * place that knows.
 */
export async function queryRows<Row extends Record<string, unknown>>(db: Db, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
