import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { bytea, createdAt, primaryId, syncMetadata, tsvector, archivedIndex } from './columns.ts';
import { contacts } from './contacts.ts';
import { folders } from './folders.ts';
import { languageVectorSql } from './search-text.ts';
import { users } from './users.ts';

/** What `blocksuite_snapshot` holds (docs/collaboration.md). */
export interface BlockSuiteSnapshot {
  title: string;
  text: string;
  blocks: Array<{ id: string; flavour: string; text: string }>;
}

/**
 * Characters of document text fed to the full-text vector. A tsvector must stay under 1 MB; a
 * 10 MB document would make every store of it fail without this cap.
 */
export const SEARCH_TEXT_LIMIT = 262_144;

export const notes = pgTable(
  'notes',
  {
    id: primaryId(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: varchar({ length: 500 }),
    // The one normalized form of the title (NFKC + full case folding, see domain/blocksuite) that
    // [[label]] resolution compares against, so matching never depends on the database locale.
    title_normalized: varchar({ length: 500 }),
    icon: varchar({ length: 10 }),
    blocksuite_doc_id: varchar({ length: 255 }).notNull().unique('notes_blocksuite_doc_id_key'),
    blocksuite_doc: bytea(),
    blocksuite_snapshot: jsonb().$type<BlockSuiteSnapshot>(),
    author_contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    kind: varchar({ length: 50 }).notNull().default('note'),
    date_key: date({ mode: 'string' }),
    folder_id: uuid().references(() => folders.id, { onDelete: 'set null' }),
    is_inbox: boolean().notNull().default(false),
    tags: text().array().default(sql`'{}'::text[]`),
    preferred_view: varchar({ length: 20 }).notNull().default('doc'),
    is_pinned_home: boolean().notNull().default(false),
    is_pinned: boolean().notNull().default(false),
    ...syncMetadata(),
    // docs/architecture.md: one vector over title and extracted text. Generated, so a REST title change and a
    // document store both keep it current without either having to remember it.
    search_vector: tsvector().generatedAlwaysAs(
      sql`setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, left(coalesce(blocksuite_snapshot->>'text', ''), ${sql.raw(String(SEARCH_TEXT_LIMIT))})), 'B')`,
    ),
    // docs/search.md: the owner's stemming language, copied from users.search_language by a trigger
    // on insert and by the background re-index when the user changes it.
    search_language: varchar({ length: 20 }).notNull().default('neutral'),
    // The title folded for autocomplete (lower case, accents removed) under a trigram index.
    title_search: text().generatedAlwaysAs(sql`fl_fold(coalesce(title, ''))`),
  },
  (t) => [
    check('valid_kind', sql`${t.kind} IN ('log', 'note', 'system')`),
    check('valid_preferred_view', sql`${t.preferred_view} IN ('doc', 'canvas')`),
    check('log_must_have_date', sql`${t.kind} != 'log' OR ${t.date_key} IS NOT NULL`),
    index('idx_notes_user_id').on(t.user_id),
    index('idx_notes_author_contact_id').on(t.author_contact_id),
    index('idx_notes_kind').on(t.kind).where(sql`${t.is_archived} = FALSE`),
    index('idx_notes_date_key').on(t.date_key).where(sql`${t.date_key} IS NOT NULL`),
    index('idx_notes_folder_id').on(t.folder_id).where(sql`${t.folder_id} IS NOT NULL AND ${t.is_archived} = FALSE`),
    index('idx_notes_is_inbox').on(t.user_id, t.is_inbox).where(sql`${t.is_inbox} = TRUE AND ${t.is_archived} = FALSE`),
    index('idx_notes_tags').using('gin', t.tags),
    index('idx_notes_created_at').on(t.created_at.desc()),
    index('idx_notes_updated_at').on(t.updated_at.desc()),
    index('idx_notes_blocksuite_doc_id').on(t.blocksuite_doc_id),
    index('idx_notes_search_vector').using('gin', t.search_vector),
    index('idx_notes_user_title_normalized').on(t.user_id, t.title_normalized),
    index('idx_notes_user_updated_at').on(t.user_id, t.updated_at.desc(), t.id, t.is_archived),
    archivedIndex('idx_notes_archived', t),
    // One GIN over owner and trigrams (btree_gin gives uuid a GIN operator class): prefix, word-start
    // and in-word title matches of one user, whatever the length of what was typed.
    index('idx_notes_title_search').using('gin', t.user_id, t.title_search.op('gin_trgm_ops')),
  ],
);

/**
 * docs/search.md: a note's text in parts of at most NOTE_SEARCH_CHUNK_CHARS characters, each with
 * the note's title and its own vector, so all of a long note is searchable (no vector nears the
 * 1 MB limit) and a snippet comes from the part that matched. Part 0 always exists (a trigger
 * writes it with the note); the document store writes the parts (domain/search/note-chunks.ts);
 * triggers copy title and language changes into every part.
 */
export const noteSearchChunks = pgTable(
  'note_search_chunks',
  {
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    chunk_no: integer().notNull(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    language: varchar({ length: 20 }).notNull().default('neutral'),
    title: text().notNull().default(''),
    content: text().notNull().default(''),
    search_vector: tsvector().generatedAlwaysAs(
      sql.raw(
        languageVectorSql('language', [
          ['title', 'A'],
          ['content', 'B'],
        ]),
      ),
    ),
  },
  (t) => [
    primaryKey({ columns: [t.note_id, t.chunk_no] }),
    check('valid_chunk_no', sql`${t.chunk_no} >= 0`),
    index('idx_note_search_chunks_user_vector').using('gin', t.user_id, t.search_vector),
  ],
);

export const noteTargetContacts = pgTable(
  'note_target_contacts',
  {
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    contact_id: uuid()
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.note_id, t.contact_id] }),
    index('idx_note_target_contacts_contact_id').on(t.contact_id),
    index('idx_note_target_contacts_note_id').on(t.note_id),
  ],
);

