import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { notes } from '../../db/schema/notes.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { unauthorized, validationError } from '../errors.ts';
import { onNoteTitleOrArchiveChanged } from '../notes/title-links.ts';
import { recordChanges } from '../sync/change-feed.ts';
import { isValidDocumentName } from './document-name.ts';

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
    throw validationError(
      [{ field: 'document_name', message: 'must be 1-255 of A-Z a-z 0-9 _ . : -' }],
      'The document name is not valid',
    );
  }
  const owned = (row: { id: string; user_id: string } | undefined, created: boolean): DocumentNoteRef => {
    if (!row || row.user_id !== auth.userId) throw unauthorized();
    return { id: row.id, user_id: row.user_id, blocksuite_doc_id: documentName, created };
  };
  const byName = (executor: Db) =>
    executor
      .select({ id: notes.id, user_id: notes.user_id })
      .from(notes)
      .where(eq(notes.blocksuite_doc_id, documentName))
      .limit(1);

  const [existing] = await byName(db);
  if (existing) return owned(existing, false);

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
      // Someone created this name between our read and our insert: decide on their row.
      const [raced] = await byName(tx);
      return owned(raced, false);
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
    return owned(inserted, true);
  });
}
