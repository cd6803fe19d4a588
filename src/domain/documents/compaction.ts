import { and, eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import { notes, noteUpdates } from '../../db/schema/notes.ts';
import { updateNoteFromDocument } from '../notes/document-derivatives.ts';
import { applyStoredState } from './document-state.ts';
import { loadDocumentState, type ByteTransfer } from './update-log.ts';

export type CompactionResult =
  | { status: 'missing' }
  | { status: 'unchanged' }
  | { status: 'compacted'; mergedEntries: number; skippedEntries: number; bytes: number };

/**
 * Runs inside the compaction's transaction, with the note row locked, after the merged state and
 * the derived data are written (version history takes its versions here; wired in services.ts, so
 * that documents never import the folders built on top of them).
 */
export type CompactionHook = (
  tx: Db,
  note: { id: string; user_id: string },
  merged: Uint8Array,
  folded: MergedEntries,
) => Promise<unknown>;

/** What a compaction folded into the stored state, for its hooks. */
export interface MergedEntries {
  /** The device (auth session) of the newest merged log entry that names one; null when none does. */
  sessionId: string | null;
}

/** The session of the newest entry that names one (the device of the latest edit merged). */
function newestSession(entries: ReadonlyArray<{ id: number; session_id: string | null }>): string | null {
  let newest: { id: number; session_id: string | null } | undefined;
  for (const entry of entries) if (entry.session_id !== null && (!newest || entry.id > newest.id)) newest = entry;
  return newest?.session_id ?? null;
}

/**
 * Folds a note's update log into `notes.blocksuite_doc`, in ONE transaction:
 *
 * 1. Lock the note row. `FOR NO KEY UPDATE` makes compaction single-writer per note, across
 *    instances too, yet does not conflict with the `FOR KEY SHARE` lock that a log INSERT takes
 *    through its foreign key, so acknowledgements never wait for a compaction (plain `FOR UPDATE`
 *    would make every append to this note wait until the compaction commits).
 * 2. Read the stored state and the log tail (one statement, one snapshot).
 * 3. Merge them in a Y.Doc (an undecodable entry is skipped rather than blocking every later
 *    compaction), write the state.
 * 4. Delete exactly the rows merged, by id. Appends run concurrently with this transaction, so a row
 *    with a smaller id can commit after the tail was read; "id <= max" would delete it unmerged.
 * 5. Update the derived data (snapshot, title, links, …) in the same transaction.
 * 6. Run the hooks on the merged state (a version when one is due, docs/history-and-trash.md).
 *
 * An empty log changes no row, so re-storing an unchanged document is a no-op.
 */
export async function compactDocument(
  db: Db,
  noteId: string,
  transfer: ByteTransfer = 'binary',
  hooks: readonly CompactionHook[] = [],
): Promise<CompactionResult> {
  return db.transaction(async (tx) => {
    const [note] = await tx
      .select({ id: notes.id, user_id: notes.user_id, title: notes.title })
      .from(notes)
      .where(eq(notes.id, noteId))
      .for('no key update');
    if (!note) return { status: 'missing' };
    const state = await loadDocumentState(tx, noteId, transfer);
    if (!state || state.log.length === 0) return { status: 'unchanged' };

    const doc = new Y.Doc();
    try {
      const { skipped } = applyStoredState(doc, state);
      const merged = Y.encodeStateAsUpdate(doc);
      await tx.update(notes).set({ blocksuite_doc: merged }).where(eq(notes.id, noteId));
      const ids = `{${state.log.map((entry) => entry.id).join(',')}}`;
      const deleted = await tx
        .delete(noteUpdates)
        .where(and(eq(noteUpdates.note_id, noteId), sql`${noteUpdates.id} = any(${ids}::bigint[])`))
        .returning({ id: noteUpdates.id, session_id: noteUpdates.session_id });
      await updateNoteFromDocument(tx, note, doc);
      const folded: MergedEntries = { sessionId: newestSession(deleted) };
      for (const hook of hooks) await hook(tx, note, merged, folded);
      return { status: 'compacted', mergedEntries: state.log.length, skippedEntries: skipped, bytes: merged.length };
    } finally {
      doc.destroy();
    }
  });
}
