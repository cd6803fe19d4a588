import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, folders, notes, noteTargetContacts, noteUpdates } from '../../../db/schema/index.ts';
import { qualified } from '../../long-values.ts';
import { normalizeTitle } from '../../blocksuite/slug.ts';
import { fieldError } from '../../errors.ts';
import { loadNoteBlobKeys } from '../../blobs/blob-references.ts';
import { loadCurrentDocumentStates } from '../../documents/current-document.ts';
import { onNoteTitleOrArchiveChanged } from '../../notes/title-links.ts';
import type { ResourceDefinition } from '../definition.ts';
import { NOTE_KINDS, PREFERRED_VIEWS } from '../enums.ts';
import { booleanEquals, enumEquals, equals, hasTags, idEquals, linkedThrough } from '../filters.ts';
import { idSet } from '../nested/id-set.ts';
import { dateSchema } from '../schemas.ts';
import { documentNameSchema } from '../../documents/document-name.ts';

const query = (term: string) => sql`websearch_to_tsquery('english', ${term})`;

export const notesResource: ResourceDefinition = {
  path: 'notes',
  entityType: 'note',
  name: 'Note',
  table: notes,
  writable: [
    'title',
    'icon',
    'blocksuite_doc_id',
    'kind',
    'date_key',
    'folder_id',
    'is_inbox',
    'tags',
    'preferred_view',
    'is_pinned_home',
    'is_pinned',
    'is_archived',
  ],
  createOnly: ['blocksuite_doc_id'],
  serverDefaults: { blocksuite_doc_id: () => randomUUID() },
  hidden: ['title_normalized', 'search_vector', 'blocksuite_doc', 'search_language', 'title_search'],
  detailOnly: ['blocksuite_snapshot'],
  computedFields: {
    blocksuite_doc: z
      .string()
      .nullable()
      .optional()
      .meta({ description: 'Base64 Yjs state holding every acknowledged edit (single-note reads only; read-only).' }),
    blob_keys: z.array(z.string()).optional().meta({
      description:
        'Keys of the blobs (GET /blobs/{key}) its image and attachment blocks use, sorted (single-note reads and sync pulls; read-only).',
    }),
  },
  fieldSchemas: {
    blocksuite_doc_id: documentNameSchema(),
    kind: z.enum(NOTE_KINDS),
    preferred_view: z.enum(PREFERRED_VIEWS),
  },
  ownedReferences: { folder_id: folders },
  nested: [
    idSet({
      field: 'target_contact_ids',
      junction: noteTargetContacts,
      parentColumn: noteTargetContacts.note_id,
      memberColumn: noteTargetContacts.contact_id,
      memberTable: contacts,
      description: 'Contacts this note is about (your contacts).',
    }),
  ],
  filters: {
    kind: enumEquals(notes.kind, NOTE_KINDS, 'Notes of this kind.'),
    folder_id: idEquals(notes.folder_id, 'Notes in this folder.'),
    is_inbox: booleanEquals(notes.is_inbox, 'Inbox notes (or not).'),
    is_pinned: booleanEquals(notes.is_pinned, 'Pinned notes (or not).'),
    is_pinned_home: booleanEquals(notes.is_pinned_home, 'Notes pinned on the home screen (or not).'),
    date_key: equals(notes.date_key, dateSchema(), 'Daily-log notes of this date (YYYY-MM-DD).'),
    tags: hasTags(notes.tags),
    contact_id: linkedThrough(
      noteTargetContacts,
      noteTargetContacts.note_id,
      notes.id,
      noteTargetContacts.contact_id,
      'Notes targeting this contact.',
    ),
  },
  sortable: ['updated_at', 'created_at', 'title', 'date_key'],
  search: {
    description: 'Full-text search over title and document text (web search syntax), ranked by relevance.',
    where: (term) => sql`${notes.search_vector} @@ ${query(term)}`,
    rank: (term) => sql`ts_rank(${notes.search_vector}, ${query(term)})`,
  },
  hooks: {
    beforeWrite({ auth, mode, existing, values }) {
      if (mode === 'create') values.author_contact_id = auth.contactZeroId;
      if ('title' in values)
        values.title_normalized = typeof values.title === 'string' ? normalizeTitle(values.title) : null;
      const kind = values.kind ?? existing?.kind ?? 'note';
      const dateKey = 'date_key' in values ? values.date_key : existing?.date_key;
      if (kind === 'log' && (dateKey === null || dateKey === undefined))
        throw fieldError('date_key', 'is required for a log note');
    },
    async afterWrite({ tx, mode, existing, row }) {
      const changed = mode === 'create' || existing?.title !== row.title || existing?.is_archived !== row.is_archived;
      if (!changed) return;
      await onNoteTitleOrArchiveChanged(
        tx,
        {
          id: String(row.id),
          user_id: String(row.user_id),
          title: (row.title as string | null) ?? null,
          is_archived: row.is_archived === true,
          blocksuite_doc_id: String(row.blocksuite_doc_id),
        },
        (existing?.title as string | null | undefined) ?? null,
      );
    },
  },
  // The document as decorate reads it (stored state and log, merged) and the snapshot.
  detailBytes: (id) =>
    sql`(coalesce(octet_length(${qualified(notes.blocksuite_doc)}), 0) + coalesce(pg_column_size(${qualified(
      notes.blocksuite_snapshot,
    )}), 0) + (select coalesce(sum(octet_length(${qualified(noteUpdates.update)})), 0) from ${noteUpdates} where ${qualified(
      noteUpdates.note_id,
    )} = ${qualified(id)}))`,
  async decorate(db, entities, options) {
    if (!options.detail) return;
    // One statement each for the whole page (sync pulls present hundreds of notes at once).
    const ids = entities.map((entity) => String(entity.id));
    const states = await loadCurrentDocumentStates(db, ids);
    const blobKeys = await loadNoteBlobKeys(db, ids);
    for (const entity of entities) {
      const state = states.get(String(entity.id));
      entity.blocksuite_doc = state ? Buffer.from(state).toString('base64') : null;
      entity.blob_keys = blobKeys.get(String(entity.id)) ?? [];
    }
  },
};
