import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { isLowerCaseUuid } from '../uuid.ts';
import { type OwnedTable, OwnedThroughParent, ownedIds } from '../ownership.ts';
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
  contacts,
  folders,
  notes,
  tasks,
  interactions,
  interaction_attachments: new OwnedThroughParent(
    interactionAttachments,
    interactionAttachments.interaction_id,
    interactions,
  ),
  groups,
  projects,
  project_sections: new OwnedThroughParent(projectSections, projectSections.project_id, projects),
  project_task_links: new OwnedThroughParent(projectTaskLinks, projectTaskLinks.project_id, projects),
  project_attachments: new OwnedThroughParent(projectAttachments, projectAttachments.project_id, projects),
  pipeline_templates: pipelineTemplates,
  pipeline_stage_templates: new OwnedThroughParent(
    pipelineStageTemplates,
    pipelineStageTemplates.template_id,
    pipelineTemplates,
  ),
  pipeline_items: pipelineItems,
} satisfies Record<string, OwnedTable>;

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
    for (const id of await ownedIds(tx, MAPPED_STORES[store], userId, unmappedUuids)) known.set(key(store, id), id);
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
