// The FrameLord browser app's export (docs/formats/framelord-export.md): one schema per store, in
// the app's camelCase. Tolerant where that document says the app is (an optional field may be
// absent, null or ""; a missing store is empty; unknown keys are ignored), strict about types, so a
// record that is not what the app writes stops the import with its store and index named.
import { z } from 'zod';
import {
  CONTACT_STATUSES,
  FRAME_TRENDS,
  INTERACTION_TYPES,
  NOTE_KINDS,
  PIPELINE_DOMAINS,
  PIPELINE_ITEM_STATUSES,
  PREFERRED_VIEWS,
  PROJECT_PRIORITIES,
  PROJECT_STATUSES,
  RELATIONSHIP_DOMAINS,
  TASK_STATUSES,
} from '../resources/enums.ts';
import { DATA_URL_MAX_CHARS, LONG_TEXT_MAX_CHARS, URL_MAX_CHARS } from '../../db/schema/text-limits.ts';
import { hasNul, NUL_MESSAGE } from '../storable-text.ts';

/** PostgreSQL's varchar(n) counts characters (code points), not UTF-16 units. */
const characters = (value: string) => [...value].length;

/**
 * Every string of the file. PostgreSQL refuses NUL in text and jsonb, so such a record is refused
 * by name here instead of failing the transaction anonymously; lone surrogates would be stored as
 * U+FFFD and then differ from the file on every re-run, so they become U+FFFD up front.
 */
const str = z
  .string()
  .refine((value) => !hasNul(value), NUL_MESSAGE)
  .transform((value) => value.toWellFormed());

const text = (max?: number) =>
  max === undefined
    ? str
    : // Code points are counted only when the UTF-16 length is past the limit (it is never below the
      // code point count): spreading a 14 MB data URL into an array would cost far more than the text.
      str.refine((value) => value.length <= max || characters(value) <= max, `must be at most ${max} characters`);

/** An optional string: absent, null and "" all mean "none". */
const optionalText = (max?: number) =>
  text(max)
    .nullish()
    .transform((value) => (value === undefined || value === null || value === '' ? null : value));

const sourceId = str
  .refine((value) => value.length > 0, 'must not be empty')
  .refine((value) => characters(value) <= 255, 'must be at most 255 characters');

const timestamp = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
  .transform((value) => new Date(value));
const optionalTimestamp = timestamp.nullish().transform((value) => value ?? null);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const isCalendarDate = (value: string) =>
  DATE_ONLY.test(value) && new Date(`${value}T00:00:00.000Z`).toISOString().startsWith(value);
const dateOnly = z.string().refine(isCalendarDate, 'must be a date (YYYY-MM-DD)');
const optionalDate = dateOnly.nullish().transform((value) => value ?? null);

const flag = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);
const idList = z
  .array(str)
  .nullish()
  .transform((value) => value ?? []);
const tagList = idList;
// Stored in 32-bit integer columns.
const INT32 = 2_147_483_647;
const sortOrder = z
  .number()
  .min(-INT32)
  .max(INT32)
  .transform((value) => Math.round(value));

export const contactRecord = z.object({
  id: sourceId,
  fullName: text(255),
  avatarUrl: optionalText(DATA_URL_MAX_CHARS),
  email: optionalText(255),
  phone: optionalText(50),
  relationshipDomain: z.enum(RELATIONSHIP_DOMAINS),
  relationshipRole: text(100),
  status: z.enum(CONTACT_STATUSES),
  frame: z
    .object({
      currentScore: z.number().min(0).max(100).nullish(),
      trend: z.enum(FRAME_TRENDS).nullish(),
      lastScanAt: optionalTimestamp,
    })
    .nullish(),
  lastContactAt: optionalTimestamp,
  nextActionAt: optionalTimestamp,
  tags: tagList,
  company: optionalText(255),
  title: optionalText(255),
  location: optionalText(255),
  linkedinUrl: optionalText(URL_MAX_CHARS),
  xHandle: optionalText(255),
});

