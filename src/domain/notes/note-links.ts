import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { noteLinks, notes } from '../../db/schema/index.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { notFound } from '../errors.ts';
import { ownedRow } from '../ownership.ts';
import { isUuid } from '../uuid.ts';

export interface LinkedNote {
  note_id: string;
  title: string | null;
  blocksuite_doc_id: string;
}

/**
 * `GET /notes/:id/links` (`outgoing`: the notes it links to) and `/backlinks` (`incoming`: the
 * notes linking to it). Only the caller's non-archived notes; another user's note is NOT_FOUND.
 */
export async function listLinkedNotes(
  db: Db,
  auth: AuthContext,
  noteId: string,
  direction: 'outgoing' | 'incoming',
): Promise<LinkedNote[]> {
  if (!isUuid(noteId)) throw notFound('Note');
  const [note] = await db
    .select({ id: notes.id })
    .from(notes)
    .where(ownedRow(notes, auth.userId, noteId));
  if (!note) throw notFound('Note');
  const [from, to] =
    direction === 'outgoing'
      ? [noteLinks.source_note_id, noteLinks.target_note_id]
      : [noteLinks.target_note_id, noteLinks.source_note_id];
  return db
    .select({ note_id: notes.id, title: notes.title, blocksuite_doc_id: notes.blocksuite_doc_id })
    .from(noteLinks)
    .innerJoin(notes, eq(notes.id, to))
    .where(and(eq(from, noteId), eq(notes.user_id, auth.userId), eq(notes.is_archived, false)))
    .orderBy(asc(notes.title), asc(notes.id));
}
