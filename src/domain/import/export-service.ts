// The reverse of the import: a user's data in the FrameLord export format (docs/formats/framelord-export.md), so a user
// can take their data out, and a file exported here imports back unchanged. Rows imported from the
// app keep the app's ids (through the id map); rows created here are named by their UUID, which
// the import recognises as the same row when the file comes back to the same account. Entities
// are read through the resource layer (their nested collections included), one function per store.
//
// The file is written as it is read (json-stream.ts), so it never sits in memory whole:
// attachments are read without their data URLs, and each data URL is read alone as it is
// written; notes' documents are read a batch at a time and written before the next batch; a note's
// images are encoded from the blob store chunk by chunk.
import { and, eq } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import {
  contacts,
  type folders,
  type groupMemberships,
  type groups,
  interactionAttachments,
  type interactions,
  type notes,
  type pipelineItems,
  type pipelineStageTemplates,
  type pipelineTemplates,
  projectAttachments,
  type projects,
  type projectSections,
  type projectTaskLinks,
  type tasks,
  type topics,
} from '../../db/schema/index.ts';
import { readBlockSuiteDocument } from '../blocksuite/read-document.ts';
import type { BlobService, FoundBlob } from '../blobs/blob-service.ts';
import { isDomainError, notFound } from '../errors.ts';
import { withDecodedNote } from '../documents/decode-budget.ts';
import { stateUpdates } from '../documents/document-state.ts';
import { loadDocumentStates } from '../documents/update-log.ts';
import { allResourceEntities } from '../resources/operations.ts';
import { resourceFor } from '../resources/registry.ts';
import { childIdFromSourceId, loadSourceIds, type MappedStore } from './id-map.ts';
import { CONTACT_ZERO_SOURCE_ID } from './parse-export.ts';
import { base64Text, JsonStream, joinedPieces, jsonRecord, recordArray, type StreamedRecord } from './json-stream.ts';
import { matchDefaultFolders } from './plan.ts';

type Json = Record<string, unknown>;
/** A row as the resource layer presents it: timestamps as ISO strings. */
type Shown<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
type ShownRow<T extends { $inferSelect: unknown }> = Shown<T['$inferSelect']>;
type Attachment = Pick<
  ShownRow<typeof interactionAttachments>,
  'id' | 'file_name' | 'mime_type' | 'data_url' | 'created_at'
>;
/** What each exported entity type holds, its nested collections included (the resource definitions). */
interface Exported {
  contact: ShownRow<typeof contacts>;
  folder: ShownRow<typeof folders>;
  note: ShownRow<typeof notes> & { target_contact_ids: string[] };
  task: ShownRow<typeof tasks>;
  interaction: ShownRow<typeof interactions> & { attachments: Attachment[] };
  topic: ShownRow<typeof topics>;
  group: ShownRow<typeof groups>;
  project: ShownRow<typeof projects> & {
    related_contact_ids: string[];
    sections: Array<ShownRow<typeof projectSections>>;
    task_links: Array<ShownRow<typeof projectTaskLinks>>;
    attachments: Array<ShownRow<typeof projectAttachments>>;
  };
  pipeline_template: ShownRow<typeof pipelineTemplates> & { stages: Array<ShownRow<typeof pipelineStageTemplates>> };
  pipeline_item: ShownRow<typeof pipelineItems>;
}

/** Notes whose documents are read in one statement. */
const DOCUMENT_BATCH = 100;

/** Blocks that only hold other blocks: they give no line of their own. */
const CONTAINER_FLAVOURS = new Set(['affine:page', 'affine:surface', 'affine:note']);
const BLOB_FLAVOURS = new Set(['affine:image', 'affine:attachment']);

/** Optional fields are left out when empty, as the app's JSON.stringify does with undefined. */
const optional = (value: unknown) => (value === null || value === undefined ? undefined : value);

/**
 * Arrays in the app's order (docs/formats/framelord-export.md §1): by a time, newest first where
 * the app puts new records in front; equal times (rows imported together) by the exported id, so
 * two exports of the same data list it identically.
 */
