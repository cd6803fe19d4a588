// Purging: the hard delete of archived rows (docs/history-and-trash.md, "What a purge removes").
// A purge removes the entity with everything that hangs on it, in one transaction:
// - rows of other tables tied to it by ON DELETE CASCADE go with it: junction and child rows
//   (memberships, sections, attachments, a note's update log, versions, references, links, topic
//   links), and the entities the schema makes depend on it (a contact's tasks, interactions,
//   pipeline items and projects; a folder's subfolders; a template's items), purged by the same
//   rules in turn so they too reach devices;
// - entities that merely pointed at it (a note in a purged folder, a group that had a purged
//   contact as member, a project linking a purged task) are changed, so they get a new version;
//   so are those whose reference has no ON DELETE action (a task's creator, an attachment's
//   uploader): the purge clears it first (REFERENCES_CLEARED), else the delete would fail;
// - the sync feed gets a change for each purged entity, which pull answers as `delete`
//   (docs/sync.md, "Deletes"), and for each changed one;
// - the bookkeeping that names the entity (sync_entity_writers, import_id_map) is dropped.
// Purge hooks run inside the transaction before the rows go (a blob store drops its references).
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { bumpVersion } from '../versioning.ts';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import {
  contacts,
  folders,
  groupMemberships,
  importIdMap,
  interactions,
  notes,
  noteTargetContacts,
  noteTopics,
  pipelineItems,
  projectAttachments,
  projectRelatedContacts,
  projects,
  projectTaskLinks,
  syncEntityWriters,
  tasks,
} from '../../db/schema/index.ts';
import { resourceFor } from '../resources/index.ts';
import { recordChanges } from '../change-feed.ts';
import type { EntityType } from '../entity-types.ts';

/** What one purge removed, by entity type: handed to purge hooks. */
export interface PurgedEntities {
  tx: Tx;
  /** Ids purged per entity type (including entities purged along with the requested ones). */
  byType: ReadonlyMap<EntityType, readonly string[]>;
}

export type PurgeHook = (purged: PurgedEntities) => Promise<void>;

interface Cascade {
  type: EntityType;
  table: PgTable;
  id: AnyPgColumn;
  user: AnyPgColumn;
  parent: AnyPgColumn;
}

/** Entities the schema deletes with their parent (ON DELETE CASCADE between entity tables). */
const CASCADES: Partial<Record<EntityType, Cascade[]>> = {
  contact: [
    { type: 'task', table: tasks, id: tasks.id, user: tasks.user_id, parent: tasks.contact_id },
    {
      type: 'interaction',
      table: interactions,
      id: interactions.id,
      user: interactions.user_id,
      parent: interactions.contact_id,
    },
    {
      type: 'interaction',
      table: interactions,
      id: interactions.id,
      user: interactions.user_id,
      parent: interactions.author_contact_id,
    },
    { type: 'note', table: notes, id: notes.id, user: notes.user_id, parent: notes.author_contact_id },
    {
      type: 'pipeline_item',
      table: pipelineItems,
      id: pipelineItems.id,
      user: pipelineItems.user_id,
      parent: pipelineItems.contact_id,
    },
    { type: 'project', table: projects, id: projects.id, user: projects.user_id, parent: projects.primary_contact_id },
  ],
  folder: [{ type: 'folder', table: folders, id: folders.id, user: folders.user_id, parent: folders.parent_id }],
  pipeline_template: [
    {
      type: 'pipeline_item',
      table: pipelineItems,
      id: pipelineItems.id,
      user: pipelineItems.user_id,
      parent: pipelineItems.template_id,
    },
  ],
};

interface Touch {
  type: EntityType;
  table: PgTable;
  /** The touched entity's id column in `table`. */
  target: AnyPgColumn;
  /** The purged entity's id column in `table`. */
  source: AnyPgColumn;
}

