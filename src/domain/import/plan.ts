// The transform: a validated export + the account → the entities the import wants, with row ids
// from the id map, one function per store of the file (docs/formats/framelord-export.md §4). Pure
// apart from the id allocator: nothing here reads or writes the database; the writer
// (write-entities.ts) hands the entities to the resource layer.
import { randomUUID } from 'node:crypto';
import { extractWikiLabels } from '../blocksuite/wiki-labels.ts';
import { topicSlug } from '../blocksuite/slug.ts';
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
  email: string;
  defaultFolders: ReadonlyArray<{ id: string; name: string; sort_order: number }>;
}

/** Column values, as the table stores them (timestamps as Date). */
export type Values = Record<string, unknown>;

/** An item of a nested collection (docs/sync.md: it travels inside its parent entity). */
export interface PlannedItem {
  /** The item's id, or, in a membership set, the member's. */
  id: string;
  /** The item's fields (none for a member). */
  values?: Values;
  /** Server-owned values it is inserted with: its creation time, uploader, a membership's `joined_at`. */
  copied?: Values;
}

export interface PlannedEntity {
  id: string;
  /** Where the file holds the record, to name it in a refusal. */
  where: string;
  /** Columns the file decides, compared on a re-run. */
  values: Values;
  /** Columns written only when the row is created (a note's title: the document owns it then). */
  insertOnly?: Values;
  createdAt: Date;
  updatedAt: Date;
  /** The time the file's record is as of; a row changed on the server after it is kept. null: the file wins. */
  asOf: Date | null;
  /** Nested collections travelling with the entity, by the resource's field name. */
  nested?: Record<string, PlannedItem[]>;
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
  groups: PlannedEntity[];
  projects: PlannedEntity[];
  pipelineTemplates: PlannedEntity[];
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
const record = (store: string, index: number, id?: string | null) => `${store}[${index}]${id ? ` "${id}"` : ''}`;

/** A topics-store label normalised like a content label (cut at `|`/`#`, whitespace collapsed). */
function normalizeStoreLabel(label: string): string {
  return extractWikiLabels(`[[${label.replace(/[[\]\n\r\u2028\u2029]/g, ' ')}]]`)[0] ?? '';
}

/** What every store's planner shares: the file, the account, the id map and the references between stores. */
class PlanScope {
  readonly warnings: string[] = [];
  private readonly fileContactIds: Set<string>;
  private readonly defaultFolderIds: Map<string, string>;
  private readonly fileFolderIds: Set<string>;
  /** Filled by the tasks planner, read by the projects planner. */
  readonly importedTaskSourceIds = new Set<string>();

  readonly input: PlanInput;

  constructor(input: PlanInput) {
    this.input = input;
    this.fileContactIds = new Set(input.file.framelord_contacts.map((contact) => contact.id));
    this.defaultFolderIds = matchDefaultFolders(input.account.defaultFolders);
    this.fileFolderIds = new Set(input.file.folders.map((folder) => folder.id));
  }

