import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { mergeStoredState, stateUpdates } from '../documents/document-state.ts';
import { loadDocumentState, type StoredDocumentState } from '../documents/update-log.ts';

/** The merged state, or null when the note has no document yet (no stored state, empty log). */
function mergedOrNull(state: StoredDocumentState | null): Uint8Array | null {
  if (!state || stateUpdates(state).length === 0) return null;
  return mergeStoredState(state);
}

/**
 * A note's full Yjs state holding every acknowledged edit: the compacted `notes.blocksuite_doc`
 * merged with the update log after it (the documents layer's loader and its tolerant merge).
 * Null when the note has no document yet. Bytes travel as base64: see `ByteTransfer`.
 */
export async function loadCurrentDocumentState(db: Db, noteId: string): Promise<Uint8Array | null> {
  return mergedOrNull(await loadDocumentState(db, noteId, 'base64'));
}

/**
 * loadCurrentDocumentState for many notes in one statement (a sync pull page presents hundreds of
 * notes: one query each would be a round trip per note). Same snapshot rule as
 * `loadDocumentState`: both halves come from one statement.
 */
export async function loadCurrentDocumentStates(db: Db, noteIds: readonly string[]): Promise<Map<string, Uint8Array | null>> {
  const states = new Map<string, Uint8Array | null>();
  if (noteIds.length === 0) return states;
  const ids = `{${[...new Set(noteIds)].join(',')}}`;
  const rows = await queryRows<{ note_id: string; part: number; id: string | number | null; bytes: string | null }>(
    db,
    sql`select note_id, part, id, bytes from (
          select id as note_id, 0 as part, null::bigint as id, encode(blocksuite_doc, 'base64') as bytes from notes where id = any(${ids}::uuid[])
          union all
          select note_id, 1 as part, id, encode("update", 'base64') as bytes from note_updates where note_id = any(${ids}::uuid[])
        ) parts
        order by note_id, part, id`,
  );
  const byNote = new Map<string, StoredDocumentState>();
  for (const row of rows) {
    const state = byNote.get(row.note_id) ?? { stored: null, log: [] };
    const bytes = row.bytes ? Buffer.from(row.bytes, 'base64') : null;
    if (Number(row.part) === 0) state.stored = bytes;
    else if (bytes) state.log.push({ id: Number(row.id), update: bytes });
    byNote.set(row.note_id, state);
  }
  for (const [noteId, state] of byNote) states.set(noteId, mergedOrNull(state));
  return states;
}