/** Entities whose answer changes when a purged one goes: junction rows, or a SET NULL reference. */
const TOUCHES: Partial<Record<EntityType, Touch[]>> = {
  contact: [
    { type: 'group', table: groupMemberships, target: groupMemberships.group_id, source: groupMemberships.contact_id },
    {
      type: 'note',
      table: noteTargetContacts,
      target: noteTargetContacts.note_id,
      source: noteTargetContacts.contact_id,
    },
    {
      type: 'project',
      table: projectRelatedContacts,
      target: projectRelatedContacts.project_id,
      source: projectRelatedContacts.contact_id,
    },
  ],
  folder: [{ type: 'note', table: notes, target: notes.id, source: notes.folder_id }],
  task: [
    { type: 'project', table: projectTaskLinks, target: projectTaskLinks.project_id, source: projectTaskLinks.task_id },
  ],
  note: [{ type: 'topic', table: noteTopics, target: noteTopics.topic_id, source: noteTopics.note_id }],
};

interface ClearedReference extends Touch {
  /** What `source` becomes: NULL, or the owner's Contact Zero where the column is NOT NULL. */
  to: 'null' | 'contact_zero';
}

/**
 * References without an ON DELETE action: the entity stays (a task outlives its creator, an
 * attachment its uploader), the reference is cleared before the purged row goes.
 */
const REFERENCES_CLEARED: Partial<Record<EntityType, ClearedReference[]>> = {
  contact: [
    { type: 'task', table: tasks, target: tasks.id, source: tasks.created_by, to: 'null' },
    {
      type: 'project',
      table: projectAttachments,
      target: projectAttachments.project_id,
      source: projectAttachments.uploaded_by,
      to: 'contact_zero',
    },
  ],
};

/** The Contact Zero of the user owning the contact `column` names (as an import's fallback uploader). */
const contactZeroOf = (column: AnyPgColumn) =>
  sql`(select zero.id from ${contacts} zero join ${contacts} gone on gone.user_id = zero.user_id
       where zero.is_contact_zero and gone.id = ${column})`;

type Owned = Map<string, string>; // id → user_id

const tableOf = (type: EntityType) => resourceFor(type).definition.table;

async function ownersOf(tx: Tx, type: EntityType, ids: readonly string[]): Promise<Owned> {
  if (ids.length === 0) return new Map();
  const table = tableOf(type);
  const rows = await tx
    .select({ id: table.id, user_id: table.user_id })
    .from(table)
    .where(inArray(table.id, [...ids]));
  return new Map(rows.map((row) => [String(row.id), String(row.user_id)]));
}

/** The entities a purge of `roots` removes, with their owners, following CASCADES. */
async function closure(tx: Tx, roots: ReadonlyMap<EntityType, readonly string[]>) {
  const plan = new Map<EntityType, Owned>();
  const queue: Array<[EntityType, Owned]> = [];
  for (const [type, ids] of roots) queue.push([type, await ownersOf(tx, type, ids)]);
  while (queue.length > 0) {
    const [type, owned] = queue.shift() as [EntityType, Owned];
    const known = plan.get(type) ?? new Map<string, string>();
    const fresh = [...owned].filter(([id]) => !known.has(id));
    if (fresh.length === 0) continue;
    for (const [id, user] of fresh) known.set(id, user);
    plan.set(type, known);
    const ids = fresh.map(([id]) => id);
    for (const cascade of CASCADES[type] ?? []) {
      const rows = await tx
        .select({ id: cascade.id, user_id: cascade.user })
        .from(cascade.table)
        .where(inArray(cascade.parent, ids));
      if (rows.length > 0)
        queue.push([cascade.type, new Map(rows.map((row) => [row.id as string, row.user_id as string]))]);
    }
  }
  return plan;
}

/**
 * Purges `roots` (the caller has checked they are archived and purgeable) and everything that
 * hangs on them. Answers the number of entities removed, dependents included.
 */