  get contactZeroId(): string {
    return this.input.account.contactZeroId;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** An icon or colour too long for its column is dropped rather than failing the import. */
  cosmetic(value: string | null, max: number, where: string): string | null {
    if (value === null || characters(value) <= max) return value;
    this.warn(`${where}: longer than ${max} characters; dropped`);
    return null;
  }

  /** Contact Zero is the account's own row, matched and never written (docs/formats/framelord-export.md §4.5). */
  contactRef(sourceId: string | null | undefined): string | undefined {
    if (sourceId === undefined || sourceId === null) return undefined;
    if (sourceId === CONTACT_ZERO_SOURCE_ID) return this.contactZeroId;
    return this.fileContactIds.has(sourceId) ? this.input.ids.idOf('contacts', sourceId) : undefined;
  }

  /** A contact reference that may fall back to Contact Zero (an author, an uploader), with a warning. */
  contactOrZero(sourceId: string | null | undefined, warning: string): string {
    const id = this.contactRef(sourceId);
    if (id !== undefined) return id;
    if (sourceId) this.warn(warning);
    return this.contactZeroId;
  }

  /** Contacts of a set, dangling ones dropped with a warning, each once. */
  contactSet(sourceIds: readonly string[], warning: (sourceId: string) => string): PlannedItem[] {
    const members = new Set<string>();
    for (const sourceId of sourceIds) {
      const contactId = this.contactRef(sourceId);
      if (contactId === undefined) this.warn(warning(sourceId));
      else members.add(contactId);
    }
    return [...members].map((id) => ({ id }));
  }

  /** PARA defaults → the account's defaults, `inbox` → no folder, the rest new rows. */
  folderRef(sourceId: string | null | undefined, where: string): string | null {
    if (sourceId === undefined || sourceId === null || sourceId === '' || sourceId === INBOX_FOLDER_SOURCE_ID)
      return null;
    const matched = this.defaultFolderIds.get(sourceId);
    if (matched) return matched;
    if (this.fileFolderIds.has(sourceId)) return this.input.ids.idOf('folders', sourceId);
    this.warn(`${where}: folder "${sourceId}" is not in the file; the reference is dropped`);
    return null;
  }

  isDefaultFolder(sourceId: string): boolean {
    return this.defaultFolderIds.has(sourceId);
  }
}

export function buildImportPlan(input: PlanInput): ImportPlan {
  const scope = new PlanScope(input);
  // In the file's order of stores: warnings come out in it, and projects need the tasks planned.
  const contacts = planContacts(scope);
  const folders = planFolders(scope);
  const notes = planNotes(scope);
  const topics = planTopics(scope);
  const tasks = planTasks(scope);
  const interactions = planInteractions(scope);
  const groups = planGroups(scope);
  const projects = planProjects(scope);
  const pipelines = planPipelines(scope);
  return {
    contacts,
    folders,
    notes,
    topics,
    tasks,
    interactions,
    groups,
    projects,
    ...pipelines,
    warnings: scope.warnings,
  };
}

function planContacts(scope: PlanScope): PlannedEntity[] {
  const { file, ids, now } = scope.input;
  return file.framelord_contacts.flatMap((contact, index) => {
    if (contact.id === CONTACT_ZERO_SOURCE_ID) return [];
    const where = record('framelord_contacts', index, contact.id);
    const score = contact.frame?.currentScore;
    return [
      {
        id: ids.idOf('contacts', contact.id),
        where,
        values: {
          full_name: contact.fullName,
          email: contact.email,
          phone: contact.phone,
          avatar_url: checkedOptionalDataUrl(`${where}.avatarUrl`, contact.avatarUrl),
          relationship_domain: contact.relationshipDomain,
          relationship_role: contact.relationshipRole,
          status: contact.status,
          frame_score: score === undefined || score === null ? null : Math.round(score),
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
        // Contacts carry no time in the app: the file's export time stands for all of them.
        asOf: file.exportedAt,
      },
    ];
  });
}

function planFolders(scope: PlanScope): PlannedEntity[] {
  const { file, ids, now } = scope.input;
  return foldersParentsFirst(file.folders, scope).map(({ folder, index }) => {
    const where = record('folders', index, folder.id);
    return {
      id: ids.idOf('folders', folder.id),
      where,
      values: {
        parent_id: scope.folderRef(folder.parentId, `${where}.parentId`),
        name: folder.name,
        icon: scope.cosmetic(folder.icon, 10, `${where}.icon`),
        color: scope.cosmetic(folder.color, 50, `${where}.color`),
        sort_order: folder.order ?? 0,
      },
      createdAt: folder.createdAt ?? now,
      updatedAt: folder.updatedAt ?? folder.createdAt ?? now,
      asOf: folder.updatedAt ?? folder.createdAt ?? file.exportedAt,
    };
  });
}

function planNotes(scope: PlanScope): PlannedNote[] {
  const { file, ids, takenDocIds, blobBlocks } = scope.input;
  const docIdsInFile = new Set<string>();
  return file.framelord_notes.map((note, index) => {
    const where = record('framelord_notes', index, note.id);
    const id = ids.idOf('notes', note.id);
    const targets = scope.contactSet(
      noteTargetSourceIds(note),
      (sourceId) => `${where}: target contact "${sourceId}" is not in the file; the reference is dropped`,
    );
    const kind = note.kind ?? 'note';
    const updatedAt = note.updatedAt ?? note.createdAt;
    return {
      id,
      where,
      values: {
        icon: scope.cosmetic(note.icon, 10, `${where}.icon`),
        kind,
        date_key: note.dateKey ?? (kind === 'log' ? dateOf(note.createdAt) : null),
        folder_id: scope.folderRef(note.folderId, `${where}.folderId`),
        is_inbox: note.isInbox,
        tags: note.tags,
        preferred_view: note.preferredView ?? 'doc',
        is_pinned_home: note.isPinnedHome,
        is_pinned: note.isPinned,
        is_archived: note.isArchived || note.deletedAt !== null,
      },
      // The document owns title and content once it exists (docs/formats/framelord-export.md §4.7):
      // a re-run leaves them.
      insertOnly: { title: note.title === null ? null : note.title.slice(0, NOTE_TITLE_COLUMN) },
      createdAt: note.createdAt,
      updatedAt,
      asOf: updatedAt,
      nested: { target_contact_ids: targets },
      docTitle: note.title ?? '',
      lines: contentLines(note.content),
      blobBlocks: blobBlocks?.get(note.id) ?? [],
      blocksuiteDocId: documentIdFor(note, id, takenDocIds, docIdsInFile, (message) =>
        scope.warn(`${where}: ${message}`),
      ),
    };
  });
}

/** The topics store (docs/formats/framelord-export.md §4.3): labels normalised, slugs recomputed, de-duplicated by slug. */
function planTopics(scope: PlanScope): PlannedTopic[] {
  const { file, now } = scope.input;
  const topics = new Map<string, PlannedTopic>();
  for (const topic of file.topics) {
    const label = normalizeStoreLabel(topic.label);
    const slug = topicSlug(label);
    if (slug === '' || topics.has(slug)) continue;
    const createdAt = topic.createdAt ?? now;
    topics.set(slug, { slug, label, createdAt, updatedAt: topic.updatedAt ?? createdAt });
  }
  return [...topics.values()];
}

/** The contact is required; without it the task is skipped (docs/formats/framelord-export.md §4.6). */
function planTasks(scope: PlanScope): PlannedEntity[] {
  const { file, ids } = scope.input;
  return file.framelord_tasks.flatMap((task, index) => {
    const where = record('framelord_tasks', index, task.id);
    const contactId = scope.contactRef(task.contactId);
    if (contactId === undefined) {
      scope.warn(`${where}: contact "${task.contactId}" is not in the file; the task is skipped`);
      return [];
    }
    scope.importedTaskSourceIds.add(task.id);
    return [
      {
        id: ids.idOf('tasks', task.id),
        where,
        values: {
          contact_id: contactId,
          title: task.title,
          description: null,
          status: task.status,
          due_at: task.dueAt ?? null,
        },
        createdAt: task.createdAt,
        updatedAt: task.createdAt,
        asOf: task.createdAt,
      },
    ];
  });
}

function planInteractions(scope: PlanScope): PlannedEntity[] {
  const { file, ids } = scope.input;
  return file.interactions.flatMap((interaction, index) => {
    const where = record('interactions', index, interaction.id);
    checkAttachmentsTotal(
      `${where}.attachments`,
      interaction.attachments.map((attachment) => attachment.dataUrl),
    );
    const contactId = scope.contactRef(interaction.contactId);
    if (contactId === undefined) {
      scope.warn(`${where}: contact "${interaction.contactId}" is not in the file; the interaction is skipped`);
      return [];
    }
    const author = scope.contactOrZero(
      interaction.authorContactId,
      `${where}: author "${interaction.authorContactId}" is not in the file; Contact Zero is the author`,
    );
    return [
      {
        id: ids.idOf('interactions', interaction.id),
        where,
        values: {
          contact_id: contactId,
          author_contact_id: author,
          type: interaction.type,
          summary: interaction.summary,
          occurred_at: interaction.occurredAt,
        },
        createdAt: interaction.occurredAt,
        updatedAt: interaction.occurredAt,
        asOf: interaction.occurredAt,
        nested: {
          attachments: interaction.attachments.map((attachment, attachmentIndex) => ({
            id: ids.idOf('interaction_attachments', childSourceId(interaction.id, attachment.id)),
            values: {
              file_name: attachment.fileName,
              mime_type: checkedDataUrlMime(
                `${where}.attachments[${attachmentIndex}].dataUrl`,
                attachment.dataUrl,
                attachment.mimeType,
              ),
              data_url: attachment.dataUrl,
            },
            copied: { created_at: attachment.createdAt ?? interaction.occurredAt },
          })),
        },
      },
    ];
  });
}

/** Groups and their memberships (a membership naming a missing group or contact is dropped). */
function planGroups(scope: PlanScope): PlannedEntity[] {
  const { file, ids, now } = scope.input;
  const groups = new Map<string, PlannedEntity & { nested: { member_contact_ids: PlannedItem[] } }>();
  file.groups.forEach((group, index) => {
    const where = record('groups', index, group.id);
    groups.set(group.id, {
      id: ids.idOf('groups', group.id),
      where,
      values: {
        name: group.name,
        description: group.description,
        banner_url: checkedOptionalDataUrl(`${where}.bannerUrl`, group.bannerUrl),
      },
      createdAt: group.createdAt ?? now,
      updatedAt: group.updatedAt ?? group.createdAt ?? now,
      asOf: group.updatedAt ?? group.createdAt ?? file.exportedAt,
      nested: { member_contact_ids: [] },
    });
  });
  for (const [index, membership] of file.groupMemberships.entries()) {
    const where = record('groupMemberships', index);
    const group = groups.get(membership.groupId);
    const contactId = scope.contactRef(membership.contactId);
    if (!group) {
      scope.warn(`${where}: group "${membership.groupId}" is not in the file; the membership is dropped`);
      continue;
    }
    if (contactId === undefined) {
      scope.warn(`${where}: contact "${membership.contactId}" is not in the file; the membership is dropped`);
      continue;
    }
    const members = group.nested.member_contact_ids;
    if (!members.some((member) => member.id === contactId))
      members.push({ id: contactId, copied: { joined_at: membership.joinedAt ?? group.createdAt } });
  }
  return [...groups.values()];
}

/** Projects with their related contacts, attachments, sections and task links. */
function planProjects(scope: PlanScope): PlannedEntity[] {
  const { file, ids, now } = scope.input;
  const projects = new Map<string, PlannedEntity & { nested: Record<'sections' | 'task_links', PlannedItem[]> }>();
  const fileProjectIds = new Set(file.projects.map((project) => project.id));
  for (const [index, project] of file.projects.entries()) {
    const where = record('projects', index, project.id);
    checkAttachmentsTotal(
      `${where}.attachments`,
      project.attachments.map((attachment) => attachment.dataUrl),
    );
    const primaryId = scope.contactRef(project.primaryContactId);
    if (primaryId === undefined) {
      scope.warn(`${where}: primary contact "${project.primaryContactId}" is not in the file; the project is skipped`);
      continue;
    }
    const createdAt = project.createdAt ?? now;
    projects.set(project.id, {
      id: ids.idOf('projects', project.id),
      where,
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
      nested: {
        related_contact_ids: scope.contactSet(
          unique(project.relatedContactIds),
          (sourceId) => `${where}: related contact "${sourceId}" is not in the file; the reference is dropped`,
        ),
        sections: [],
        task_links: [],
        attachments: project.attachments.map((attachment, attachmentIndex) => {
          const attachmentWhere = `${where}.attachments[${attachmentIndex}]`;
          return {
            id: ids.idOf('project_attachments', childSourceId(project.id, attachment.id)),
            values: {
              file_name: attachment.fileName,
              mime_type: checkedDataUrlMime(`${attachmentWhere}.dataUrl`, attachment.dataUrl, attachment.mimeType),
              data_url: attachment.dataUrl,
            },
            copied: {
              uploaded_by: scope.contactOrZero(
                attachment.uploadedBy,
                `${attachmentWhere}: uploader "${attachment.uploadedBy}" is not in the file; Contact Zero is the uploader`,
              ),
              created_at: attachment.createdAt ?? createdAt,
            },
          };
        }),
      },
    });
  }

  const sectionProjects = new Map<string, string>();
  for (const [index, section] of file.projectSections.entries()) {
    const where = record('projectSections', index, section.id);
    if (!fileProjectIds.has(section.projectId))
      throw structuralError(`${where}.projectId`, `names no project of the file ("${section.projectId}")`);
    sectionProjects.set(section.id, section.projectId);
    const project = projects.get(section.projectId);
    if (!project) {
      scope.warn(`${where}: its project was skipped; the section is skipped`);
      continue;
    }
    project.nested.sections.push({
      id: ids.idOf('project_sections', section.id),
      values: { name: section.name, sort_order: section.sortOrder ?? 0 },
      copied: { created_at: section.createdAt ?? now },
    });
  }

  const linkedTasks = new Set<string>();
  for (const [index, link] of file.projectTaskLinks.entries()) {
    const where = record('projectTaskLinks', index, link.id);
    if (!fileProjectIds.has(link.projectId))
      throw structuralError(`${where}.projectId`, `names no project of the file ("${link.projectId}")`);
    const sectionProject = sectionProjects.get(link.sectionId);
    if (sectionProject === undefined)
      throw structuralError(`${where}.sectionId`, `names no section of the file ("${link.sectionId}")`);
    if (sectionProject !== link.projectId)
      throw structuralError(`${where}.sectionId`, `names a section of another project ("${sectionProject}")`);
    const project = projects.get(link.projectId);
    if (!project) {
      scope.warn(`${where}: its project was skipped; the task link is skipped`);
      continue;
    }
    if (!scope.importedTaskSourceIds.has(link.taskId)) {
      scope.warn(`${where}: task "${link.taskId}" is not imported; the task link is dropped`);
      continue;
    }
    const pair = `${link.projectId}\u0000${link.taskId}`;
    if (linkedTasks.has(pair)) {
      scope.warn(`${where}: the task is already linked to this project; the link is dropped`);
      continue;
    }
    linkedTasks.add(pair);
    project.nested.task_links.push({
      id: ids.idOf('project_task_links', link.id),
      values: {
        section_id: ids.idOf('project_sections', link.sectionId),
        task_id: ids.idOf('tasks', link.taskId),
        sort_order: link.sortOrder ?? 0,
      },
      copied: { created_at: link.createdAt ?? now },
    });
  }
  return [...projects.values()];
}

/** Templates with their stages, and items. Automation is not run: its tasks are already in the tasks store (docs/formats/framelord-export.md §4.7). */
function planPipelines(scope: PlanScope): Pick<ImportPlan, 'pipelineTemplates' | 'pipelineItems'> {
  const { file, ids, now } = scope.input;
  const templateStages = new Map<string, Set<string>>();
  const pipelineTemplates = file.pipelineTemplates.map((template, index): PlannedEntity => {
    const where = record('pipelineTemplates', index, template.id);
    const createdAt = template.createdAt ?? now;
    templateStages.set(template.id, new Set(template.stages.map((stage) => stage.id)));
    return {
      id: ids.idOf('pipeline_templates', template.id),
      where,
      values: {
        name: template.name,
        description: template.description,
        domain: template.domain,
        is_default: template.isDefault,
      },
      createdAt,
      updatedAt: template.updatedAt ?? createdAt,
      asOf: template.updatedAt ?? template.createdAt ?? file.exportedAt,
      nested: {
        stages: template.stages.map((stage) => ({
          id: ids.idOf('pipeline_stage_templates', childSourceId(template.id, stage.id)),
          values: {
            name: stage.name,
            sort_order: stage.order,
            color: scope.cosmetic(stage.color, 50, `${where}.stages "${stage.id}".color`),
            auto_task_title: stage.autoTaskTitle,
            auto_task_due_in_days: stage.autoTaskDueInDays ?? null,
          },
          copied: { created_at: createdAt },
        })),
      },
    };
  });

  const pipelineItems = file.pipelineItems.flatMap((item, index): PlannedEntity[] => {
    const where = record('pipelineItems', index, item.id);
    const stages = templateStages.get(item.templateId);
    if (!stages)
      throw structuralError(`${where}.templateId`, `names no pipeline template of the file ("${item.templateId}")`);
    if (!stages.has(item.currentStageId))
      throw structuralError(
        `${where}.currentStageId`,
        `names no stage of template "${item.templateId}" ("${item.currentStageId}")`,
      );
    const contactId = scope.contactRef(item.contactId);
    if (contactId === undefined) {
      scope.warn(`${where}: contact "${item.contactId}" is not in the file; the item is skipped`);
      return [];
    }
    const createdAt = item.createdAt ?? now;
    return [
      {
        id: ids.idOf('pipeline_items', item.id),
        where,
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
      },
    ];
  });
  return { pipelineTemplates, pipelineItems };
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
  scope: PlanScope,
): Array<{ folder: FrameLordExport['folders'][number]; index: number }> {
  const imported = all
    .map((folder, index) => ({ folder, index }))
    .filter(({ folder }) => folder.id !== INBOX_FOLDER_SOURCE_ID && !scope.isDefaultFolder(folder.id));
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
        scope.warn(
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
