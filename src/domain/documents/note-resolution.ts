import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { notes } from '../../db/schema/notes.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { unauthorized, validationError } from '../errors.ts';
import { onNoteTitleOrArchiveChanged } from '../notes/title-links.ts';
import { ownedWhere } from '../ownership.ts';
import { recordChanges } from '../change-feed.ts';
import { DOCUMENT_NAME_RULE, isValidDocumentName } from './document-name.ts';

export interface DocumentNoteRef {
  id: string;
  user_id: string;
  blocksuite_doc_id: string;
  /** True when this call created the note. */
  created: boolean;
}

/**
 * Resolves a collaboration document name to the caller's note, creating the note for a name
 * nobody holds (docs/collaboration.md). Document names are one namespace across users, so a name another user
 * holds is refused with exactly the error a bad token gets: nobody learns that it exists.
 * Nothing is written on a refusal.
 */
export async function findOrCreateNoteForDocument(
  db: Db,
  auth: AuthContext,
  documentName: string,
): Promise<DocumentNoteRef> {
  if (!isValidDocumentName(documentName)) {
    throw validationError([{ field: 'document_name', message: DOCUMENT_NAME_RULE }], 'The document name is not valid');
  }
  const ref = (row: { id: string; user_id: string }, created: boolean): DocumentNoteRef => ({
    id: row.id,
    user_id: row.user_id,
    blocksuite_doc_id: documentName,
    created,
  });
  const ownedByName = (executor: Db) =>
    executor
      .select({ id: notes.id, user_id: notes.user_id })
      .from(notes)
      .where(ownedWhere(notes, auth.userId, eq(notes.blocksuite_doc_id, documentName)))
      .limit(1);

  const [existing] = await ownedByName(db);
  if (existing) return ref(existing, false);

  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(notes)
      .values({
        user_id: auth.userId,
        author_contact_id: auth.contactZeroId,
        blocksuite_doc_id: documentName,
        kind: 'note',
        is_inbox: true,
        sync_version: 1,
      })
      .onConflictDoNothing({ target: notes.blocksuite_doc_id })
      .returning({ id: notes.id, user_id: notes.user_id });
    if (!inserted) {
      // The name is held: by another user (refused like a bad token), or by the caller's own
      // connection that created it between our read and our insert.
      const [raced] = await ownedByName(tx);
      if (!raced) throw unauthorized();
      return ref(raced, false);
    }
    // Native references written before this document existed resolve now (docs/collaboration.md).
    await onNoteTitleOrArchiveChanged(tx, {
      id: inserted.id,
      user_id: inserted.user_id,
      title: null,
      is_archived: false,
      blocksuite_doc_id: documentName,
    });
    await recordChanges(tx, auth.userId, [{ entityType: 'note', entityId: inserted.id }]);
    return ref(inserted, true);
  });
}
