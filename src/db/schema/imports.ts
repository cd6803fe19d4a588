import { pgTable, primaryKey, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { users } from './users.ts';

/**
 * The FrameLord app's ids are clock-based strings that repeat across users and stores; each
 * (user, store, source id) maps to one row here so re-running an import lands on the same rows.
 */
export const importIdMap = pgTable(
  'import_id_map',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    store: varchar({ length: 50 }).notNull(),
    source_id: varchar({ length: 255 }).notNull(),
    target_id: uuid().notNull(),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.store, t.source_id] })],
);
