import { createHash, randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../db/client.ts';
import { isLowerCaseUuid } from '../uuid.ts';
import {
  contacts,
  folders,
  groups,
  importIdMap,
  interactionAttachments,
  interactions,
  notes,
  pipelineItems,
  pipelineStageTemplates,
  pipelineTemplates,
  projectAttachments,
  projects,
  projectSections,
  projectTaskLinks,
  tasks,
} from '../../db/schema/index.ts';

/**
 * The id-map stores, named after the table the ids land in: the same app id can name records of
 * two stores (`attachment-…` is both an interaction and a project attachment), so the store is
 * part of the key (docs/formats/framelord-export.md §2).
 */
export const MAPPED_STORES = {
  contacts: { table: contacts, owner: 'user' },
  folders: { table: folders, owner: 'user' },
  notes: { table: notes, owner: 'user' },
  tasks: { table: tasks, owner: 'user' },
  interactions: { table: interactions, owner: 'user' },
  interaction_attachments: {
    table: interactionAttachments,
    owner: { parent: interactions, column: interactionAttachments.interaction_id },
  },
  groups: { table: groups, owner: 'user' },
  projects: { table: projects, owner: 'user' },
  project_sections: { table: projectSections, owner: { parent: projects, column: projectSections.project_id } },
  project_task_links: { table: projectTaskLinks, owner: { parent: projects, column: projectTaskLinks.project_id } },
  project_attachments: {
    table: projectAttachments,
    owner: { parent: projects, column: projectAttachments.project_id },
  },
  pipeline_templates: { table: pipelineTemplates, owner: 'user' },
  pipeline_stage_templates: {
    table: pipelineStageTemplates,
    owner: { parent: pipelineTemplates, column: pipelineStageTemplates.template_id },
  },
  pipeline_items: { table: pipelineItems, owner: 'user' },
} satisfies Record<
  string,
  {
    table: PgTable & { id: PgColumn };
    owner: 'user' | { parent: PgTable & { id: PgColumn; user_id: PgColumn }; column: PgColumn };
  }
>;

export type MappedStore = keyof typeof MAPPED_STORES;

const SOURCE_ID_LIMIT = 255;

/**
 * The key of a record that lives inside another (a stage inside its template): its id is only
 * unique there (the app's seed templates may share `stage_lead`). Too long for the column, it is
 * hashed: still stable across runs.
 */
export function childSourceId(parentId: string, childId: string): string {
  // A UUID (this server's own export) is unique by itself, and must stay itself to be reused.
  if (isLowerCaseUuid(childId)) return childId;
  const key = `${parentId}/${childId}`;
  return key.length <= SOURCE_ID_LIMIT ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export interface IdAllocator {
  /** The row id of an app record: the mapped one, or a new UUID remembered for this import. */
  idOf(store: MappedStore, sourceId: string): string;
  /** Whether the record was mapped (or reused) before this import. */
  isKnown(store: MappedStore, sourceId: string): boolean;
  /** Mappings created by this import, to insert with the rows. */
  newMappings(): Array<{ store: MappedStore; source_id: string; target_id: string }>;
}

/**
 * Loads the user's id map. `candidates` are the source ids the file holds per store: one that is a
 * UUID naming a row the user already owns (a file this server exported) maps to that row, so
 * importing your own export changes nothing instead of duplicating everything.
 */
export async function loadIdAllocator(
  tx: Tx,
  userId: string,
  candidates: Map<MappedStore, string[]>,
): Promise<IdAllocator> {
  const known = new Map<string, string>();
  const key = (store: string, sourceId: string) => `${store}\u0000${sourceId}`;
  const rows = await tx
    .select({ store: importIdMap.store, source_id: importIdMap.source_id, target_id: importIdMap.target_id })
    .from(importIdMap)
    .where(eq(importIdMap.user_id, userId));
  for (const row of rows) known.set(key(row.store, row.source_id), row.target_id);

  for (const [store, sourceIds] of candidates) {
    const unmappedUuids = sourceIds.filter((id) => isLowerCaseUuid(id) && !known.has(key(store, id)));
    for (const id of await ownedRowIds(tx, userId, store, unmappedUuids)) known.set(key(store, id), id);
  }
  const preexisting = new Set(known.keys());
  const created: Array<{ store: MappedStore; source_id: string; target_id: string }> = [];
  return {
    idOf(store, sourceId) {
      const k = key(store, sourceId);
      let id = known.get(k);
      if (id === undefined) {
        id = randomUUID();
        known.set(k, id);
        created.push({ store, source_id: sourceId, target_id: id });
      }
      return id;
    },
    isKnown: (store, sourceId) => preexisting.has(key(store, sourceId)),
    newMappings: () => created,
  };
}

async function ownedRowIds(tx: Tx, userId: string, store: MappedStore, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { table, owner } = MAPPED_STORES[store] as {
    table: PgTable & { id: PgColumn; user_id?: PgColumn };
    owner: 'user' | { parent: PgTable & { id: PgColumn; user_id: PgColumn }; column: PgColumn };
  };
  if (owner === 'user') {
    const rows = await tx
      .select({ id: table.id })
      .from(table)
      .where(and(inArray(table.id, ids), eq(table.user_id as PgColumn, userId)));
    return rows.map((row) => String(row.id));
  }
  const rows = await tx
    .select({ id: table.id })
    .from(table)
    .innerJoin(owner.parent, eq(owner.parent.id, owner.column))
    .where(and(inArray(table.id, ids), eq(owner.parent.user_id, userId)));
  return rows.map((row) => String(row.id));
}

/** The app id of a child record, from the key `childSourceId` made of it; undefined if hashed. */
export function childIdFromSourceId(parentSourceId: string, sourceId: string): string | undefined {
  if (isLowerCaseUuid(sourceId)) return sourceId;
  const prefix = `${parentSourceId}/`;
  return sourceId.startsWith(prefix) ? sourceId.slice(prefix.length) : undefined;
}

/** Row id → the app id it was imported from, per store: an export names rows by them again. */
export async function loadSourceIds(db: Db, userId: string): Promise<Map<string, Map<string, string>>> {
  const rows = await db
    .select({ store: importIdMap.store, source_id: importIdMap.source_id, target_id: importIdMap.target_id })
    .from(importIdMap)
    .where(eq(importIdMap.user_id, userId));
  const byStore = new Map<string, Map<string, string>>();
  for (const row of rows) {
    let store = byStore.get(row.store);
    if (!store) {
      store = new Map();
      byStore.set(row.store, store);
    }
    // A row reused by its own UUID maps to itself; the app id it came from, if any, wins.
    if (!store.has(row.target_id) || store.get(row.target_id) === row.target_id)
      store.set(row.target_id, row.source_id);
  }
  return byStore;
}

export async function saveMappings(
  tx: Tx,
  userId: string,
  mappings: ReadonlyArray<{ store: string; source_id: string; target_id: string }>,
): Promise<void> {
  for (let start = 0; start < mappings.length; start += 500) {
    const batch = mappings.slice(start, start + 500).map((mapping) => ({ user_id: userId, ...mapping }));
    await tx.insert(importIdMap).values(batch);
  }
}