export async function purgeEntities(
  tx: Tx,
  roots: ReadonlyMap<EntityType, readonly string[]>,
  hooks: readonly PurgeHook[] = [],
): Promise<number> {
  const plan = await closure(tx, roots);
  if (plan.size === 0) return 0;
  const purgedIds = (type: EntityType) => [...(plan.get(type)?.keys() ?? [])];

  // A default folder is never purged, even as the subfolder of a purged one: it moves to the top.
  const folderIds = purgedIds('folder');
  if (folderIds.length > 0) {
    const rescued = await tx
      .update(folders)
      .set({ parent_id: null, ...bumpVersion(folders, new Date()) })
      .where(and(eq(folders.is_default, true), inArray(folders.parent_id, folderIds)))
      .returning({ id: folders.id });
    for (const row of rescued) plan.get('folder')?.delete(row.id);
  }

  // Entities that stay but change: every one gets a new version and a feed entry.
  const touched = new Map<EntityType, Set<string>>();
  const addTouched = (type: EntityType, id: string) => {
    if (plan.get(type)?.has(id)) return;
    const set = touched.get(type) ?? new Set<string>();
    set.add(id);
    touched.set(type, set);
  };
  for (const [type] of plan) {
    const ids = purgedIds(type);
    for (const touch of TOUCHES[type] ?? []) {
      const rows = await tx.selectDistinct({ id: touch.target }).from(touch.table).where(inArray(touch.source, ids));
      for (const row of rows) addTouched(touch.type, row.id as string);
    }
    for (const clear of REFERENCES_CLEARED[type] ?? []) {
      const rows = await tx
        .update(clear.table)
        .set({ [clear.source.name]: clear.to === 'null' ? null : contactZeroOf(clear.source) } as never)
        .where(inArray(clear.source, ids))
        .returning({ id: clear.target });
      for (const row of rows) addTouched(clear.type, row.id as string);
    }
  }

  const byType = new Map<EntityType, string[]>([...plan].map(([type, owned]) => [type, [...owned.keys()]]));
  for (const hook of hooks) await hook({ tx, byType });

  const allIds = [...byType.values()].flat();
  await tx.delete(syncEntityWriters).where(inArray(syncEntityWriters.entity_id, allIds));
  await tx.delete(importIdMap).where(inArray(importIdMap.target_id, allIds));
  // Dependents first, so each statement finds the least left to cascade.
  for (const [type, ids] of [...byType].reverse()) {
    const table = tableOf(type);
    await tx.delete(table).where(inArray(table.id, ids));
  }

  const changesByUser = new Map<string, Array<{ entityType: EntityType; entityId: string }>>();
  const addChange = (user: string, entityType: EntityType, entityId: string) => {
    const list = changesByUser.get(user) ?? [];
    list.push({ entityType, entityId });
    changesByUser.set(user, list);
  };
  for (const [type, owned] of plan) for (const [id, user] of owned) addChange(user, type, id);
  for (const [type, ids] of touched) {
    const table = tableOf(type);
    const version = (table as unknown as { sync_version: AnyPgColumn }).sync_version;
    const rows = await tx
      .update(table)
      .set({ sync_version: sql`${version} + 1`, updated_at: new Date() } as never)
      .where(inArray(table.id, [...ids]))
      .returning({ id: table.id, user_id: table.user_id });
    for (const row of rows) addChange(String(row.user_id), type, String(row.id));
  }
  // The feed's counter row is locked from here to commit (change-feed.ts): last statements.
  for (const [user, changes] of changesByUser) await recordChanges(tx, user, changes);
  return allIds.length;
}

/** Rows that are never purged, whatever their archive state (docs/history-and-trash.md). */
export function purgeableCondition(type: EntityType): SQL | undefined {
  if (type === 'contact') return eq(contacts.is_contact_zero, false);
  if (type === 'folder') return eq(folders.is_default, false);
  return undefined;
}
