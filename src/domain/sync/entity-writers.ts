// Which device made an entity's current version (sync_entity_writers): the last-write-wins
// tie-break needs it, and only a push knows it, so only a push writes it (push.ts reads it with
// the row it locks).
import type { Tx } from '../../db/client.ts';
import { syncEntityWriters } from '../../db/schema/index.ts';
import type { EntityType } from '../entity-types.ts';

interface EntityKey {
  userId: string;
  entityType: EntityType;
  entityId: string;
}

export async function recordDeviceWrite(tx: Tx, key: EntityKey, deviceId: string, version: number): Promise<void> {
  await tx
    .insert(syncEntityWriters)
    .values({
      user_id: key.userId,
      entity_type: key.entityType,
      entity_id: key.entityId,
      device_id: deviceId,
      sync_version: version,
    })
    .onConflictDoUpdate({
      target: [syncEntityWriters.user_id, syncEntityWriters.entity_type, syncEntityWriters.entity_id],
      set: { device_id: deviceId, sync_version: version },
    });
}
