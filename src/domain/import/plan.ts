// The transform: a validated export + the account → the rows the import wants, with row ids from
// the id map. Pure apart from the id allocator: nothing here reads or writes the database, so the
// rules of docs/formats/framelord-export.md §4 live in one place and the writer only compares and writes.
import { randomUUID } from 'node:crypto';
import { extractWikiLabels } from '../blocksuite/wiki-labels.ts';
import { normalizeTitle, topicSlug } from '../blocksuite/slug.ts';
import type { BlobBlock } from '../blocksuite/build-document.ts';
import { isValidDocumentName } from '../documents/document-name.ts';
import type { FrameLordExport, NoteRecord } from './export-format.ts';
import { contentLines } from './html-content.ts';
import { childSourceId, type IdAllocator } from './id-map.ts';
import { CONTACT_ZERO_SOURCE_ID } from './parse-export.ts';
import { checkAttachmentsTotal, checkedDataUrlMime, checkedOptionalDataUrl, structuralError } from './record-checks.ts';

/**
 * The PARA folders' constant app ids and the account default folder each stands for
 * (docs/formats/framelord-export.md §4.4).
 */
export const DEFAULT_FOLDER_SOURCE_IDS = [
  { sourceId: 'folder-projects', name: 'Projects' },
  { sourceId: 'folder-areas', name: 'Areas' },
  { sourceId: 'folder-resources', name: 'Resources' },
  { sourceId: 'folder-archive', name: 'Archive' },
] as const;
/** The app's pseudo-folder: a note in it is in no folder. */
export const INBOX_FOLDER_SOURCE_ID = 'inbox';

export interface ImportAccount {
  userId: string;
  contactZeroId: string;
  defaultFolders: ReadonlyArray<{ id: string; name: string; sort_order: number }>;
}

export type Values = Record<string, unknown>;

export interface PlannedMember {
  id: string;
  /** Columns of the junction row besides the two ids (a membership's `joined_at`). */
  values?: Values;
}

export interface PlannedEntity {
  id: string;
  /** Columns the file decides, compared on a re-run. */
  values: Values;
  /** Columns written only when the row is created (a note's title and document id). */
  insertOnly?: Values;
  createdAt: Date;
  updatedAt: Date;
  /** The time the file's record is as of; a row changed on the server after it is kept. null: the file wins. */
  asOf: Date | null;
  /** Membership sets travelling with the entity, by junction name. */
  sets?: Record<string, PlannedMember[]>;
}

export interface PlannedNote extends PlannedEntity {
  /** The page title of the note's document. */
  docTitle: string;
  /** One paragraph per line. */
  lines: string[];
  /** Appended to a new note's document: its legacy attachments (docs/blobs.md). */
  blobBlocks: BlobBlock[];
  blocksuiteDocId: string;
}

export interface PlannedChild {
  id: string;
  parentId: string;
  values: Values;
  createdAt: Date;
}

