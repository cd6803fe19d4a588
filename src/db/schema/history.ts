import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, uuid, varchar } from 'drizzle-orm/pg-core';
import { bytea, createdAt, primaryId } from './columns.ts';
import { notes } from './notes.ts';
import { users } from './users.ts';

/**
 * Earlier states of a note's document (docs/history-and-trash.md). Each row holds the FULL Yjs
 * state, deflated, so a version reads back without replaying anything and dropping one by
 * retention never breaks another. `user_id` repeats the note's owner so every query filters by
 * tenant without a join.
 */
export const noteVersions = pgTable(
  'note_versions',
  {
    id: primaryId(),
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** What made it: a document store while editing, the state a restore replaced, an import. */
    source: varchar({ length: 20 }).notNull(),
    title: varchar({ length: 500 }),
    /** Bytes of the Yjs state before compression. */
    size: integer().notNull(),
    /** Bytes stored (`state` deflated). */
    stored_size: integer().notNull(),
    state: bytea().notNull(),
    /**
     * The device (auth session of the owner) that made it: for `edit` the one whose edit is the
     * newest the version holds, for `restore` the one that asked for the restore, for `import` the
     * one that ran the import. Null when unknown. No foreign key: a version outlives nothing of it.
     */
    session_id: uuid(),
    /** The import run that made an `import` version (the `import_id` of its summary). */
    import_id: uuid(),
    created_at: createdAt(),
  },
  (t) => [
    check('valid_version_source', sql`${t.source} IN ('edit', 'restore', 'import')`),
    index('idx_note_versions_note_created').on(t.note_id, t.created_at.desc(), t.id),
    index('idx_note_versions_created_at').on(t.created_at),
  ],
);
