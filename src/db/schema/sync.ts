import { bigint, index, integer, jsonb, pgTable, primaryKey, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { users } from './users.ts';

/**
 * Per-user change counter. Every write of a user's entities increments it with
 * `UPDATE … RETURNING` inside the writing transaction; the row lock that update takes is held to
 * commit, so the numbers are handed out in commit order (see src/domain/change-feed.ts).
 */
export const userChangeCounters = pgTable('user_change_counters', {
  user_id: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  last_seq: bigint({ mode: 'number' }).notNull().default(0),
});

/** The latest change number of each entity: what `POST /sync/pull` pages through. */
export const syncChanges = pgTable(
  'sync_changes',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    entity_type: varchar({ length: 32 }).notNull(),
    entity_id: uuid().notNull(),
    seq: bigint({ mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.user_id, t.entity_type, t.entity_id] }),
    index('idx_sync_changes_user_seq').on(t.user_id, t.seq),
  ],
);

/** First result of each applied push mutation, so a retried push answers the same and changes nothing. */
export const syncMutations = pgTable(
  'sync_mutations',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mutation_id: varchar({ length: 255 }).notNull(),
    result: jsonb().notNull(),
    created_at: createdAt(),
  },
  // created_at: the retention job deletes by age (sync-service.ts).
  (t) => [primaryKey({ columns: [t.user_id, t.mutation_id] }), index('idx_sync_mutations_created_at').on(t.created_at)],
);

/**
 * The device whose push made an entity's current version, for the last-write-wins tie-break (equal
 * times: the larger `device_id` wins). `sync_version` is the version that push produced: once the
 * entity's version has moved past it, the latest write came through another door (REST, a document
 * store) and no device holds the tie.
 */
export const syncEntityWriters = pgTable(
  'sync_entity_writers',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    entity_type: varchar({ length: 32 }).notNull(),
    entity_id: uuid().notNull(),
    device_id: varchar({ length: 255 }).notNull(),
    sync_version: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.entity_type, t.entity_id] })],
);
