// The reverse of the import: a user's data in the FrameLord export format (docs/formats/framelord-export.md), so a user
// can take their data out, and a file exported here imports back unchanged. Rows imported from the
// app keep the app's ids (through the id map); rows created here are named by their UUID, which
// the import recognises as the same row when the file comes back to the same account.
//
// The file is written as it is read (json-stream.ts), so its size never sits in memory: rows are
// read with their short fields only, and every long value (a data-URL attachment, avatar or banner,
// a long summary or description) is read alone when it is written; notes' documents are read a
// batch at a time, each batch bounded in stored bytes, and blobs chunk by chunk. What grows with
// the account is the rows' short fields (ids, names, times), not their files or documents.
import { and, asc, desc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgColumn, PgTable } from 'drizzle-orm/pg-core';
import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import {
  contacts,
  folders,
  groupMemberships,
  groups,
  interactionAttachments,
  interactions,
  noteTargetContacts,
  noteUpdates,
  notes,
  pipelineItems,
  pipelineStageTemplates,
  pipelineTemplates,
  projectAttachments,
  projectRelatedContacts,
  projects,
  projectSections,
  projectTaskLinks,
  tasks,
  topics,
} from '../../db/schema/index.ts';
import { readBlockSuiteDocument } from '../blocksuite/read-document.ts';
import type { BlobService, FoundBlob } from '../blobs/blob-service.ts';
import { isDomainError, notFound } from '../errors.ts';
import { loadCurrentDocumentStates } from '../documents/current-document.ts';
import { longValueBytes, qualified, shortValue } from '../long-values.ts';
import { childIdFromSourceId, loadSourceIds, type MappedStore } from './id-map.ts';
import { CONTACT_ZERO_SOURCE_ID } from './parse-export.ts';
import { base64Text, JsonStream, joinedPieces, jsonRecord, recordArray, type StreamedRecord } from './json-stream.ts';
import { matchDefaultFolders } from './plan.ts';

/** Notes whose documents are read in one statement: at most this many, and this many stored bytes. */
const DOCUMENT_BATCH = 100;
const DOCUMENT_BATCH_BYTES = 16 * 1024 * 1024;

/** Blocks that only hold other blocks: they give no line of their own. */
const CONTAINER_FLAVOURS = new Set(['affine:page', 'affine:surface', 'affine:note']);
const BLOB_FLAVOURS = new Set(['affine:image', 'affine:attachment']);

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);
/** Optional fields are left out when empty, as the app's JSON.stringify does with undefined. */
const optional = (value: unknown) => (value === null || value === undefined ? undefined : value);

async function childRows<T extends PgTable>(
  db: Db,
  table: T,
  column: PgColumn,
  parentIds: string[],
): Promise<Array<T['$inferSelect']>> {
  if (parentIds.length === 0) return [];
  const rows: Array<T['$inferSelect']> = [];
  for (let start = 0; start < parentIds.length; start += 500) {
    rows.push(
      ...((await db
        .select()
        .from(table as PgTable)
        .where(inArray(column, parentIds.slice(start, start + 500)))) as Array<T['$inferSelect']>),
    );
  }
  return rows;
}

/** A table's rows under `parentIds`, each long `data_url` left out (NULL) with its stored length. */
async function attachmentRows<T extends PgTable & { data_url: AnyPgColumn }>(
  db: Db,
  table: T,
  column: PgColumn,
  parentIds: string[],
): Promise<Array<Omit<T['$inferSelect'], 'data_url'> & { data_url: string | null; data_url_bytes: number }>> {
  const rows: Array<Omit<T['$inferSelect'], 'data_url'> & { data_url: string | null; data_url_bytes: number }> = [];
  for (let start = 0; start < parentIds.length; start += 500) {
    rows.push(
      ...((await db
        .select({
          ...getTableColumns(table as PgTable),
          data_url: shortValue(table.data_url),
          data_url_bytes: longValueBytes(table.data_url),
        })
        .from(table as PgTable)
        .where(inArray(column, parentIds.slice(start, start + 500)))) as typeof rows),
    );
  }
  return rows;
}

