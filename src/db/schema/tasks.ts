import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { primaryId, syncMetadata, timestamptz, archivedIndex } from './columns.ts';
import { contacts } from './contacts.ts';
import { users } from './users.ts';

export const tasks = pgTable(
  'tasks',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    title: varchar({ length: 500 }).notNull(),
    description: text(),
    status: varchar({ length: 20 }).notNull().default('open'),
    due_at: timestamptz(),
    ...syncMetadata(),
    created_by: uuid().references(() => contacts.id),
  },
  (t) => [
    check('valid_status', sql`${t.status} IN ('open', 'done', 'blocked')`),
    index('idx_tasks_user_id').on(t.user_id),
    index('idx_tasks_contact_id').on(t.contact_id).where(sql`${t.is_archived} = FALSE`),
    index('idx_tasks_status').on(t.status).where(sql`${t.is_archived} = FALSE`),
    index('idx_tasks_due_at').on(t.due_at).where(sql`${t.due_at} IS NOT NULL AND ${t.is_archived} = FALSE`),
    index('idx_tasks_created_at').on(t.created_at.desc()),
    index('idx_tasks_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_tasks_archived', t),
  ],
);
