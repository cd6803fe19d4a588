import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, numeric, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, syncMetadata, timestamptz, archivedIndex } from './columns.ts';
import { contacts } from './contacts.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

export const pipelineTemplates = pgTable(
  'pipeline_templates',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    description: text(),
    domain: varchar({ length: 50 }).notNull(),
    is_default: boolean().notNull().default(false),
    ...syncMetadata(),
  },
  (t) => [
    ...textLengthChecks('pipeline_templates', t),
    check('valid_domain', sql`${t.domain} IN ('business', 'personal', 'hybrid')`),
    index('idx_pipeline_templates_user_id').on(t.user_id),
    index('idx_pipeline_templates_domain').on(t.domain),
    index('idx_pipeline_templates_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_pipeline_templates_archived', t),
  ],
);

export const pipelineStageTemplates = pgTable(
  'pipeline_stage_templates',
  {
    id: primaryId(),
    template_id: uuid()
      .notNull()
      .references(() => pipelineTemplates.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    sort_order: integer().notNull(),
    color: varchar({ length: 50 }),
    auto_task_title: varchar({ length: 500 }),
    auto_task_due_in_days: integer(),
    created_at: createdAt(),
  },
  (t) => [index('idx_pipeline_stage_templates_template_id').on(t.template_id)],
);

export const pipelineItems = pgTable(
  'pipeline_items',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    template_id: uuid()
      .notNull()
      .references(() => pipelineTemplates.id, { onDelete: 'cascade' }),
    current_stage_id: uuid()
      .notNull()
      .references(() => pipelineStageTemplates.id),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    label: varchar({ length: 255 }),
    value: numeric({ precision: 12, scale: 2, mode: 'number' }),
    status: varchar({ length: 50 }).notNull().default('open'),
    ...syncMetadata(),
    closed_at: timestamptz(),
  },
  (t) => [
    check('valid_status', sql`${t.status} IN ('open', 'won', 'lost', 'archived')`),
    index('idx_pipeline_items_user_id').on(t.user_id),
    index('idx_pipeline_items_template_id').on(t.template_id),
    index('idx_pipeline_items_contact_id').on(t.contact_id),
    index('idx_pipeline_items_current_stage_id').on(t.current_stage_id),
    index('idx_pipeline_items_status').on(t.status),
    index('idx_pipeline_items_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_pipeline_items_archived', t),
  ],
);
