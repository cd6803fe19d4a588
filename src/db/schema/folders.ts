import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, uuid, varchar, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { primaryId, syncMetadata, archivedIndex } from './columns.ts';
import { users } from './users.ts';

// Defined before notes (docs/architecture.md: dependency order): notes.folder_id references it.
export const folders = pgTable(
  'folders',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    parent_id: uuid().references((): AnyPgColumn => folders.id, { onDelete: 'cascade' }),
    name: varchar({ length: 255 }).notNull(),
    icon: varchar({ length: 10 }),
    color: varchar({ length: 50 }),
    sort_order: integer().notNull().default(0),
    is_default: boolean().notNull().default(false),
    ...syncMetadata(),
  },
  (t) => [
    index('idx_folders_user_id').on(t.user_id),
    index('idx_folders_parent_id').on(t.parent_id),
    index('idx_folders_is_default').on(t.user_id, t.is_default).where(sql`${t.is_default} = TRUE`),
    index('idx_folders_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_folders_archived', t),
  ],
);
