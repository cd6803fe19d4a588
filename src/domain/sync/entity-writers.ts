// Which device made an entity's current version (sync_entity_writers): the last-write-wins
// tie-break needs it, and only a push knows it, so only a push writes it (push.ts reads it with
// the row it locks).
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import type { EntityType } from '../entity-types.ts';

export interface EntityKey {
  userId: string;
  entityType: EntityType;
  entityId: string;
}

export async function recordDeviceWrite(tx: Tx, key: EntityKey, deviceId: string, version: number): Promise<void> {
  await recordDeviceWrites(tx, deviceId, [{ ...key, version }]);
}

/** recordDeviceWrite of many entities (each at most once) in one statement. */
export async function recordDeviceWrites(
  tx: Tx,
  deviceId: string,
  writes: ReadonlyArray<EntityKey & { version: number }>,
): Promise<void> {
  if (writes.length === 0) return;
  // The rows as one JSON parameter: a push writes hundreds.
  const rows = JSON.stringify(
    writes.map((write) => ({
      user_id: write.userId,
      entity_type: write.entityType,
      entity_id: write.entityId,
      sync_version: write.version,
    })),
  );
  await tx.execute(
    sql`insert into sync_entity_writers (user_id, entity_type, entity_id, device_id, sync_version)
        select user_id, entity_type, entity_id, ${deviceId}, sync_version
        from jsonb_to_recordset(${rows}::jsonb) as write(user_id uuid, entity_type varchar, entity_id uuid, sync_version integer)
        on conflict (user_id, entity_type, entity_id) do update set device_id = excluded.device_id, sync_version = excluded.sync_version`,
  );
}