/** A legacy note attachment of the app: an image or file inline as a data URL (docs/blobs.md). */
const noteAttachmentRecord = z.object({
  id: str.nullish(),
  type: str.nullish(),
  dataUrl: str,
  filename: optionalText(255),
  fileName: optionalText(255),
  mimeType: optionalText(100),
  createdAt: optionalTimestamp,
});

export const noteRecord = z.object({
  id: sourceId,
  // Absent on pre-unified notes; null, "" and absent all mean untitled. Any length: the document
  // keeps it whole, the column a prefix (as the live server does).
  title: optionalText(),
  blocksuiteDocId: optionalText(),
  createdAt: timestamp,
  updatedAt: optionalTimestamp,
  authorContactId: str.nullish(),
  // Its absence (not its emptiness) marks a pre-unified legacy note (docs/formats/framelord-export.md §4.5).
  targetContactIds: z.array(str).nullish(),
  kind: z.enum(NOTE_KINDS).nullish(),
  dateKey: optionalDate,
  folderId: str.nullish(),
  isInbox: flag,
  tags: tagList,
  mentions: idList,
  preferredView: z.enum(PREFERRED_VIEWS).nullish(),
  isPinnedHome: flag,
  isPinned: flag,
  // Cosmetic: one too long for its column is dropped with a warning, not fatal.
  icon: optionalText(),
  isArchived: flag,
  deletedAt: optionalTimestamp,
  content: str.nullish().transform((value) => value ?? ''),
  contactId: str.nullish(),
  targetContactId: str.nullish(),
  mentionedContactIds: idList,
  // Become blobs plus image/attachment blocks at the end of a new note's document.
  attachments: z
    .array(noteAttachmentRecord)
    .nullish()
    .transform((value) => value ?? []),
});

export const taskRecord = z.object({
  id: sourceId,
  contactId: str,
  title: text(500),
  // An ISO timestamp or, as the app also writes, a date only.
  dueAt: z.union([timestamp, dateOnly.transform((value) => new Date(`${value}T00:00:00.000Z`))]).nullish(),
  status: z.enum(TASK_STATUSES),
  createdAt: timestamp,
});

const interactionAttachmentRecord = z.object({
  id: sourceId,
  fileName: text(255),
  mimeType: text(100),
  dataUrl: text(DATA_URL_MAX_CHARS),
  createdAt: optionalTimestamp,
});

export const interactionRecord = z.object({
  id: sourceId,
  contactId: str,
  authorContactId: str.nullish(),
  type: z.enum(INTERACTION_TYPES),
  occurredAt: timestamp,
  summary: text(LONG_TEXT_MAX_CHARS),
  attachments: z
    .array(interactionAttachmentRecord)
    .nullish()
    .transform((value) => value ?? []),
});

export const topicRecord = z.object({
  id: str.nullish(),
  label: str,
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
});

export const folderRecord = z.object({
  id: sourceId,
  name: text(255),
  parentId: str.nullish(),
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
  order: sortOrder.nullish(),
  // Cosmetic: one too long for its column is dropped with a warning, not fatal.
  color: optionalText(),
  icon: optionalText(),
});

export const groupRecord = z.object({
  id: sourceId,
  name: text(255),
  description: optionalText(LONG_TEXT_MAX_CHARS),
  bannerUrl: optionalText(DATA_URL_MAX_CHARS),
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
});

export const groupMembershipRecord = z.object({
  groupId: str,
  contactId: str,
  joinedAt: optionalTimestamp,
});

const projectAttachmentRecord = z.object({
  id: sourceId,
  fileName: text(255),
  mimeType: text(100),
  dataUrl: text(DATA_URL_MAX_CHARS),
  uploadedBy: str.nullish(),
  createdAt: optionalTimestamp,
});

