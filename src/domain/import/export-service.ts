// The reverse of the import: a user's data in the FrameLord export format (docs/formats/framelord-export.md), so a user
// can take their data out, and a file exported here imports back unchanged. Rows imported from the
// app keep the app's ids (through the id map); rows created here are named by their UUID, which
// the import recognises as the same row when the file comes back to the same account.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
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
import { childIdFromSourceId, loadSourceIds, type MappedStore } from './id-map.ts';
import { CONTACT_ZERO_SOURCE_ID } from './parse-export.ts';
import { matchDefaultFolders } from './plan.ts';

type Json = Record<string, unknown>;

/** Notes whose documents are read in one statement. */
const DOCUMENT_BATCH = 100;

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

/** A note's blobs as the app's legacy attachments (data URLs); keys the user has no blob for are left out. */
async function noteAttachments(
  blobs: BlobService,
  userId: string,
  refs: readonly DocumentBlob[],
  noteCreatedAt: string | null,
): Promise<Json[]> {
  const attachments: Json[] = [];
  for (const ref of refs) {
    let found: FoundBlob;
    try {
      found = await blobs.find({ userId }, ref.key);
    } catch (error) {
      if (isDomainError(error) && error.code === 'NOT_FOUND') continue;
      throw error;
    }
    const parts: Uint8Array[] = [];
    if (found.size > 0) for await (const part of blobs.read(found, { start: 0, end: found.size - 1 })) parts.push(part);
    const isImage = found.content_type.startsWith('image/');
    attachments.push({
      id: `attachment-${ref.key}`,
      type: isImage ? 'image' : 'file',
      dataUrl: `data:${found.content_type};base64,${Buffer.concat(parts).toString('base64')}`,
      filename: ref.name ?? `${isImage ? 'image' : 'file'}-${ref.key.slice(0, 8)}`,
      mimeType: found.content_type,
      // The note's time, not the upload's: an export of an import of an export stays the same.
      createdAt: noteCreatedAt,
    });
  }
  return attachments;
}

export async function exportFrameLordData(db: Db, blobs: BlobService, userId: string, now = new Date()): Promise<Json> {
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
    .select()
    .from(contacts)
    .where(eq(contacts.user_id, userId))
    .orderBy(desc(contacts.is_contact_zero), asc(contacts.created_at), asc(contacts.id));
  const contactRecords = contactRows.map((row) => ({
    id: contactId(row.id),
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
  const noteRecords: Array<Json & { id: string; createdAt: string | null }> = [];
  // Documents a batch of notes per statement, not a round trip per note; a batch at a time, so a
  // large account's documents are never all in memory as raw states at once.
  for (let start = 0; start < noteRows.length; start += DOCUMENT_BATCH) {
    const batch = noteRows.slice(start, start + DOCUMENT_BATCH);
    const documentStates = await loadCurrentDocumentStates(
      db,
      batch.map((row) => row.id),
    );
    for (const row of batch) {
      const document = documentContent(documentStates.get(row.id) ?? null);
      noteRecords.push({
        id: appId('notes', row.id),
        title: row.title,
        blocksuiteDocId: row.blocksuite_doc_id,
        createdAt: iso(row.created_at),
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
        attachments: await noteAttachments(blobs, userId, document.blobs, iso(row.created_at)),
        contactId: CONTACT_ZERO_SOURCE_ID,
      });
    }
  }

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
    .select()
    .from(interactions)
    .where(and(eq(interactions.user_id, userId), eq(interactions.is_archived, false)))
    .orderBy(desc(interactions.occurred_at), asc(interactions.id));
  const attachmentsByInteraction = groupBy(
    await childRows(
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
      summary: row.summary,
      attachments: (attachmentsByInteraction.get(row.id) ?? [])
        .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))
        .map((attachment) => ({
          id: childIdFromSourceId(id, appId('interaction_attachments', attachment.id)) ?? attachment.id,
          interactionId: id,
          fileName: attachment.file_name,
          mimeType: attachment.mime_type,
          dataUrl: attachment.data_url,
          createdAt: iso(attachment.created_at),
        })),
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
    .select()
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
    description: optional(row.description),
    bannerUrl: optional(row.banner_url),
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
    .select()
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
    await childRows(db, projectAttachments, projectAttachments.project_id, projectIds),
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
      description: row.description ?? '',
      bannerUrl: optional(row.banner_url),
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
      attachments: (projectFiles.get(row.id) ?? [])
        .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id))
        .map((attachment) => ({
          id: childIdFromSourceId(id, appId('project_attachments', attachment.id)) ?? attachment.id,
          projectId: id,
          fileName: attachment.file_name,
          mimeType: attachment.mime_type,
          dataUrl: attachment.data_url,
          uploadedBy: contactId(attachment.uploaded_by),
          createdAt: iso(attachment.created_at),
        })),
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
    .select()
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
      description: optional(row.description),
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
    framelord_notes: ordered(noteRecords, (record) => record.createdAt, true),
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