export const noteLinks = pgTable(
  'note_links',
  {
    id: primaryId(),
    source_note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    target_note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    created_at: createdAt(),
  },
  (t) => [
    unique('note_links_source_note_id_target_note_id_key').on(t.source_note_id, t.target_note_id),
    index('idx_note_links_source').on(t.source_note_id),
    index('idx_note_links_target').on(t.target_note_id),
  ],
);

/**
 * What a note's document points at, resolved or not: `title` references hold a normalized
 * [[label]], `doc` references a BlockSuite doc id. `note_links` is derived from these rows, which
 * is how a label that names no note yet starts linking the moment a note takes that title.
 */
export const noteReferences = pgTable(
  'note_references',
  {
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: varchar({ length: 10 }).notNull(),
    target_key: varchar({ length: 500 }).notNull(),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.note_id, t.kind, t.target_key] }),
    check('valid_reference_kind', sql`${t.kind} IN ('title', 'doc')`),
    index('idx_note_references_lookup').on(t.user_id, t.kind, t.target_key),
  ],
);

/**
 * Append-only log of Yjs updates acknowledged to clients but not yet compacted into
 * `notes.blocksuite_doc`. A loaded document is the stored state plus these rows in id order.
 */
export const noteUpdates = pgTable(
  'note_updates',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    note_id: uuid()
      .notNull()
      .references(() => notes.id, { onDelete: 'cascade' }),
    update: bytea().notNull(),
    /**
     * The signed-in device (auth session) whose edit this is; null when unknown. Carried to the
     * version the compaction takes (docs/history-and-trash.md). No foreign key: the check would
     * cost every append, which an acknowledgement waits for.
     */
    session_id: uuid(),
    created_at: createdAt(),
  },
  (t) => [index('idx_note_updates_note_id').on(t.note_id, t.id)],
);