export const projectRecord = z.object({
  id: sourceId,
  name: text(255),
  description: optionalText(LONG_TEXT_MAX_CHARS),
  bannerUrl: optionalText(DATA_URL_MAX_CHARS),
  primaryContactId: str,
  relatedContactIds: idList,
  status: z.enum(PROJECT_STATUSES),
  priority: z.enum(PROJECT_PRIORITIES),
  startDate: optionalDate,
  dueDate: optionalDate,
  isGroupProject: flag,
  attachments: z
    .array(projectAttachmentRecord)
    .nullish()
    .transform((value) => value ?? []),
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
});

export const projectSectionRecord = z.object({
  id: sourceId,
  projectId: str,
  name: text(255),
  sortOrder: sortOrder.nullish(),
  createdAt: optionalTimestamp,
});

export const projectTaskLinkRecord = z.object({
  id: sourceId,
  projectId: str,
  sectionId: str,
  taskId: str,
  sortOrder: sortOrder.nullish(),
  createdAt: optionalTimestamp,
});

const stageRecord = z.object({
  id: sourceId,
  name: text(255),
  order: sortOrder,
  color: optionalText(),
  autoTaskTitle: optionalText(500),
  autoTaskDueInDays: z.number().int().min(-INT32).max(INT32).nullish(),
});

export const pipelineTemplateRecord = z.object({
  id: sourceId,
  name: text(255),
  description: optionalText(LONG_TEXT_MAX_CHARS),
  domain: z.enum(PIPELINE_DOMAINS),
  isDefault: flag,
  stages: z
    .array(stageRecord)
    .nullish()
    .transform((value) => value ?? []),
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
});

export const pipelineItemRecord = z.object({
  id: sourceId,
  templateId: str,
  currentStageId: str,
  contactId: str,
  label: optionalText(255),
  // NUMERIC(12,2)
  value: z.number().gt(-1e10).lt(1e10).nullish(),
  status: z.enum(PIPELINE_ITEM_STATUSES),
  closedAt: optionalTimestamp,
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
});

/** Every store the format carries, by its key in the file, in the order the import reads them. */
export const STORE_SCHEMAS = {
  framelord_contacts: contactRecord,
  folders: folderRecord,
  framelord_notes: noteRecord,
  topics: topicRecord,
  framelord_tasks: taskRecord,
  interactions: interactionRecord,
  groups: groupRecord,
  groupMemberships: groupMembershipRecord,
  projects: projectRecord,
  projectSections: projectSectionRecord,
  projectTaskLinks: projectTaskLinkRecord,
  pipelineTemplates: pipelineTemplateRecord,
  pipelineItems: pipelineItemRecord,
} as const;

export type StoreKey = keyof typeof STORE_SCHEMAS;
export const STORE_KEYS = Object.keys(STORE_SCHEMAS) as StoreKey[];

export type ContactRecord = z.output<typeof contactRecord>;
export type NoteRecord = z.output<typeof noteRecord>;
export type TaskRecord = z.output<typeof taskRecord>;
export type InteractionRecord = z.output<typeof interactionRecord>;
export type TopicRecord = z.output<typeof topicRecord>;
export type FolderRecord = z.output<typeof folderRecord>;
export type GroupRecord = z.output<typeof groupRecord>;
export type GroupMembershipRecord = z.output<typeof groupMembershipRecord>;
export type ProjectRecord = z.output<typeof projectRecord>;
export type ProjectSectionRecord = z.output<typeof projectSectionRecord>;
export type ProjectTaskLinkRecord = z.output<typeof projectTaskLinkRecord>;
export type PipelineTemplateRecord = z.output<typeof pipelineTemplateRecord>;
export type PipelineItemRecord = z.output<typeof pipelineItemRecord>;

export type FrameLordExport = { [K in StoreKey]: Array<z.output<(typeof STORE_SCHEMAS)[K]>> } & {
  /** When the file was written, if it says; the "as of" time of records that carry none. */
  exportedAt: Date | null;
};
