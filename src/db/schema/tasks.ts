import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { primaryId, syncMetadata, timestamptz, tsvector, archivedIndex } from './columns.ts';
import { boundedText, neutralVectorSql } from './search-text.ts';
import { contacts } from './contacts.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

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
    // docs/search.md: what GET /search matches (neutral configuration: case and accents folded).
    search_vector: tsvector().generatedAlwaysAs(
      sql.raw(
        neutralVectorSql([
          ['title', 'A'],
          [boundedText('description'), 'B'],
        ]),
      ),
    ),
    created_by: uuid().references(() => contacts.id),
  },
  (t) => [
    ...textLengthChecks('tasks', t),
    check('valid_status', sql`${t.status} IN ('open', 'done', 'blocked')`),
    index('idx_tasks_user_id').on(t.user_id),
    index('idx_tasks_contact_id').on(t.contact_id).where(sql`${t.is_archived} = FALSE`),
    index('idx_tasks_status').on(t.status).where(sql`${t.is_archived} = FALSE`),
    index('idx_tasks_due_at').on(t.due_at).where(sql`${t.due_at} IS NOT NULL AND ${t.is_archived} = FALSE`),
    index('idx_tasks_created_at').on(t.created_at.desc()),
    index('idx_tasks_user_search').using('gin', t.user_id, t.search_vector),
    index('idx_tasks_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_tasks_archived', t),
  ],
);
