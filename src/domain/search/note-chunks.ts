// docs/search.md: a note's text is indexed in parts, so all of a long note is searchable (no
// vector nears PostgreSQL's 1 MB tsvector limit, whatever the document's size) and a snippet is
// cut from the part that matched, not from the first 256 KiB.
import { createHash } from 'node:crypto';
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { preparedStatement, textArray } from '../../db/prepared.ts';
import { noteSearchChunks, notes } from '../../db/schema/index.ts';

/** Characters per part: small enough that a snippet (ts_headline) parses it in well under a millisecond per hit. */
export const NOTE_SEARCH_CHUNK_CHARS = 16_384;
/** A part ends at the last white space within this many characters of its end, so no word is cut in two. */
const WORD_BOUNDARY_WINDOW = 512;
/** Parts written per statement (≤ 1 MB of text each). */
const PARTS_PER_STATEMENT = 64;

/** Cuts text into parts of at most NOTE_SEARCH_CHUNK_CHARS, at white space where there is some. Empty text is one empty part. */
export function splitSearchText(text: string): string[] {
  // PostgreSQL text cannot hold NUL.
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  const parts: string[] = [];
  let start = 0;
  while (clean.length - start > NOTE_SEARCH_CHUNK_CHARS) {
    let end = start + NOTE_SEARCH_CHUNK_CHARS;
    const window = clean.slice(end - WORD_BOUNDARY_WINDOW, end);
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
    if (space >= 0) end = end - WORD_BOUNDARY_WINDOW + space + 1;
    // Never end between the two halves of a surrogate pair.
    const last = clean.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(clean.slice(start, end));
    start = end;
  }
  parts.push(clean.slice(start));
  return parts;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * Writes a note's text parts, only those that changed (compared by hash, so the stored text is not
 * read back), and drops parts past the new end. Title and language come from the note row; the
 * triggers of drizzle/0006 keep them current afterwards.
 */
export async function writeNoteSearchChunks(tx: Tx, noteId: string, text: string): Promise<void> {
  const parts = splitSearchText(text);
  const stored = await storedChunkHashes(tx, { noteId });
  const storedHashes = new Map(stored.map((row) => [Number(row.chunk_no), row.hash]));
  const changed = parts
    .map((content, chunkNo) => ({ chunkNo, content }))
    .filter((part) => storedHashes.get(part.chunkNo) !== md5(part.content));
  for (let offset = 0; offset < changed.length; offset += PARTS_PER_STATEMENT) {
    const batch = changed.slice(offset, offset + PARTS_PER_STATEMENT);
    await upsertChunks(tx, {
      noteId,
      chunkNos: `{${batch.map((part) => part.chunkNo).join(',')}}`,
      contents: textArray(batch.map((part) => part.content)),
    });
  }
  if (stored.some((row) => Number(row.chunk_no) >= parts.length)) {
    await tx
      .delete(noteSearchChunks)
      .where(and(eq(noteSearchChunks.note_id, noteId), gte(noteSearchChunks.chunk_no, parts.length)));
  }
}

// Prepared (db/prepared.ts): a store whose text changed runs both; the parts travel as arrays.
const storedChunkHashes = preparedStatement<{ noteId: string }, { chunk_no: number; hash: string }>(
  'note_search_chunk_hashes',
  (p) => sql`select chunk_no, md5(content) as hash from ${noteSearchChunks} where note_id = ${p.noteId}::uuid`,
);

const upsertChunks = preparedStatement<{ noteId: string; chunkNos: string; contents: string }>(
  'upsert_note_search_chunks',
  (p) => sql`insert into ${noteSearchChunks} (note_id, chunk_no, user_id, language, title, content)
    select n.id, v.chunk_no, n.user_id, n.search_language, coalesce(n.title, ''), v.content
    from ${notes} n, unnest(${p.chunkNos}::int[], ${p.contents}::text[]) as v(chunk_no, content)
    where n.id = ${p.noteId}::uuid
    on conflict (note_id, chunk_no) do update
      set content = excluded.content, title = excluded.title, language = excluded.language`,
);
