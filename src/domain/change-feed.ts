// The change feed: a base primitive every writer (resources, documents, import, accounts) records
// into and sync pull reads (docs/sync.md).
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { preparedStatement } from '../db/prepared.ts';
import type { EntityType } from './entity-types.ts';

/**
 * Records that entities changed, for `POST /sync/pull`.
 *
 * Why this follows commit order: a pull must never skip a change committed after it, whatever
 * the interleaving of transactions. A global sequence or a timestamp fails that: transaction A
 * takes number 5, B takes 6 and commits, a pull returns 6 (cursor 6), then A commits 5 — skipped
 * forever. Here every writing transaction of a user increments that user's counter row as its
 * LAST statement. The `UPDATE` row lock is held until commit, so a second writer of the same
 * user blocks until the first has committed, and only then gets a higher number: numbers are
 * handed out in commit order per user. A pull at any moment therefore sees a gap-free prefix of
 * the numbers that will ever be committed, and "everything after my cursor" is exact.
 *
 * Call it inside the writing transaction, after the entity rows are written, so the lock is held
 * for as short a time as possible (writers of different users never wait on each other).
 */
export async function recordChanges(
  tx: Tx,
  userId: string,
  changes: ReadonlyArray<{ entityType: EntityType; entityId: string }>,
): Promise<void> {
  if (changes.length === 0) return;
  const unique = [...new Map(changes.map((change) => [`${change.entityType}:${change.entityId}`, change])).values()];
  // One statement: the counter row is locked from here to commit, so the fewer round trips between
  // taking that lock and committing, the less same-user writers queue behind it. The entries travel
  // as one JSON parameter (a push records hundreds).
  const entries = JSON.stringify(
    unique.map((change, index) => ({
      entity_type: change.entityType,
      entity_id: change.entityId,
      position: index + 1,
    })),
  );
  await recordChangeRows(tx, { userId, count: unique.length, entries });
}

const recordChangeRows = preparedStatement<{ userId: string; count: number; entries: string }>(
  'record_changes',
  (p) => sql`with counter as (
      insert into user_change_counters (user_id, last_seq) values (${p.userId}::uuid, ${p.count}::bigint)
      on conflict (user_id) do update set last_seq = user_change_counters.last_seq + excluded.last_seq
      returning last_seq
    )
    insert into sync_changes (user_id, entity_type, entity_id, seq)
    select ${p.userId}::uuid, change.entity_type, change.entity_id, counter.last_seq - ${p.count}::bigint + change.position
    from counter, jsonb_to_recordset(${p.entries}::jsonb) as change(entity_type varchar, entity_id uuid, position bigint)
    on conflict (user_id, entity_type, entity_id) do update set seq = excluded.seq`,
);

export async function recordChange(tx: Tx, userId: string, entityType: EntityType, entityId: string): Promise<void> {
  await recordChanges(tx, userId, [{ entityType, entityId }]);
}
