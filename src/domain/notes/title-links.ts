import type { Tx } from '../../db/client.ts';
import { normalizeTitle } from '../blocksuite/index.ts';
import { recomputeLinksToTarget } from './link-resolution.ts';

/**
 * Called in the writing transaction whenever a note is created through REST, sync, the
 * collaboration server or the importer, or its `title` or `is_archived` changes there, so
 * `[[label]]` and native references elsewhere re-resolve against it (docs/collaboration.md: a label becomes a
 * link as soon as a note gets that title; renaming away or archiving removes it). `previousTitle`
 * lets links made by the old title go.
 */
export async function onNoteTitleOrArchiveChanged(
  tx: Tx,
  note: { id: string; user_id: string; title: string | null; is_archived: boolean; blocksuite_doc_id: string },
  previousTitle?: string | null,
): Promise<void> {
  await recomputeLinksToTarget(tx, {
    id: note.id,
    user_id: note.user_id,
    blocksuite_doc_id: note.blocksuite_doc_id,
    titleKeys: [
      note.title === null ? null : normalizeTitle(note.title),
      previousTitle ? normalizeTitle(previousTitle) : null,
    ],
  });
}
