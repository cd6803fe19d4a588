// Which blob keys each note's document uses (`note_blobs`), kept by the document store path and
// read by GET /notes/:id and sync pulls (`blob_keys`), and by clean-up, which never removes a blob
// a note uses (docs/blobs.md).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { blobs, noteBlobs } from '../../db/schema/index.ts';
import { isBlobKey } from './blob-key.ts';

/** More image/attachment blocks than this in one document are not tracked beyond the first ones. */
const MAX_KEYS_PER_NOTE = 10_000;

/**
 * note_blobs := the document's blob keys, by diff (docs/blobs.md). Values that are not keys (a
 * hand-made document) name no blob and are skipped. Answers whether anything changed. `stored`:
 * the note's keys as its caller already read them in this transaction (otherwise read here).
 */
export async function syncNoteBlobReferences(
  tx: Tx,
  note: { id: string; user_id: string },
  sourceIds: readonly string[],
  stored?: readonly string[],
): Promise<boolean> {
  const wanted = new Set(sourceIds.filter(isBlobKey).slice(0, MAX_KEYS_PER_NOTE));
  const existingKeys = new Set(
    stored ??
      (await tx.select({ blob_key: noteBlobs.blob_key }).from(noteBlobs).where(eq(noteBlobs.note_id, note.id))).map(
        (row) => row.blob_key,
      ),
  );
  const stale = [...existingKeys].filter((key) => !wanted.has(key));
  const added = [...wanted].filter((key) => !existingKeys.has(key));
  if (stale.length > 0)
    await tx.delete(noteBlobs).where(and(eq(noteBlobs.note_id, note.id), inArray(noteBlobs.blob_key, stale)));
  if (added.length > 0) {
    // Share-locks the blobs this note starts using until the store commits. Clean-up locks the rows
    // it is about to remove (FOR UPDATE SKIP LOCKED) before it checks note_blobs, so it either skips
    // these, or removed them before this store began to use them (the editor then uploads again);
    // it never removes a blob under a reference that commits (blob-service.ts, collectGarbage).
    await tx
      .select({ id: blobs.id })
      .from(blobs)
      .where(and(eq(blobs.user_id, note.user_id), inArray(blobs.key, added)))
      .for('share');
    await tx
      .insert(noteBlobs)
      .values(added.map((blob_key) => ({ note_id: note.id, user_id: note.user_id, blob_key })))
      .onConflictDoNothing();
  }
  return stale.length > 0 || added.length > 0;
}

/** The blob keys of each note, sorted; one statement for the whole page of notes. */
export async function loadNoteBlobKeys(db: Db, noteIds: readonly string[]): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  if (noteIds.length === 0) return keys;
  const rows = await db
    .select({ note_id: noteBlobs.note_id, blob_key: noteBlobs.blob_key })
    .from(noteBlobs)
    .where(inArray(noteBlobs.note_id, [...noteIds]))
    .orderBy(asc(noteBlobs.note_id), asc(noteBlobs.blob_key));
  for (const row of rows) {
    const list = keys.get(row.note_id) ?? [];
    list.push(row.blob_key);
    keys.set(row.note_id, list);
  }
  return keys;
}