function ordered<T extends { id: string }>(
  records: T[],
  time: (record: T) => string | null,
  newestFirst: boolean,
): T[] {
  return [...records].sort((a, b) => {
    const byTime = (time(a) ?? '').localeCompare(time(b) ?? '');
    if (byTime !== 0) return newestFirst ? -byTime : byTime;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

function compareKeys(a: ReadonlyArray<string | number | null>, b: ReadonlyArray<string | number | null>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** An image or attachment block of a document: exported as a note attachment, not as a line. */
interface DocumentBlob {
  key: string;
  name: string | null;
}

/**
 * A note's content as plain-text lines, one per block of its document (empty ones included), and
 * its image and attachment blocks, which export writes back as the note's `attachments`.
 */
export function documentContent(doc: Y.Doc): { lines: string; blobs: DocumentBlob[] } {
  try {
    const content = readBlockSuiteDocument(doc);
    const blocks = doc.getMap<Y.Map<unknown>>('blocks');
    const names = new Map<string, string>();
    for (const block of content.blocks) {
      if (!BLOB_FLAVOURS.has(block.flavour)) continue;
      const name = blocks.get(block.id)?.get('prop:name');
      const key = blocks.get(block.id)?.get('prop:sourceId');
      if (typeof key === 'string' && typeof name === 'string' && name !== '' && !names.has(key)) names.set(key, name);
    }
    return {
      lines: content.blocks
        .filter((block) => !CONTAINER_FLAVOURS.has(block.flavour) && !BLOB_FLAVOURS.has(block.flavour))
        .map((block) => block.text)
        .join('\n'),
      blobs: content.blobKeys.map((key) => ({ key, name: names.get(key) ?? null })),
    };
  } catch {
    return { lines: '', blobs: [] };
  }
}

/**
 * A note whose document holds a log entry too costly to integrate (docs/security.md, "Integration
 * cost"): exported with its record and the content of its document before that entry, and listed
 * in the file's `incompleteNotes`; the database keeps the entry (the archive export carries it).
 */
export interface IncompleteNote {
  /** The note's id in the file. */
  id: string;
  /** The note's id on the server. */
  noteId: string;
  /** The log entry refused. */
  logEntry: number;
}

/**
 * A note's blobs as the app's legacy attachments, each data URL encoded from the blob store chunk
 * by chunk as it is written; keys the user has no blob for are left out.
 */
async function* noteAttachments(
  blobs: BlobService,
  userId: string,
  refs: readonly DocumentBlob[],
  noteCreatedAt: string | null,
): AsyncGenerator<StreamedRecord> {
  for (const ref of refs) {
    let found: FoundBlob;
    try {
      found = await blobs.find({ userId }, ref.key);
    } catch (error) {
      if (isDomainError(error) && error.code === 'NOT_FOUND') continue;
      throw error;
    }
    const isImage = found.content_type.startsWith('image/');
    const prefix = JSON.stringify(`data:${found.content_type};base64,`).slice(0, -1);
    yield {
      id: `attachment-${ref.key}`,
      type: isImage ? 'image' : 'file',
      dataUrl: new JsonStream(async function* () {
        yield prefix;
        if (found.size > 0) yield* base64Text(blobs.read(found, { start: 0, end: found.size - 1 }));
        yield '"';
      }),
      filename: ref.name ?? `${isImage ? 'image' : 'file'}-${ref.key.slice(0, 8)}`,
      mimeType: found.content_type,
      // The note's time, not the upload's: an export of an import of an export stays the same.
      createdAt: noteCreatedAt,
    };
  }
}

/** An attachment's data URL, read alone when the file writes it (never all of them at once). */
function dataUrlOf(db: Db, table: PgTable & { id: AnyPgColumn; data_url: AnyPgColumn }, id: string): JsonStream {
  return new JsonStream(async function* () {
    const [row] = await db.select({ value: table.data_url }).from(table).where(eq(table.id, id));
    yield JSON.stringify(row?.value ?? null);
  });
}

/** What every store's exporter shares: the account and the app ids its rows go back to. */
interface ExportScope {
  db: Db;
  blobs: BlobService;
  userId: string;
  appId(store: MappedStore, id: string): string;
  /** Contact Zero under the app's constant id, other contacts by their app id. */
  contactId(id: string): string;
  /** A note written without its whole content. */
  incomplete(note: IncompleteNote): void;
}

/** The caller's entities of a type through the resource layer, typed as its definition presents them. */
const entities = async <T extends keyof Exported>(
  scope: ExportScope,
  type: T,
  includeArchived: boolean,
): Promise<Array<Exported[T]>> =>
  (await allResourceEntities(scope.db, { userId: scope.userId }, resourceFor(type), {
    includeArchived,
    // Attachments come without their data URLs: each is read alone as it is written.
    bodies: false,
  })) as unknown as Array<Exported[T]>;

/** Records read per store, for a summary line (the CLI). */
export type ExportCounts = Record<string, number>;

/**
 * The export file as JSON text, piece by piece, produced as the consumer reads (an HTTP answer, a
 * file, a zip entry): concatenated, the pieces are the file. `onIncomplete` is told of each note
 * written without its whole content (`IncompleteNote`) as it is written: the caller logs it.
 */
export async function* exportFrameLordJson(
  db: Db,
  blobs: BlobService,
  userId: string,
  now = new Date(),
  counts: ExportCounts = {},
  onIncomplete: (note: IncompleteNote) => void = () => {},
): AsyncGenerator<string> {
  const { notes: noteCount, ...file } = await exportRecords(db, blobs, userId, now, onIncomplete);
  const fields: StreamedRecord = {};
  for (const [store, value] of Object.entries(file)) {
    if (Array.isArray(value)) counts[store] = value.length;
    fields[store] = Array.isArray(value) ? recordArray(value as StreamedRecord[]) : value;
  }
  counts.framelord_notes = noteCount;
  yield* joinedPieces(jsonRecord(fields));
}

async function exportRecords(
  db: Db,
  blobs: BlobService,
  userId: string,
  now: Date,
  onIncomplete: (note: IncompleteNote) => void,
) {
  const [contactZero] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.user_id, userId), eq(contacts.is_contact_zero, true)));
  if (!contactZero) throw notFound('User');
  const sourceIds = await loadSourceIds(db, userId);
  const appId = (store: MappedStore, id: string) => sourceIds.get(store)?.get(id) ?? id;
  const incomplete: IncompleteNote[] = [];
  const scope: ExportScope = {
    db,
    blobs,
    userId,
    appId,
    contactId: (id) => (id === contactZero.id ? CONTACT_ZERO_SOURCE_ID : appId('contacts', id)),
    incomplete(note) {
      incomplete.push(note);
      onIncomplete(note);
    },
  };
  const folders = await exportFolders(scope);
  const groups = await exportGroups(scope);
  const projects = await exportProjects(scope);
  const pipelines = await exportPipelines(scope);
  const notes = await exportNotes(scope, folders.folderId);
  return {
    exportedAt: now.toISOString(),
    framelord_contacts: await exportContacts(scope),
    framelord_notes: recordArray(notes.records),
    // Written after the notes, once they are: each note written without its whole content.
    incompleteNotes: new JsonStream(async function* () {
      yield JSON.stringify(incomplete.map(({ id, logEntry }) => ({ id, logEntry })));
    }),
    notes: notes.count,
    framelord_tasks: await exportTasks(scope),
    interactions: await exportInteractions(scope),
    topics: await exportTopics(scope),
    folders: folders.records,
    groups: groups.groups,
    groupMemberships: groups.memberships,
    projects: projects.projects,
    projectSections: projects.sections,
    projectTaskLinks: projects.links,
    pipelineTemplates: pipelines.templates,
    pipelineItems: pipelines.items,
  };
}

/** Contact Zero first, under its constant id; the app's `archived` status is its delete. */
async function exportContacts(scope: ExportScope): Promise<Json[]> {
  const records = (await entities(scope, 'contact', true)).map((row) => ({
    id: scope.contactId(row.id),
    fullName: row.full_name,
    avatarUrl: optional(row.avatar_url),
    email: optional(row.email),
    phone: optional(row.phone),
    relationshipDomain: row.relationship_domain,
    relationshipRole: row.relationship_role,
    status: row.is_archived ? 'archived' : row.status,
    frame:
      row.frame_score === null && row.frame_trend === null && row.frame_last_scan_at === null
        ? undefined
        : { currentScore: row.frame_score, trend: row.frame_trend, lastScanAt: row.frame_last_scan_at },
    lastContactAt: row.last_contact_at,
    nextActionAt: row.next_action_at,
    tags: row.tags ?? [],
    company: optional(row.company),
    title: optional(row.title),
    location: optional(row.location),
    linkedinUrl: optional(row.linkedin_url),
    xHandle: optional(row.x_handle),
    mentionedInNotes: [],
    engagementEvents: [],
    linkedTopics: [],
    createdAt: row.created_at as string,
  }));
  // Contacts carry no timestamps in the app: the creation time only orders them.
  return [
    ...records.filter((record) => record.id === CONTACT_ZERO_SOURCE_ID),
    ...ordered(
      records.filter((record) => record.id !== CONTACT_ZERO_SOURCE_ID),
      (record) => record.createdAt,
      false,
    ),
  ].map(({ createdAt: _createdAt, ...record }) => record);
}

/** Folders, the account's PARA defaults under the app's constant ids. */
async function exportFolders(scope: ExportScope) {
  const rows = await entities(scope, 'folder', false);
  // The same matching as the import, read backwards: account folder → the app's constant id.
  const defaults = rows.filter((row) => row.is_default) as Array<{ id: string; name: string; sort_order: number }>;
  const constantIds = new Map([...matchDefaultFolders(defaults)].map(([sourceId, id]) => [id, sourceId]));
  const folderId = (id: string | null) => (id === null ? null : (constantIds.get(id) ?? scope.appId('folders', id)));
  const records = rows.map((row) => ({
    id: folderId(row.id) as string,
    name: row.name,
    parentId: folderId(row.parent_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    order: row.sort_order,
    color: optional(row.color),
    icon: optional(row.icon),
  }));
  return { records: ordered(records, (record) => record.createdAt, false), folderId };
}

/**
 * Notes, newest first, with their document as plain-text lines: ordered first, then read a batch
 * of documents per statement and written before the next batch is read.
 */
async function exportNotes(scope: ExportScope, folderId: (id: string | null) => string | null) {
  const rows = ordered(
    (await entities(scope, 'note', true)).map((row) => ({
      row,
      id: scope.appId('notes', row.id),
      createdAt: row.created_at as string | null,
    })),
    (note) => note.createdAt,
    true,
  );
  const records = async function* (): AsyncGenerator<StreamedRecord> {
    for (let start = 0; start < rows.length; start += DOCUMENT_BATCH) {
      const batch = rows.slice(start, start + DOCUMENT_BATCH);
      const states = await loadDocumentStates(
        scope.db,
        batch.map(({ row }) => row.id),
        'base64',
      );
      for (const { row, id, createdAt } of batch) {
        const state = states.get(row.id);
        // Decoded within the integration bound, as a load does; the answer is already streaming:
        // a spent memory budget is waited out, not refused, and a note refused by the bound is
        // written with what its document holds before the refused entry.
        const document =
          state && stateUpdates(state).length > 0
            ? await withDecodedNote(row.id, state, documentContent, 'wait', (doc, refused) => {
                scope.incomplete({ id, noteId: row.id, logEntry: refused.entryId });
                return documentContent(doc);
              })
            : { lines: '', blobs: [] };
        states.delete(row.id);
        yield {
          id,
          title: row.title,
          blocksuiteDocId: row.blocksuite_doc_id,
          createdAt,
          updatedAt: row.updated_at,
          authorContactId: CONTACT_ZERO_SOURCE_ID,
          targetContactIds: (row.target_contact_ids as string[]).map(scope.contactId).sort(),
          kind: row.kind,
          dateKey: row.date_key,
          folderId: folderId(row.folder_id),
          isInbox: row.is_inbox,
          topics: [],
          tags: row.tags ?? [],
          mentions: [],
          preferredView: row.preferred_view,
          isPinnedHome: row.is_pinned_home,
          isPinned: row.is_pinned,
          icon: optional(row.icon),
          isArchived: row.is_archived,
          sync_version: row.sync_version,
          content: document.lines,
          entries: [],
          attachments: recordArray(noteAttachments(scope.blobs, scope.userId, document.blobs, createdAt)),
          contactId: CONTACT_ZERO_SOURCE_ID,
        };
      }
    }
  };
  return { records: records(), count: rows.length };
}

/** Tasks, newest first. Archived ones have no form in the app: left out (as interactions, groups, templates). */
async function exportTasks(scope: ExportScope): Promise<Json[]> {
  const records = (await entities(scope, 'task', false)).map((row) => ({
    id: scope.appId('tasks', row.id),
    contactId: scope.contactId(row.contact_id),
    title: row.title,
    dueAt: row.due_at,
    status: row.status,
    createdAt: row.created_at,
  }));
  return ordered(records, (record) => record.createdAt, true);
}

/** Attachments of a record in the app's shape, oldest first, each data URL read as it is written. */
function attachmentsOf<A extends Omit<Attachment, 'data_url'>>(
  scope: ExportScope,
  table: typeof interactionAttachments | typeof projectAttachments,
  store: MappedStore,
  parent: { key: 'interactionId' | 'projectId'; id: string },
  items: readonly A[],
  extra: (item: A) => Json = () => ({}),
): JsonStream {
  return recordArray(
    [...items]
      .sort((a, b) => compareKeys([a.created_at, a.id], [b.created_at, b.id]))
      .map((item) => ({
        id: childIdFromSourceId(parent.id, scope.appId(store, item.id)) ?? item.id,
        [parent.key]: parent.id,
        fileName: item.file_name,
        mimeType: item.mime_type,
        dataUrl: dataUrlOf(scope.db, table, item.id),
        ...extra(item),
        createdAt: item.created_at,
      })),
  );
}

/** Interactions, newest first, with their attachments. */
async function exportInteractions(scope: ExportScope): Promise<Json[]> {
  const records = (await entities(scope, 'interaction', false)).map((row) => {
    const id = scope.appId('interactions', row.id);
    return {
      id,
      contactId: scope.contactId(row.contact_id),
      authorContactId: scope.contactId(row.author_contact_id),
      type: row.type,
      occurredAt: row.occurred_at as string,
      summary: row.summary,
      attachments: attachmentsOf(
        scope,
        interactionAttachments,
        'interaction_attachments',
        { key: 'interactionId', id },
        row.attachments,
      ),
    };
  });
  return ordered(records, (record) => record.occurredAt, true);
}

async function exportTopics(scope: ExportScope): Promise<Json[]> {
  return (await entities(scope, 'topic', false))
    .map((row) => ({
      id: row.id,
      label: row.label,
      slug: row.slug,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      noteIds: [],
      contactIds: [],
    }))
    .sort((a, b) => compareKeys([a.createdAt, a.slug], [b.createdAt, b.slug]));
}

/** Groups, and their memberships with the time each contact joined (the entity's set holds only ids). */
async function exportGroups(scope: ExportScope) {
  const rows = await entities(scope, 'group', false);
  const members = resourceFor('group').definition.nested?.find((set) => set.field === 'member_contact_ids');
  const memberships: Array<typeof groupMemberships.$inferSelect> = [];
  for (let start = 0; start < rows.length; start += 500) {
    const ids = rows.slice(start, start + 500).map((row) => row.id as string);
    const stored = (await members?.loadRows?.(scope.db, ids)) ?? new Map();
    for (const groupRows of stored.values())
      memberships.push(...(groupRows as Array<typeof groupMemberships.$inferSelect>));
  }
  const groups = rows.map((row) => ({
    id: scope.appId('groups', row.id),
    name: row.name,
    description: optional(row.description),
    bannerUrl: optional(row.banner_url),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
  return {
    groups: ordered(groups, (record) => record.createdAt, false),
    memberships: memberships
      .map((row) => ({
        groupId: scope.appId('groups', row.group_id),
        contactId: scope.contactId(row.contact_id),
        joinedAt: row.joined_at.toISOString(),
      }))
      .sort((a, b) => compareKeys([a.groupId, a.joinedAt, a.contactId], [b.groupId, b.joinedAt, b.contactId])),
  };
}

/** Projects, with their sections, task links and attachments. */
async function exportProjects(scope: ExportScope) {
  const rows = await entities(scope, 'project', true);
  const sections: Json[] = [];
  const links: Json[] = [];
  const projects = rows.map((row) => {
    const id = scope.appId('projects', row.id);
    for (const section of row.sections)
      sections.push({
        id: scope.appId('project_sections', section.id),
        projectId: id,
        name: section.name,
        sortOrder: section.sort_order,
        createdAt: section.created_at,
      });
    for (const link of row.task_links)
      links.push({
        id: scope.appId('project_task_links', link.id),
        projectId: id,
        sectionId: scope.appId('project_sections', link.section_id),
        taskId: scope.appId('tasks', link.task_id),
        sortOrder: link.sort_order,
        createdAt: link.created_at,
      });
    return {
      id,
      name: row.name,
      isGroupProject: row.is_group_project,
      groupMemberIds: [],
      groupGoals: [],
      description: row.description ?? '',
      bannerUrl: optional(row.banner_url),
      primaryContactId: scope.contactId(row.primary_contact_id),
      relatedContactIds: (row.related_contact_ids as string[]).map(scope.contactId).sort(),
      status: row.is_archived ? 'archived' : row.status,
      priority: row.priority,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      startDate: row.start_date,
      dueDate: row.due_date,
      sectionIds: (row.sections as Array<{ id: string }>).map((section) => scope.appId('project_sections', section.id)),
      topicIds: [],
      groupIds: [],
      attachments: attachmentsOf(
        scope,
        projectAttachments,
        'project_attachments',
        { key: 'projectId', id },
        row.attachments,
        (attachment) => ({
          uploadedBy: scope.contactId(attachment.uploaded_by),
        }),
      ),
    };
  });
  const key = (record: Json, ...fields: string[]) => fields.map((field) => record[field] as string | number | null);
  return {
    projects: ordered(projects, (record) => record.createdAt, false),
    sections: sections.sort((a, b) =>
      compareKeys(
        key(a, 'projectId', 'sortOrder', 'createdAt', 'id'),
        key(b, 'projectId', 'sortOrder', 'createdAt', 'id'),
      ),
    ),
    links: links.sort((a, b) =>
      compareKeys(
        key(a, 'projectId', 'sectionId', 'sortOrder', 'id'),
        key(b, 'projectId', 'sectionId', 'sortOrder', 'id'),
      ),
    ),
  };
}

/** Templates with their stages, and the items of those templates. */
async function exportPipelines(scope: ExportScope) {
  const stageIds = new Map<string, string>();
  const templates = (await entities(scope, 'pipeline_template', false)).map((row) => {
    const id = scope.appId('pipeline_templates', row.id);
    return {
      id,
      name: row.name,
      description: optional(row.description),
      domain: row.domain,
      isDefault: row.is_default,
      stages: row.stages.map((stage) => {
        const stageId = childIdFromSourceId(id, scope.appId('pipeline_stage_templates', stage.id)) ?? stage.id;
        stageIds.set(stage.id, stageId);
        return {
          id: stageId,
          name: stage.name,
          order: stage.sort_order,
          color: optional(stage.color),
          autoTaskTitle: optional(stage.auto_task_title),
          autoTaskDueInDays: optional(stage.auto_task_due_in_days),
        };
      }),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  });
  const templateIds = new Set(templates.map((template) => template.id));
  const items = (await entities(scope, 'pipeline_item', true))
    .map((row) => ({
      id: scope.appId('pipeline_items', row.id),
      templateId: scope.appId('pipeline_templates', row.template_id),
      contactId: scope.contactId(row.contact_id),
      label: optional(row.label),
      currentStageId: stageIds.get(row.current_stage_id) ?? row.current_stage_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      status: row.is_archived ? 'archived' : row.status,
      closedAt: row.closed_at,
      value: optional(row.value),
    }))
    .filter((item) => templateIds.has(item.templateId));
  return {
    templates: ordered(templates, (record) => record.createdAt, false),
    items: ordered(items, (record) => record.createdAt, false),
  };
}
