import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, syncMetadata, timestamptz, tsvector, archivedIndex } from './columns.ts';
import { boundedText, neutralVectorSql } from './search-text.ts';
import { contacts } from './contacts.ts';
import { users } from './users.ts';
import { textLengthChecks } from './text-limits.ts';

export const interactions = pgTable(
  'interactions',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    author_contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    type: varchar({ length: 50 }).notNull(),
    summary: text().notNull(),
    occurred_at: timestamptz().notNull(),
    ...syncMetadata(),
    // docs/search.md: what GET /search matches (neutral configuration: case and accents folded).
    search_vector: tsvector().generatedAlwaysAs(sql.raw(neutralVectorSql([[boundedText('summary'), 'A']]))),
  },
  (t) => [
    ...textLengthChecks('interactions', t),
    check('valid_type', sql`${t.type} IN ('call', 'meeting', 'message', 'email', 'dm', 'other')`),
    index('idx_interactions_user_id').on(t.user_id),
    index('idx_interactions_contact_id').on(t.contact_id),
    index('idx_interactions_occurred_at').on(t.occurred_at.desc()),
    index('idx_interactions_type').on(t.type),
    index('idx_interactions_user_search').using('gin', t.user_id, t.search_vector),
    index('idx_interactions_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_interactions_archived', t),
  ],
);

export const interactionAttachments = pgTable(
  'interaction_attachments',
  {
    id: primaryId(),
    interaction_id: uuid()
      .notNull()
      .references(() => interactions.id, { onDelete: 'cascade' }),
    file_name: varchar({ length: 255 }).notNull(),
    mime_type: varchar({ length: 100 }).notNull(),
    data_url: text().notNull(),
    created_at: createdAt(),
  },
  (t) => [
    ...textLengthChecks('interaction_attachments', t),
    index('idx_interaction_attachments_interaction_id').on(t.interaction_id),
  ],
);
