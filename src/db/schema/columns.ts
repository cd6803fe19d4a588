// Column building blocks shared by every table group. Property names are snake_case on purpose:
// rows then have the exact shape of the REST/sync JSON and no mapping layer can drift from it.
import { sql } from 'drizzle-orm';
import { boolean, customType, index, integer, timestamp, uuid, type ExtraConfigColumn } from 'drizzle-orm/pg-core';

/** PostgreSQL `bytea`. postgres.js yields Buffer, PGlite Uint8Array; both are Uint8Array. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

/** PostgreSQL `tsvector`, only ever written by a generated column. */
export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

export const primaryId = () => uuid().primaryKey().default(sql`gen_random_uuid()`);

export const timestamptz = () => timestamp({ withTimezone: true, mode: 'date' });

export const createdAt = () => timestamptz().notNull().defaultNow();

/** The columns every syncable entity table carries (docs/architecture.md, "Data model"). */
export const syncMetadata = () => ({
  is_archived: boolean().notNull().default(false),
  // When the row was archived (null while it is not): the trash lists by it and purges rows
  // archived longer than TRASH_RETENTION_DAYS (docs/history-and-trash.md).
  archived_at: timestamptz(),
  created_at: createdAt(),
  updated_at: timestamptz().notNull().defaultNow(),
  sync_version: integer().notNull().default(0),
  last_synced_at: timestamptz(),
});

/** The trash's index on an entity table: the user's archived rows, newest first (also the purge's scan). */
export const archivedIndex = (
  name: string,
  t: { user_id: ExtraConfigColumn; archived_at: ExtraConfigColumn; is_archived: ExtraConfigColumn },
) => index(name).on(t.user_id, t.archived_at.desc()).where(sql`${t.is_archived} = TRUE`);