/**
 * A column's value as the file writes it: the short value read with the row, or, when the value
 * was too long to read with it (`bytes` > 0), a JsonStream that reads it alone as it is written.
 */
function longValue(
  db: Db,
  table: PgTable & { id: AnyPgColumn },
  column: AnyPgColumn,
  id: string,
  short: string | null,
  bytes: number,
): string | JsonStream | null {
  if (short !== null || bytes === 0) return short;
  return new JsonStream(async function* () {
    const [row] = await db.select({ value: column }).from(table).where(eq(table.id, id));
    yield JSON.stringify(row?.value ?? null);
  });
}

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

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = grouped.get(k);
    if (list) list.push(row);
    else grouped.set(k, [row]);
  }
  return grouped;
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
export function documentContent(state: Uint8Array | null): { lines: string; blobs: DocumentBlob[] } {
  if (!state) return { lines: '', blobs: [] };
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
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
  } finally {
    doc.destroy();
  }
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

/** Consecutive runs of `items` of at most `count` items and `bytes` (by `size`; one item at least). */
function* batchesOf<T>(items: readonly T[], count: number, bytes: number, size: (item: T) => number): Generator<T[]> {
  let batch: T[] = [];
  let batchBytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (batch.length > 0 && (batch.length >= count || batchBytes + itemBytes > bytes)) {
      yield batch;
      batch = [];
      batchBytes = 0;
    }
    batch.push(item);
    batchBytes += itemBytes;
  }
  if (batch.length > 0) yield batch;
}

/** Records read per store, for a summary line (the CLI). */
export type ExportCounts = Record<string, number>;

/**
 * The export file as JSON text, piece by piece, produced as the consumer reads (an HTTP answer, a
 * file, a zip entry): concatenated, the pieces are the file.
 */
export async function* exportFrameLordJson(
  db: Db,
  blobs: BlobService,
  userId: string,
  now = new Date(),
  counts: ExportCounts = {},
): AsyncGenerator<string> {
  const { noteCount, ...file } = await exportRecords(db, blobs, userId, now);
  const fields: StreamedRecord = {};
  for (const [store, value] of Object.entries(file)) {
    if (Array.isArray(value)) counts[store] = value.length;
    fields[store] = Array.isArray(value) ? recordArray(value as StreamedRecord[]) : value;
  }
  counts.framelord_notes = noteCount;
  yield* joinedPieces(jsonRecord(fields));
}

