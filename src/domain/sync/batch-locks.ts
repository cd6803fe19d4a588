// A push batch holds the row lock of every entity it writes until its single commit. Two batches
// that write the same entities in different orders (device A: X then Y, device B: Y then X) would
// each hold one row and wait for the other's: a deadlock, and PostgreSQL may pick as its victim a
// REST request queued on one of those rows. Taking one transaction-scoped advisory lock per entity,
// all in one fixed order, before the first write makes overlapping batches queue instead.
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';

export async function lockBatchEntities(
  tx: Tx,
  userId: string,
  changes: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  const keys = [...new Set(changes.map((change) => lockKey(userId, change)))];
  if (keys.length < 2) return; // One entity cannot form a cycle; its row lock is enough.
  // The keys as one JSON parameter; the aggregate consumes the subquery's rows in its order, so
  // every batch locks in hash order.
  await tx.execute(
    sql`select count(pg_advisory_xact_lock(lock_key)) from (select distinct hashtextextended(value, 0) as lock_key from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) order by lock_key) as ordered`,
  );
}

// Changes are validated one by one later: a malformed one still gets a (harmless) key.
function lockKey(userId: string, change: Record<string, unknown>): string {
  const type = typeof change.entity_type === 'string' ? change.entity_type : '';
  const id = typeof change.entity_id === 'string' ? change.entity_id.toLowerCase() : '';
  return `framelord-entity:${userId}:${type}:${id}`;
}
