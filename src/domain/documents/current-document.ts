// A note's full Yjs state as REST, sync pull and export present it: the compacted
// `notes.blocksuite_doc` merged with the update log after it, which holds every acknowledged edit
// (the documents layer's loader and its tolerant merge).
import type { Db } from '../../db/client.ts';
import { type DecodeMode, mergeWithinBudget } from './decode-budget.ts';
import { stateUpdates } from './document-state.ts';
import { loadDocumentStates } from './update-log.ts';

/**
 * Merged states of many notes, read in one statement; null for a note with no document yet (no
 * stored state, empty log). Bytes travel as base64: see `ByteTransfer`. Each merge takes its cost
 * from the memory budget while it runs (decode-budget.ts): `refuse` throws SERVICE_UNAVAILABLE
 * when it is spent, `wait` waits for room.
 */
export async function loadCurrentDocumentStates(
  db: Db,
  noteIds: readonly string[],
  mode: DecodeMode = 'refuse',
): Promise<Map<string, Uint8Array | null>> {
  const merged = new Map<string, Uint8Array | null>();
  for (const [noteId, state] of await loadDocumentStates(db, noteIds, 'base64')) {
    merged.set(noteId, stateUpdates(state).length === 0 ? null : await mergeWithinBudget(state, mode));
  }
  return merged;
}
