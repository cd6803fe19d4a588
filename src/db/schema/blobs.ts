import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { bytea, createdAt, primaryId, timestamptz } from './columns.ts';
import { notes } from './notes.ts';
import { users } from './users.ts';

/** A blob key: BlockSuite's `sourceId`, the URL-safe base64 SHA-256 of the bytes (docs/blobs.md). */
export const BLOB_KEY_LENGTH = 44;

/**
 * One stored blob of one user (docs/blobs.md). Users never share a row, even for equal bytes, so
 * nothing about one user's uploads can be learnt through another's. The bytes live in the
 * BlobStore under `storage_id` (the database store: `blob_chunks`).
 */
export const blobs = pgTable(
  'blobs',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: varchar({ length: BLOB_KEY_LENGTH }).notNull(),
    content_type: varchar({ length: 255 }).notNull(),
    size: bigint({ mode: 'number' }).notNull(),
    storage_id: uuid().notNull(),
    created_at: createdAt(),
    // Set by DELETE while a note still uses the blob: clean-up removes it once nothing does.
    delete_requested_at: timestamptz(),
  },
  (t) => [
    uniqueIndex('blobs_user_id_key_key').on(t.user_id, t.key),
    uniqueIndex('blobs_storage_id_key').on(t.storage_id),
    index('idx_blobs_created_at').on(t.created_at),
  ],
);

/**
 * The database BlobStore's bytes: fixed-size chunks (the last one shorter), so a read streams
 * row by row, a Range read touches only the chunks it needs, and no value nears a size limit.
 * Rows of an upload are written before its `blobs` row exists; chunks whose storage id no blob
 * names are an interrupted upload, removed by clean-up once their first chunk is old enough.
 */
export const blobChunks = pgTable(
  'blob_chunks',
  {
    storage_id: uuid().notNull(),
    seq: integer().notNull(),
    data: bytea().notNull(),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.storage_id, t.seq] }),
    index('idx_blob_chunks_first_created_at').on(t.created_at).where(sql`${t.seq} = 0`),
  ],
);

/**
 * The blob keys a note's document uses (`sourceId` of image and attachment blocks, page and canvas),
 * kept by the document store path in the same transaction, by diff. A key may be referenced before
 * its blob is uploaded (another device uploads it) or after it is gone.
 */
export const noteBlobs = pgTable(
  'note_blobs',
  {
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blob_key: varchar({ length: BLOB_KEY_LENGTH }).notNull(),
    created_at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.note_id, t.blob_key] }), index('idx_note_blobs_user_key').on(t.user_id, t.blob_key)],
);
