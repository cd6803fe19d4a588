import { index, pgTable, primaryKey, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, syncMetadata, archivedIndex } from './columns.ts';
import { notes } from './notes.ts';
import { users } from './users.ts';

export const topics = pgTable(
  'topics',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: varchar({ length: 255 }).notNull(),
    slug: varchar({ length: 255 }).notNull(),
    ...syncMetadata(),
  },
  (t) => [
    unique('topics_user_id_slug_key').on(t.user_id, t.slug),
    index('idx_topics_user_id').on(t.user_id),
    index('idx_topics_slug').on(t.user_id, t.slug),
    index('idx_topics_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_topics_archived', t),
  ],
);

export const noteTopics = pgTable(
  'note_topics',
  {
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    topic_id: uuid()
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.note_id, t.topic_id] }),
    index('idx_note_topics_topic_id').on(t.topic_id),
    index('idx_note_topics_note_id').on(t.note_id),
  ],
);
