import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, primaryId, syncMetadata, tsvector, archivedIndex } from './columns.ts';
import { boundedText, neutralVectorSql } from './search-text.ts';
import { contacts } from './contacts.ts';
import { tasks } from './tasks.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

export const projects = pgTable(
  'projects',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    description: text(),
    banner_url: text(),
    primary_contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    status: varchar({ length: 50 }).notNull().default('active'),
    priority: varchar({ length: 20 }).notNull().default('medium'),
    start_date: date({ mode: 'string' }),
    due_date: date({ mode: 'string' }),
    is_group_project: boolean().notNull().default(false),
    ...syncMetadata(),
    // docs/search.md: what GET /search matches (neutral configuration: case and accents folded).
    search_vector: tsvector().generatedAlwaysAs(
      sql.raw(
        neutralVectorSql([
          ['name', 'A'],
          [boundedText('description'), 'B'],
        ]),
      ),
    ),
  },
  (t) => [
    ...textLengthChecks('projects', t),
    check('valid_status', sql`${t.status} IN ('active', 'on_hold', 'completed', 'archived')`),
    check('valid_priority', sql`${t.priority} IN ('low', 'medium', 'high', 'critical')`),
    index('idx_projects_user_id').on(t.user_id),
    index('idx_projects_primary_contact_id').on(t.primary_contact_id),
    index('idx_projects_status').on(t.status),
    index('idx_projects_priority').on(t.priority),
    index('idx_projects_due_date').on(t.due_date).where(sql`${t.due_date} IS NOT NULL`),
    index('idx_projects_user_search').using('gin', t.user_id, t.search_vector),
    index('idx_projects_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_projects_archived', t),
  ],
);

export const projectRelatedContacts = pgTable(
  'project_related_contacts',
  {
    project_id: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.project_id, t.contact_id] }),
    index('idx_project_related_contacts_contact_id').on(t.contact_id),
  ],
);

export const projectSections = pgTable(
  'project_sections',
  {
    id: primaryId(),
    project_id: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    sort_order: integer().notNull().default(0),
    created_at: createdAt(),
  },
  (t) => [index('idx_project_sections_project_id').on(t.project_id)],
);

export const projectTaskLinks = pgTable(
  'project_task_links',
  {
    id: primaryId(),
    project_id: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    section_id: uuid()
      .notNull()
      .references(() => projectSections.id, { onDelete: 'cascade' }),
    task_id: uuid()
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    sort_order: integer().notNull().default(0),
    created_at: createdAt(),
  },
  (t) => [
    unique('project_task_links_project_id_section_id_task_id_key').on(t.project_id, t.section_id, t.task_id),
    index('idx_project_task_links_project_id').on(t.project_id),
    index('idx_project_task_links_section_id').on(t.section_id),
    index('idx_project_task_links_task_id').on(t.task_id),
  ],
);

export const projectAttachments = pgTable(
  'project_attachments',
  {
    id: primaryId(),
    project_id: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    file_name: varchar({ length: 255 }).notNull(),
    mime_type: varchar({ length: 100 }).notNull(),
    data_url: text().notNull(),
    uploaded_by: uuid()
      .notNull()
      .references(() => contacts.id),
    created_at: createdAt(),
  },
  (t) => [...textLengthChecks('project_attachments', t), index('idx_project_attachments_project_id').on(t.project_id)],
);