export interface PlannedTopic {
  slug: string;
  label: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ImportPlan {
  contacts: PlannedEntity[];
  folders: PlannedEntity[];
  notes: PlannedNote[];
  topics: PlannedTopic[];
  tasks: PlannedEntity[];
  interactions: PlannedEntity[];
  interactionAttachments: PlannedChild[];
  groups: PlannedEntity[];
  projects: PlannedEntity[];
  projectSections: PlannedChild[];
  projectTaskLinks: PlannedChild[];
  projectAttachments: PlannedChild[];
  pipelineTemplates: PlannedEntity[];
  pipelineStages: PlannedChild[];
  pipelineItems: PlannedEntity[];
  warnings: string[];
}

export interface PlanInput {
  file: FrameLordExport;
  account: ImportAccount;
  ids: IdAllocator;
  /** Document ids already in use, by any user, with the note holding each. */
  takenDocIds: ReadonlyMap<string, string>;
  now: Date;
  /** Image/attachment blocks for the notes' legacy attachments, by the note's id in the file. */
  blobBlocks?: ReadonlyMap<string, BlobBlock[]>;
}

/** `notes.title` holds this much; the document keeps the whole title (as the live server does). */
const NOTE_TITLE_COLUMN = 500;
const characters = (value: string) => [...value].length;

const dateOf = (timestamp: Date) => timestamp.toISOString().slice(0, 10);
const roundMoney = (value: number) => Math.round(value * 100) / 100;
const unique = <T>(values: Iterable<T>) => [...new Set(values)];

/** A topics-store label normalised like a content label (cut at `|`/`#`, whitespace collapsed). */
function normalizeStoreLabel(label: string): string {
  return extractWikiLabels(`[[${label.replace(/[[\]\n\r\u2028\u2029]/g, ' ')}]]`)[0] ?? '';
}

export function buildImportPlan(input: PlanInput): ImportPlan {
  const { file, account, ids, now } = input;
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  /** An icon or colour too long for its column is dropped rather than failing the import. */
  const cosmetic = (value: string | null, max: number, where: string): string | null => {
    if (value === null || characters(value) <= max) return value;
    warn(`${where}: longer than ${max} characters; dropped`);
    return null;
  };
  const record = (store: string, index: number, id?: string | null) => `${store}[${index}]${id ? ` "${id}"` : ''}`;

  // Contacts: Contact Zero is the account's own row, matched and never written (docs/formats/framelord-export.md §4.5).
  const fileContactIds = new Set(file.framelord_contacts.map((contact) => contact.id));
  const contactRef = (sourceId: string | null | undefined): string | undefined => {
    if (sourceId === undefined || sourceId === null) return undefined;
    if (sourceId === CONTACT_ZERO_SOURCE_ID) return account.contactZeroId;
    return fileContactIds.has(sourceId) ? ids.idOf('contacts', sourceId) : undefined;
  };
  const contactsAsOf = file.exportedAt;
  const contacts: PlannedEntity[] = [];
  file.framelord_contacts.forEach((contact, index) => {
    if (contact.id === CONTACT_ZERO_SOURCE_ID) return;
    const where = record('framelord_contacts', index, contact.id);
    contacts.push({
      id: ids.idOf('contacts', contact.id),
      values: {
        full_name: contact.fullName,
        email: contact.email,
        phone: contact.phone,
        avatar_url: checkedOptionalDataUrl(`${where}.avatarUrl`, contact.avatarUrl),
        relationship_domain: contact.relationshipDomain,
        relationship_role: contact.relationshipRole,
        status: contact.status,
        frame_score:
          contact.frame?.currentScore === undefined || contact.frame?.currentScore === null
            ? null
            : Math.round(contact.frame.currentScore),
        frame_trend: contact.frame?.trend ?? null,
        frame_last_scan_at: contact.frame?.lastScanAt ?? null,
        last_contact_at: contact.lastContactAt,
        next_action_at: contact.nextActionAt,
        tags: contact.tags,
        company: contact.company,
        title: contact.title,
        location: contact.location,
        linkedin_url: contact.linkedinUrl,
        x_handle: contact.xHandle,
        is_archived: contact.status === 'archived',
      },
      createdAt: now,
      updatedAt: now,
      asOf: contactsAsOf,
    });
  });

  // Folders: PARA defaults → the account's defaults, `inbox` → no folder, the rest new rows.
  const defaultFolderIds = matchDefaultFolders(account.defaultFolders);
  const fileFolders = new Map(file.folders.map((folder, index) => [folder.id, { folder, index }]));
  const folderRef = (sourceId: string | null | undefined, where: string): string | null => {
    if (sourceId === undefined || sourceId === null || sourceId === '' || sourceId === INBOX_FOLDER_SOURCE_ID)
      return null;
    const matched = defaultFolderIds.get(sourceId);
    if (matched) return matched;
    if (fileFolders.has(sourceId)) return ids.idOf('folders', sourceId);
    warn(`${where}: folder "${sourceId}" is not in the file; the reference is dropped`);
    return null;
  };
  const folders: PlannedEntity[] = [];
  for (const { folder, index } of foldersParentsFirst(file.folders, defaultFolderIds, warn)) {
    const where = record('folders', index, folder.id);
    folders.push({
      id: ids.idOf('folders', folder.id),
      values: {
        parent_id: folderRef(folder.parentId, `${where}.parentId`),
        name: folder.name,
        icon: cosmetic(folder.icon, 10, `${where}.icon`),
        color: cosmetic(folder.color, 50, `${where}.color`),
        sort_order: folder.order ?? 0,
        is_default: false,
      },
      createdAt: folder.createdAt ?? now,
      updatedAt: folder.updatedAt ?? folder.createdAt ?? now,
      asOf: folder.updatedAt ?? folder.createdAt ?? file.exportedAt,
    });
  }

  // Notes.
  const docIdsInFile = new Set<string>();
  const notes: PlannedNote[] = [];
  file.framelord_notes.forEach((note, index) => {
    const where = record('framelord_notes', index, note.id);
    const id = ids.idOf('notes', note.id);
    const targets: PlannedMember[] = [];
    for (const sourceId of noteTargetSourceIds(note)) {
      const contactId = contactRef(sourceId);
      if (contactId === undefined)
        warn(`${where}: target contact "${sourceId}" is not in the file; the reference is dropped`);
      else if (!targets.some((target) => target.id === contactId)) targets.push({ id: contactId });
    }
    const kind = note.kind ?? 'note';
    const columnTitle = note.title === null ? null : note.title.slice(0, NOTE_TITLE_COLUMN);
    const updatedAt = note.updatedAt ?? note.createdAt;
    notes.push({
      id,
      values: {
        icon: cosmetic(note.icon, 10, `${where}.icon`),
        author_contact_id: account.contactZeroId,
        kind,
        date_key: note.dateKey ?? (kind === 'log' ? dateOf(note.createdAt) : null),
        folder_id: folderRef(note.folderId, `${where}.folderId`),
        is_inbox: note.isInbox,
        tags: note.tags,
        preferred_view: note.preferredView ?? 'doc',
        is_pinned_home: note.isPinnedHome,
        is_pinned: note.isPinned,
        is_archived: note.isArchived || note.deletedAt !== null,
      },
      // The document owns title and content once it exists (docs/formats/framelord-export.md §4.7):
      // a re-run leaves them.
      insertOnly: {
        title: columnTitle,
        title_normalized: columnTitle === null ? null : normalizeTitle(columnTitle).slice(0, NOTE_TITLE_COLUMN),
      },
      createdAt: note.createdAt,
      updatedAt,
      asOf: updatedAt,
      sets: { target_contact_ids: targets },
      docTitle: note.title ?? '',
      lines: contentLines(note.content),
      blobBlocks: input.blobBlocks?.get(note.id) ?? [],
      blocksuiteDocId: documentIdFor(note, id, input.takenDocIds, docIdsInFile, (message) =>
        warn(`${where}: ${message}`),
      ),
    });
  });

  // Topics store (docs/formats/framelord-export.md §4.3): labels normalised, slugs recomputed, de-duplicated by slug.
  const topics: PlannedTopic[] = [];
  const topicSlugs = new Set<string>();
  for (const topic of file.topics) {
    const label = normalizeStoreLabel(topic.label);
    const slug = topicSlug(label);
    if (slug === '' || topicSlugs.has(slug)) continue;
    topicSlugs.add(slug);
    topics.push({
      slug,
      label,
      createdAt: topic.createdAt ?? now,
      updatedAt: topic.updatedAt ?? topic.createdAt ?? now,
    });
  }

  // Tasks: the contact is required; without it the task is skipped (docs/formats/framelord-export.md §4.6).
  const tasks: PlannedEntity[] = [];
  const importedTaskSourceIds = new Set<string>();
  file.framelord_tasks.forEach((task, index) => {
    const where = record('framelord_tasks', index, task.id);
    const contactId = contactRef(task.contactId);
    if (contactId === undefined) {
      warn(`${where}: contact "${task.contactId}" is not in the file; the task is skipped`);
      return;
    }
    importedTaskSourceIds.add(task.id);
    tasks.push({
      id: ids.idOf('tasks', task.id),
      values: {
        contact_id: contactId,
        title: task.title,
        description: null,
        status: task.status,
        due_at: task.dueAt ?? null,
        created_by: account.contactZeroId,
      },
      createdAt: task.createdAt,
      updatedAt: task.createdAt,
      asOf: task.createdAt,
    });
  });

  // Interactions and their attachments.
  const interactions: PlannedEntity[] = [];
  const interactionAttachments: PlannedChild[] = [];
  file.interactions.forEach((interaction, index) => {
    const where = record('interactions', index, interaction.id);
    checkAttachmentsTotal(
      `${where}.attachments`,
      interaction.attachments.map((attachment) => attachment.dataUrl),
    );
    const contactId = contactRef(interaction.contactId);
    if (contactId === undefined) {
      warn(`${where}: contact "${interaction.contactId}" is not in the file; the interaction is skipped`);
      return;
    }
    let authorId = contactRef(interaction.authorContactId);
    if (authorId === undefined) {
      if (interaction.authorContactId)
        warn(`${where}: author "${interaction.authorContactId}" is not in the file; Contact Zero is the author`);
      authorId = account.contactZeroId;
    }
    const id = ids.idOf('interactions', interaction.id);
    interactions.push({
      id,
      values: {
        contact_id: contactId,
        author_contact_id: authorId,
        type: interaction.type,
        summary: interaction.summary,
        occurred_at: interaction.occurredAt,
      },
      createdAt: interaction.occurredAt,
      updatedAt: interaction.occurredAt,
      asOf: interaction.occurredAt,
    });
    interaction.attachments.forEach((attachment, attachmentIndex) => {
      const field = `${where}.attachments[${attachmentIndex}].dataUrl`;
      interactionAttachments.push({
        id: ids.idOf('interaction_attachments', childSourceId(interaction.id, attachment.id)),
        parentId: id,
        values: {
          file_name: attachment.fileName,
          mime_type: checkedDataUrlMime(field, attachment.dataUrl, attachment.mimeType),
          data_url: attachment.dataUrl,
        },
        createdAt: attachment.createdAt ?? interaction.occurredAt,
      });
    });
  });

  // Groups and memberships (a membership naming a missing group or contact is dropped).
  const groups: PlannedEntity[] = [];
  const groupIndex = new Map<string, PlannedEntity>();
  file.groups.forEach((group, index) => {
    const where = record('groups', index, group.id);
    const planned: PlannedEntity = {
      id: ids.idOf('groups', group.id),
      values: {
        name: group.name,
        description: group.description,
        banner_url: checkedOptionalDataUrl(`${where}.bannerUrl`, group.bannerUrl),
      },
      createdAt: group.createdAt ?? now,
      updatedAt: group.updatedAt ?? group.createdAt ?? now,
      asOf: group.updatedAt ?? group.createdAt ?? file.exportedAt,
      sets: { member_contact_ids: [] },
    };
    groups.push(planned);
    groupIndex.set(group.id, planned);
  });
  file.groupMemberships.forEach((membership, index) => {
    const where = record('groupMemberships', index);
    const group = groupIndex.get(membership.groupId);
    const contactId = contactRef(membership.contactId);
    if (!group) {
      warn(`${where}: group "${membership.groupId}" is not in the file; the membership is dropped`);
      return;
    }
    if (contactId === undefined) {
      warn(`${where}: contact "${membership.contactId}" is not in the file; the membership is dropped`);
      return;
    }
    const members = group.sets?.member_contact_ids as PlannedMember[];
    if (members.some((member) => member.id === contactId)) return;
    members.push({ id: contactId, values: { joined_at: membership.joinedAt ?? group.createdAt } });
  });

  // Projects, attachments, sections, task links.
  const projects: PlannedEntity[] = [];
  const projectAttachments: PlannedChild[] = [];
  const importedProjects = new Map<string, string>();
  const fileProjectIds = new Set(file.projects.map((project) => project.id));
  file.projects.forEach((project, index) => {
    const where = record('projects', index, project.id);
    checkAttachmentsTotal(
      `${where}.attachments`,
      project.attachments.map((attachment) => attachment.dataUrl),
    );
    const primaryId = contactRef(project.primaryContactId);
    if (primaryId === undefined) {
      warn(`${where}: primary contact "${project.primaryContactId}" is not in the file; the project is skipped`);
      return;
    }
    const related: PlannedMember[] = [];
    for (const sourceId of unique(project.relatedContactIds)) {
      const contactId = contactRef(sourceId);
      if (contactId === undefined)
        warn(`${where}: related contact "${sourceId}" is not in the file; the reference is dropped`);
      else if (!related.some((member) => member.id === contactId)) related.push({ id: contactId });
    }
    const id = ids.idOf('projects', project.id);
    importedProjects.set(project.id, id);
    const createdAt = project.createdAt ?? now;
    projects.push({
      id,
      values: {
        name: project.name,
        description: project.description,
        banner_url: checkedOptionalDataUrl(`${where}.bannerUrl`, project.bannerUrl),
        primary_contact_id: primaryId,
        status: project.status,
        priority: project.priority,
        start_date: project.startDate,
        due_date: project.dueDate,
        is_group_project: project.isGroupProject,
        is_archived: project.status === 'archived',
      },
      createdAt,
      updatedAt: project.updatedAt ?? createdAt,
      asOf: project.updatedAt ?? project.createdAt ?? file.exportedAt,
      sets: { related_contact_ids: related },
    });
    project.attachments.forEach((attachment, attachmentIndex) => {
      const attachmentWhere = `${where}.attachments[${attachmentIndex}]`;
      let uploadedBy = contactRef(attachment.uploadedBy);
      if (uploadedBy === undefined) {
        if (attachment.uploadedBy)
          warn(
            `${attachmentWhere}: uploader "${attachment.uploadedBy}" is not in the file; Contact Zero is the uploader`,
          );
        uploadedBy = account.contactZeroId;
      }
      projectAttachments.push({
        id: ids.idOf('project_attachments', childSourceId(project.id, attachment.id)),
        parentId: id,
        values: {
          file_name: attachment.fileName,
          mime_type: checkedDataUrlMime(`${attachmentWhere}.dataUrl`, attachment.dataUrl, attachment.mimeType),
          data_url: attachment.dataUrl,
          uploaded_by: uploadedBy,
        },
        createdAt: attachment.createdAt ?? createdAt,
      });
    });
  });

  const projectSections: PlannedChild[] = [];
  const sectionProjects = new Map<string, string>();
  file.projectSections.forEach((section, index) => {
    const where = record('projectSections', index, section.id);
    if (!fileProjectIds.has(section.projectId))
      throw structuralError(`${where}.projectId`, `names no project of the file ("${section.projectId}")`);
    sectionProjects.set(section.id, section.projectId);
    const projectId = importedProjects.get(section.projectId);
    if (projectId === undefined) {
      warn(`${where}: its project was skipped; the section is skipped`);
      return;
    }
    projectSections.push({
      id: ids.idOf('project_sections', section.id),
      parentId: projectId,
      values: { name: section.name, sort_order: section.sortOrder ?? 0 },
      createdAt: section.createdAt ?? now,
    });
  });

  const projectTaskLinks: PlannedChild[] = [];
  const linkedTasks = new Set<string>();
  file.projectTaskLinks.forEach((link, index) => {
    const where = record('projectTaskLinks', index, link.id);
    if (!fileProjectIds.has(link.projectId))
      throw structuralError(`${where}.projectId`, `names no project of the file ("${link.projectId}")`);
    const sectionProject = sectionProjects.get(link.sectionId);
    if (sectionProject === undefined)
      throw structuralError(`${where}.sectionId`, `names no section of the file ("${link.sectionId}")`);
    if (sectionProject !== link.projectId)
      throw structuralError(`${where}.sectionId`, `names a section of another project ("${sectionProject}")`);
    const projectId = importedProjects.get(link.projectId);
    if (projectId === undefined) {
      warn(`${where}: its project was skipped; the task link is skipped`);
      return;
    }
    if (!importedTaskSourceIds.has(link.taskId)) {
      warn(`${where}: task "${link.taskId}" is not imported; the task link is dropped`);
      return;
    }
    const pair = `${link.projectId}\u0000${link.taskId}`;
    if (linkedTasks.has(pair)) {
      warn(`${where}: the task is already linked to this project; the link is dropped`);
      return;
    }
    linkedTasks.add(pair);
    projectTaskLinks.push({
      id: ids.idOf('project_task_links', link.id),
      parentId: projectId,
      values: {
        section_id: ids.idOf('project_sections', link.sectionId),
        task_id: ids.idOf('tasks', link.taskId),
        sort_order: link.sortOrder ?? 0,
      },
      createdAt: link.createdAt ?? now,
    });
  });

  // Pipelines. Automation is not run: its tasks are already in the tasks store (docs/formats/framelord-export.md §4.7).
  const pipelineTemplates: PlannedEntity[] = [];
  const pipelineStages: PlannedChild[] = [];
  const templateStages = new Map<string, Set<string>>();
  for (const template of file.pipelineTemplates) {
    const id = ids.idOf('pipeline_templates', template.id);
    const createdAt = template.createdAt ?? now;
    templateStages.set(template.id, new Set(template.stages.map((stage) => stage.id)));
    const where = `pipelineTemplates[${file.pipelineTemplates.indexOf(template)}] "${template.id}"`;
    pipelineTemplates.push({
      id,
      values: {
        name: template.name,
        description: template.description,
        domain: template.domain,
        is_default: template.isDefault,
      },
      createdAt,
      updatedAt: template.updatedAt ?? createdAt,
      asOf: template.updatedAt ?? template.createdAt ?? file.exportedAt,
    });
    for (const stage of template.stages) {
      pipelineStages.push({
        id: ids.idOf('pipeline_stage_templates', childSourceId(template.id, stage.id)),
        parentId: id,
        values: {
          name: stage.name,
          sort_order: stage.order,
          color: cosmetic(stage.color, 50, `${where}.stages "${stage.id}".color`),
          auto_task_title: stage.autoTaskTitle,
          auto_task_due_in_days: stage.autoTaskDueInDays ?? null,
        },
        createdAt,
      });
    }
  }

  const pipelineItems: PlannedEntity[] = [];
  file.pipelineItems.forEach((item, index) => {
    const where = record('pipelineItems', index, item.id);
    const stages = templateStages.get(item.templateId);
    if (!stages)
      throw structuralError(`${where}.templateId`, `names no pipeline template of the file ("${item.templateId}")`);
    if (!stages.has(item.currentStageId))
      throw structuralError(
        `${where}.currentStageId`,
        `names no stage of template "${item.templateId}" ("${item.currentStageId}")`,
      );
    const contactId = contactRef(item.contactId);
    if (contactId === undefined) {
      warn(`${where}: contact "${item.contactId}" is not in the file; the item is skipped`);
      return;
    }
    const createdAt = item.createdAt ?? now;
    pipelineItems.push({
      id: ids.idOf('pipeline_items', item.id),
      values: {
        template_id: ids.idOf('pipeline_templates', item.templateId),
        current_stage_id: ids.idOf('pipeline_stage_templates', childSourceId(item.templateId, item.currentStageId)),
        contact_id: contactId,
        label: item.label,
        value: item.value === undefined || item.value === null ? null : roundMoney(item.value),
        status: item.status,
        closed_at: item.closedAt,
      },
      createdAt,
      updatedAt: item.updatedAt ?? createdAt,
      asOf: item.updatedAt ?? item.createdAt ?? file.exportedAt,
    });
  });

  return {
    contacts,
    folders,
    notes,
    topics,
    tasks,
    interactions,
    interactionAttachments,
    groups,
    projects,
    projectSections,
    projectTaskLinks,
    projectAttachments,
    pipelineTemplates,
    pipelineStages,
    pipelineItems,
    warnings,
  };
}

/**
 * The PARA constants → the account's default folders: by name, or (renamed) by position among the
 * defaults. Each account folder answers one constant at most.
 */
export function matchDefaultFolders(defaults: ImportAccount['defaultFolders']): Map<string, string> {
  const byPosition = [...defaults].sort((a, b) => a.sort_order - b.sort_order);
  const used = new Set<string>();
  const matched = new Map<string, string>();
  DEFAULT_FOLDER_SOURCE_IDS.forEach(({ sourceId, name }) => {
    const folder = defaults.find(
      (candidate) => !used.has(candidate.id) && candidate.name.toLowerCase() === name.toLowerCase(),
    );
    if (folder) {
      used.add(folder.id);
      matched.set(sourceId, folder.id);
    }
  });
  DEFAULT_FOLDER_SOURCE_IDS.forEach(({ sourceId }, index) => {
    const folder = byPosition[index];
    if (matched.has(sourceId) || !folder || used.has(folder.id)) return;
    used.add(folder.id);
    matched.set(sourceId, folder.id);
  });
  return matched;
}

/**
 * Note targets (docs/formats/framelord-export.md §4.5): targets ∪ mentions; a pre-unified note (no
 * `targetContactIds` key) uses its legacy fields.
 */
function noteTargetSourceIds(note: NoteRecord): string[] {
  if (note.targetContactIds !== undefined && note.targetContactIds !== null)
    return unique([...note.targetContactIds, ...note.mentions]);
  const legacy: string[] = [];
  if (note.contactId && note.contactId !== CONTACT_ZERO_SOURCE_ID) legacy.push(note.contactId);
  if (note.targetContactId) legacy.push(note.targetContactId);
  return unique([...legacy, ...note.mentionedContactIds, ...note.mentions]);
}

/**
 * The note keeps the app's document id when it is a valid name that no other note holds (another
 * user's, or an earlier note of this file); otherwise it gets a new UUID (docs/formats/framelord-export.md §6.1).
 */
function documentIdFor(
  note: NoteRecord,
  noteId: string,
  taken: ReadonlyMap<string, string>,
  inFile: Set<string>,
  warn: (message: string) => void,
): string {
  const wanted = note.blocksuiteDocId;
  if (wanted === null) return randomUUID();
  if (!isValidDocumentName(wanted)) {
    warn(`blocksuiteDocId "${wanted}" is not a valid document name; a new one is generated`);
    return randomUUID();
  }
  if (inFile.has(wanted)) {
    warn(`blocksuiteDocId "${wanted}" is used by an earlier note of the file; a new one is generated`);
    return randomUUID();
  }
  inFile.add(wanted);
  const holder = taken.get(wanted);
  // Held by another note (most likely another user's: the app's ids are clock-based and collide
  // by design). Said without naming anything about that note.
  return holder === undefined || holder === noteId ? wanted : randomUUID();
}

/**
 * Folders in an order where each parent comes before its children, so rows can be inserted in
 * one pass. A parent chain that loops is cut (with a warning) at the folder that closes it.
 */
function foldersParentsFirst(
  all: FrameLordExport['folders'],
  defaults: ReadonlyMap<string, string>,
  warn: (message: string) => void,
): Array<{ folder: FrameLordExport['folders'][number]; index: number }> {
  const imported = all
    .map((folder, index) => ({ folder, index }))
    .filter(({ folder }) => folder.id !== INBOX_FOLDER_SOURCE_ID && !defaults.has(folder.id));
  const byId = new Map(imported.map((entry) => [entry.folder.id, entry]));
  const ordered: typeof imported = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: (typeof imported)[number]) => {
    const stack: Array<(typeof imported)[number]> = [];
    let current: (typeof imported)[number] | undefined = entry;
    while (current && state.get(current.folder.id) === undefined) {
      state.set(current.folder.id, 'visiting');
      stack.push(current);
      const parentId: string | null | undefined = current.folder.parentId;
      const parent: (typeof imported)[number] | undefined = parentId ? byId.get(parentId) : undefined;
      if (parent && state.get(parent.folder.id) === 'visiting') {
        warn(
          `folders[${current.index}] "${current.folder.id}": its parent chain loops; it is imported at the top level`,
        );
        current.folder = { ...current.folder, parentId: null };
        break;
      }
      current = parent;
    }
    for (const item of stack.reverse()) {
      state.set(item.folder.id, 'done');
      ordered.push(item);
    }
  };
  for (const entry of imported) visit(entry);
  return ordered;
}