async function exportRecords(db: Db, blobs: BlobService, userId: string, now: Date) {
  const [contactZero] = await db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.user_id, userId), eq(contacts.is_contact_zero, true)));
  if (!contactZero) throw notFound('User');
  const sourceIds = await loadSourceIds(db, userId);
  const appId = (store: MappedStore, id: string) => sourceIds.get(store)?.get(id) ?? id;
  const contactId = (id: string) => (id === contactZero.id ? CONTACT_ZERO_SOURCE_ID : appId('contacts', id));

  // Contacts (Contact Zero first, under its constant id; the app's `archived` status is its delete).
  const contactRows = await db
    .select({
      ...getTableColumns(contacts),
      avatar_url: shortValue(contacts.avatar_url),
      avatar_url_bytes: longValueBytes(contacts.avatar_url),
    })
    .from(contacts)
    .where(eq(contacts.user_id, userId))
    .orderBy(desc(contacts.is_contact_zero), asc(contacts.created_at), asc(contacts.id));
  const contactRecords = contactRows.map((row) => ({
    id: contactId(row.id),
    fullName: row.full_name,
    avatarUrl: optional(longValue(db, contacts, contacts.avatar_url, row.id, row.avatar_url, row.avatar_url_bytes)),
    email: optional(row.email),
    phone: optional(row.phone),
    relationshipDomain: row.relationship_domain,
    relationshipRole: row.relationship_role,
    status: row.is_archived ? 'archived' : row.status,
    frame:
      row.frame_score === null && row.frame_trend === null && row.frame_last_scan_at === null
        ? undefined
        : { currentScore: row.frame_score, trend: row.frame_trend, lastScanAt: iso(row.frame_last_scan_at) },
    lastContactAt: iso(row.last_contact_at),
    nextActionAt: iso(row.next_action_at),
    tags: row.tags ?? [],
    company: optional(row.company),
    title: optional(row.title),
    location: optional(row.location),
    linkedinUrl: optional(row.linkedin_url),
    xHandle: optional(row.x_handle),
    mentionedInNotes: [],
    engagementEvents: [],
    linkedTopics: [],
    createdAt: iso(row.created_at),
  }));
  // Contacts carry no timestamps in the app: the creation time only orders them.
  const exportedContacts = [
    ...contactRecords.filter((record) => record.id === CONTACT_ZERO_SOURCE_ID),
    ...ordered(
      contactRecords.filter((record) => record.id !== CONTACT_ZERO_SOURCE_ID),
      (record) => record.createdAt,
      false,
    ),
  ].map(({ createdAt: _createdAt, ...record }) => record);

  // Folders: the account's PARA defaults under the app's constant ids.
  const folderRows = await db
    .select()
    .from(folders)
    .where(and(eq(folders.user_id, userId), eq(folders.is_archived, false)))
    .orderBy(asc(folders.created_at), asc(folders.id));
  // The same matching as the import, read backwards: account folder → the app's constant id.
  const folderIds = new Map(
    [...matchDefaultFolders(folderRows.filter((row) => row.is_default))].map(([sourceId, id]) => [id, sourceId]),
  );
  const folderId = (id: string | null) => (id === null ? null : (folderIds.get(id) ?? appId('folders', id)));
  const exportedFolders = folderRows.map((row) => ({
    id: folderId(row.id) as string,
    name: row.name,
    parentId: folderId(row.parent_id),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    order: row.sort_order,
    color: optional(row.color),
    icon: optional(row.icon),
  }));

  // Notes, newest first, with their document as plain-text lines.
  const noteRows = await db
    .select({
      id: notes.id,
      title: notes.title,
      icon: notes.icon,
      blocksuite_doc_id: notes.blocksuite_doc_id,
      kind: notes.kind,
      date_key: notes.date_key,
      folder_id: notes.folder_id,
      is_inbox: notes.is_inbox,
      tags: notes.tags,
      preferred_view: notes.preferred_view,
      is_pinned_home: notes.is_pinned_home,
      is_pinned: notes.is_pinned,
      is_archived: notes.is_archived,
      created_at: notes.created_at,
      updated_at: notes.updated_at,
      sync_version: notes.sync_version,
      // What reading its document costs: the stored state and the update log after it.
      document_bytes:
        sql<number>`coalesce(octet_length(${notes.blocksuite_doc}), 0) + coalesce((select sum(octet_length(${qualified(noteUpdates.update)})) from ${noteUpdates} where ${qualified(noteUpdates.note_id)} = ${qualified(notes.id)}), 0)`.mapWith(
          Number,
        ),
    })
    .from(notes)
    .where(eq(notes.user_id, userId))
    .orderBy(desc(notes.created_at), asc(notes.id));
  const noteTargets = groupBy(
    await childRows(
      db,
      noteTargetContacts,
      noteTargetContacts.note_id,
      noteRows.map((row) => row.id),
    ),
    (row) => row.note_id,
  );
  // In the file's order (newest first), then read a batch of documents per statement, each batch
  // bounded in stored bytes, and written before the next is read.
  const notesInOrder = ordered(
    noteRows.map((row) => ({ row, id: appId('notes', row.id), createdAt: iso(row.created_at) })),
    (note) => note.createdAt,
    true,
  );
  const noteRecords = async function* (): AsyncGenerator<StreamedRecord> {
    for (const batch of batchesOf(
      notesInOrder,
      DOCUMENT_BATCH,
      DOCUMENT_BATCH_BYTES,
      (note) => note.row.document_bytes,
    )) {
      const documentStates = await loadCurrentDocumentStates(
        db,
        batch.map((note) => note.row.id),
      );
      for (const { row, id, createdAt } of batch) {
        const document = documentContent(documentStates.get(row.id) ?? null);
        documentStates.delete(row.id);
        yield {
          id,
          title: row.title,
          blocksuiteDocId: row.blocksuite_doc_id,
          createdAt,
          updatedAt: iso(row.updated_at),
          authorContactId: CONTACT_ZERO_SOURCE_ID,
          targetContactIds: (noteTargets.get(row.id) ?? []).map((target) => contactId(target.contact_id)).sort(),
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
          attachments: recordArray(noteAttachments(blobs, userId, document.blobs, createdAt)),
          contactId: CONTACT_ZERO_SOURCE_ID,
        };
      }
    }
  };

  // Tasks and interactions, newest first. Archived ones have no form in the app: left out.
  const taskRows = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.user_id, userId), eq(tasks.is_archived, false)))
    .orderBy(desc(tasks.created_at), asc(tasks.id));
  const exportedTasks = taskRows.map((row) => ({
    id: appId('tasks', row.id),
    contactId: contactId(row.contact_id),
    title: row.title,
    dueAt: iso(row.due_at),
    status: row.status,
    createdAt: iso(row.created_at),
  }));

  const interactionRows = await db
    .select({
      ...getTableColumns(interactions),
      summary: shortValue(interactions.summary),
      summary_bytes: longValueBytes(interactions.summary),
    })
    .from(interactions)
    .where(and(eq(interactions.user_id, userId), eq(interactions.is_archived, false)))
    .orderBy(desc(interactions.occurred_at), asc(interactions.id));
  const attachmentsByInteraction = groupBy(
    await attachmentRows(
      db,
      interactionAttachments,
      interactionAttachments.interaction_id,
      interactionRows.map((row) => row.id),
    ),
    (row) => row.interaction_id,
  );
  const exportedInteractions = interactionRows.map((row) => {
    const id = appId('interactions', row.id);
    return {
      id,
      contactId: contactId(row.contact_id),
      authorContactId: contactId(row.author_contact_id),
      type: row.type,
      occurredAt: iso(row.occurred_at),
      summary: longValue(db, interactions, interactions.summary, row.id, row.summary, row.summary_bytes),
      attachments: recordArray(
        (attachmentsByInteraction.get(row.id) ?? [])
          .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))
          .map((attachment) => ({
            id: childIdFromSourceId(id, appId('interaction_attachments', attachment.id)) ?? attachment.id,
            interactionId: id,
            fileName: attachment.file_name,
            mimeType: attachment.mime_type,
            dataUrl: longValue(
              db,
              interactionAttachments,
              interactionAttachments.data_url,
              attachment.id,
              attachment.data_url,
              attachment.data_url_bytes,
            ),
            createdAt: iso(attachment.created_at),
          })),
      ),
    };
  });

  const topicRows = await db
    .select()
    .from(topics)
    .where(and(eq(topics.user_id, userId), eq(topics.is_archived, false)))
    .orderBy(asc(topics.created_at), asc(topics.slug));
  const exportedTopics = topicRows
    .map((row) => ({
      id: row.id,
      label: row.label,
      slug: row.slug,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      noteIds: [],
      contactIds: [],
    }))
    .sort((a, b) => compareKeys([a.createdAt, a.slug], [b.createdAt, b.slug]));

  // Groups and memberships.
  const groupRows = await db
    .select({
      ...getTableColumns(groups),
      description: shortValue(groups.description),
      description_bytes: longValueBytes(groups.description),
      banner_url: shortValue(groups.banner_url),
      banner_url_bytes: longValueBytes(groups.banner_url),
    })
    .from(groups)
    .where(and(eq(groups.user_id, userId), eq(groups.is_archived, false)))
    .orderBy(asc(groups.created_at), asc(groups.id));
  const memberships = await childRows(
    db,
    groupMemberships,
    groupMemberships.group_id,
    groupRows.map((row) => row.id),
  );
  const exportedGroups = groupRows.map((row) => ({
    id: appId('groups', row.id),
    name: row.name,
    description: optional(longValue(db, groups, groups.description, row.id, row.description, row.description_bytes)),
    bannerUrl: optional(longValue(db, groups, groups.banner_url, row.id, row.banner_url, row.banner_url_bytes)),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }));
  const exportedMemberships = memberships
    .map((row) => ({
      groupId: appId('groups', row.group_id),
      contactId: contactId(row.contact_id),
      joinedAt: iso(row.joined_at),
    }))
    .sort((a, b) => compareKeys([a.groupId, a.joinedAt, a.contactId], [b.groupId, b.joinedAt, b.contactId]));

  // Projects with sections, task links and attachments.
  const projectRows = await db
    .select({
      ...getTableColumns(projects),
      description: shortValue(projects.description),
      description_bytes: longValueBytes(projects.description),
      banner_url: shortValue(projects.banner_url),
      banner_url_bytes: longValueBytes(projects.banner_url),
    })
    .from(projects)
    .where(eq(projects.user_id, userId))
    .orderBy(asc(projects.created_at), asc(projects.id));
  const projectIds = projectRows.map((row) => row.id);
  const related = groupBy(
    await childRows(db, projectRelatedContacts, projectRelatedContacts.project_id, projectIds),
    (row) => row.project_id,
  );
  const sectionRows = (await childRows(db, projectSections, projectSections.project_id, projectIds)).sort(
    (a, b) => a.sort_order - b.sort_order || a.created_at.getTime() - b.created_at.getTime(),
  );
  const sectionsByProject = groupBy(sectionRows, (row) => row.project_id);
  const linkRows = (await childRows(db, projectTaskLinks, projectTaskLinks.project_id, projectIds)).sort(
    (a, b) => a.sort_order - b.sort_order || a.created_at.getTime() - b.created_at.getTime(),
  );
  const projectFiles = groupBy(
    await attachmentRows(db, projectAttachments, projectAttachments.project_id, projectIds),
    (row) => row.project_id,
  );
  const exportedProjects = projectRows.map((row) => {
    const id = appId('projects', row.id);
    return {
      id,
      name: row.name,
      isGroupProject: row.is_group_project,
      groupMemberIds: [],
      groupGoals: [],
      description: longValue(db, projects, projects.description, row.id, row.description, row.description_bytes) ?? '',
      bannerUrl: optional(longValue(db, projects, projects.banner_url, row.id, row.banner_url, row.banner_url_bytes)),
      primaryContactId: contactId(row.primary_contact_id),
      relatedContactIds: (related.get(row.id) ?? []).map((member) => contactId(member.contact_id)).sort(),
      status: row.is_archived ? 'archived' : row.status,
      priority: row.priority,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      startDate: row.start_date,
      dueDate: row.due_date,
      sectionIds: (sectionsByProject.get(row.id) ?? []).map((section) => appId('project_sections', section.id)),
      topicIds: [],
      groupIds: [],
      attachments: recordArray(
        (projectFiles.get(row.id) ?? [])
          .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))
          .map((attachment) => ({
            id: childIdFromSourceId(id, appId('project_attachments', attachment.id)) ?? attachment.id,
            projectId: id,
            fileName: attachment.file_name,
            mimeType: attachment.mime_type,
            dataUrl: longValue(
              db,
              projectAttachments,
              projectAttachments.data_url,
              attachment.id,
              attachment.data_url,
              attachment.data_url_bytes,
            ),
            uploadedBy: contactId(attachment.uploaded_by),
            createdAt: iso(attachment.created_at),
          })),
      ),
    };
  });
  const exportedSections = sectionRows.map((row) => ({
    id: appId('project_sections', row.id),
    projectId: appId('projects', row.project_id),
    name: row.name,
    sortOrder: row.sort_order,
    createdAt: iso(row.created_at),
  }));
  const exportedLinks = linkRows.map((row) => ({
    id: appId('project_task_links', row.id),
    projectId: appId('projects', row.project_id),
    sectionId: appId('project_sections', row.section_id),
    taskId: appId('tasks', row.task_id),
    sortOrder: row.sort_order,
    createdAt: iso(row.created_at),
  }));

  // Pipelines.
  const templateRows = await db
    .select({
      ...getTableColumns(pipelineTemplates),
      description: shortValue(pipelineTemplates.description),
      description_bytes: longValueBytes(pipelineTemplates.description),
    })
    .from(pipelineTemplates)
    .where(and(eq(pipelineTemplates.user_id, userId), eq(pipelineTemplates.is_archived, false)))
    .orderBy(asc(pipelineTemplates.created_at), asc(pipelineTemplates.id));
  const stagesByTemplate = groupBy(
    (
      await childRows(
        db,
        pipelineStageTemplates,
        pipelineStageTemplates.template_id,
        templateRows.map((row) => row.id),
      )
    ).sort((a, b) => a.sort_order - b.sort_order),
    (row) => row.template_id,
  );
  const stageIds = new Map<string, string>();
  const exportedTemplates = templateRows.map((row) => {
    const id = appId('pipeline_templates', row.id);
    return {
      id,
      name: row.name,
      description: optional(
        longValue(db, pipelineTemplates, pipelineTemplates.description, row.id, row.description, row.description_bytes),
      ),
      domain: row.domain,
      isDefault: row.is_default,
      stages: (stagesByTemplate.get(row.id) ?? []).map((stage) => {
        const stageId = childIdFromSourceId(id, appId('pipeline_stage_templates', stage.id)) ?? stage.id;
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
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  });
  const exportedTemplateIds = new Set(templateRows.map((row) => row.id));
  const itemRows = (
    await db
      .select()
      .from(pipelineItems)
      .where(eq(pipelineItems.user_id, userId))
      .orderBy(asc(pipelineItems.created_at), asc(pipelineItems.id))
  ).filter((row) => exportedTemplateIds.has(row.template_id));
  const exportedItems = itemRows.map((row) => ({
    id: appId('pipeline_items', row.id),
    templateId: appId('pipeline_templates', row.template_id),
    contactId: contactId(row.contact_id),
    label: optional(row.label),
    currentStageId: stageIds.get(row.current_stage_id) ?? row.current_stage_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    status: row.is_archived ? 'archived' : row.status,
    closedAt: iso(row.closed_at),
    value: optional(row.value),
  }));

  return {
    exportedAt: now.toISOString(),
    framelord_contacts: exportedContacts,
    framelord_notes: recordArray(noteRecords()),
    noteCount: noteRows.length,
    framelord_tasks: ordered(exportedTasks, (record) => record.createdAt, true),
    interactions: ordered(exportedInteractions, (record) => record.occurredAt, true),
    topics: exportedTopics,
    folders: ordered(exportedFolders, (record) => record.createdAt, false),
    groups: ordered(exportedGroups, (record) => record.createdAt, false),
    groupMemberships: exportedMemberships,
    projects: ordered(exportedProjects, (record) => record.createdAt, false),
    projectSections: exportedSections.sort((a, b) =>
      compareKeys([a.projectId, a.sortOrder, a.createdAt, a.id], [b.projectId, b.sortOrder, b.createdAt, b.id]),
    ),
    projectTaskLinks: exportedLinks.sort((a, b) =>
      compareKeys([a.projectId, a.sectionId, a.sortOrder, a.id], [b.projectId, b.sectionId, b.sortOrder, b.id]),
    ),
    pipelineTemplates: ordered(exportedTemplates, (record) => record.createdAt, false),
    pipelineItems: ordered(exportedItems, (record) => record.createdAt, false),
  };
}
