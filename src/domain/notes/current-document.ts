import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';

/**
 * Bytes travel as base64 text: postgres.js decodes `bytea` from hex in JavaScript (a 10 MB state
 * blocks the event loop for a large part of a second), while Buffer decodes base64 natively.
 */
function decodeBytes(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || value === '') return null;
  return Buffer.from(value, 'base64');
}

/**
 * A note's full Yjs state holding every acknowledged edit: the compacted `notes.blocksuite_doc`
 * merged with the update log after it. Null when the note has no document yet.
 *
 * Both halves are read by ONE statement, so they come from the same snapshot: read separately, a
 * compaction committing in between could fold and delete log rows the second read then misses.
 * The collaboration layer may replace this body with its own loader (same contract).
 */
export async function loadCurrentDocumentState(db: Db, noteId: string): Promise<Uint8Array | null> {
  const rows = await queryRows<{ part: number; bytes: string | null }>(
    db,
    sql`select 0 as part, null::bigint as id, encode(blocksuite_doc, 'base64') as bytes from notes where id = ${noteId}
        union all
        select 1 as part, id, encode("update", 'base64') as bytes from note_updates where note_id = ${noteId}
        order by part, id`,
  );
  const updates = rows.map((row) => decodeBytes(row.bytes)).filter((bytes): bytes is Uint8Array => bytes !== null);
  if (updates.length === 0) return null;
  if (updates.length === 1) return updates[0] as Uint8Array;
  return Y.mergeUpdates(updates);
}

/**
 * loadCurrentDocumentState for many notes in one statement (a sync pull page presents hundreds of
 * notes: one query each would be a round trip per note). Same snapshot rule: one statement.
 */
export async function loadCurrentDocumentStates(db: Db, noteIds: readonly string[]): Promise<Map<string, Uint8Array | null>> {
  const states = new Map<string, Uint8Array | null>();
  if (noteIds.length === 0) return states;
  const ids = `{${[...new Set(noteIds)].join(',')}}`;
  const rows = await queryRows<{ note_id: string; bytes: string | null }>(
    db,
    sql`select note_id, bytes from (
          select id as note_id, 0 as part, null::bigint as id, encode(blocksuite_doc, 'base64') as bytes from notes where id = any(${ids}::uuid[])
          union all
          select note_id, 1 as part, id, encode("update", 'base64') as bytes from note_updates where note_id = any(${ids}::uuid[])
        ) parts
        order by note_id, part, id`,
  );
  const updatesByNote = new Map<string, Uint8Array[]>();
  for (const row of rows) {
    const updates = updatesByNote.get(row.note_id) ?? [];
    const bytes = decodeBytes(row.bytes);
    if (bytes) updates.push(bytes);
    updatesByNote.set(row.note_id, updates);
  }
  for (const [noteId, updates] of updatesByNote) {
    states.set(noteId, updates.length === 0 ? null : updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates));
  }
  return states;
}
