// docs/search.md: a note's text is indexed in parts, so all of a long note is searchable (no
// vector nears PostgreSQL's 1 MB tsvector limit, whatever the document's size) and a snippet is
// cut from the part that matched, not from the first 256 KiB.
import { createHash } from 'node:crypto';
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { preparedStatement, textArray } from '../../db/prepared.ts';
import { noteSearchChunks, notes } from '../../db/schema/index.ts';
import type { ReadSlices } from '../blocksuite/read-document.ts';

/** Characters per part: small enough that a snippet (ts_headline) parses it in well under a millisecond per hit. */
export const NOTE_SEARCH_CHUNK_CHARS = 16_384;
/** A part cut for its length ends at the last white space within this many characters of its end, so no word is cut in two. */
const WORD_BOUNDARY_WINDOW = 512;
/** Parts written per statement (≤ 1 MB of text each). */
const PARTS_PER_STATEMENT = 64;

/**
 * Where a part ends is decided by the text there, not by the distance from the start of the note:
 * a part ends at the first white space after a place where the hash of the ~20 characters before
 * it has its top CUT_BITS bits clear (a "gear" rolling hash, as content-defined chunking does), so
 * about every 8,000 characters. An edit then changes the part it falls in (and, if it lands in a
 * run of parts cut for their length, the parts up to the next such place); the parts after it keep
 * their text and are not written again. Cut by distance, inserting a word near the start of a long
 * note moved every later part and rewrote all of them at each store (10k blocks: 44 parts, 120–220
 * ms of the store in PostgreSQL; docs/benchmarks.md, "Large documents").
 */
const CUT_BITS = 13;
/** No content-defined cut closer than this to the part's start: a repetitive text gives no flood of tiny parts. */
const MIN_PART_CHARS = 1024;

/** 256 fixed pseudo-random 32-bit words (splitmix32 from a fixed seed): the parts must be cut alike by every process and version. */
const GEAR = (() => {
  const table = new Int32Array(256);
  let state = 0x9e3779b9;
  for (let i = 0; i < table.length; i += 1) {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    table[i] = z ^ (z >>> 16);
  }
  return table;
})();

/** The hash's top CUT_BITS bits (int32 arithmetic throughout: a uint32 above 2^31 would be a heap number). */
const CUT_MASK = -(1 << (32 - CUT_BITS));

const isWhiteSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x09;

/** Characters hashed between two looks at the slice clock (a 100k-block note's 7 MB take ~50 ms). */
const CHARS_PER_SLICE_CHECK = 1 << 16;

const NO_PAUSES: ReadSlices = { due: () => false, pause: async () => {} };

/**
 * Cuts text into parts of at most NOTE_SEARCH_CHUNK_CHARS, at white space where there is some, at
 * places chosen by the text itself (CUT_BITS); in time slices. Empty text is one empty part.
 */
export async function splitSearchText(text: string, slices: ReadSlices = NO_PAUSES): Promise<string[]> {
  // PostgreSQL text cannot hold NUL.
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  const split: Split = { text: clean, parts: [], start: 0, hash: 0, cutDue: false };
  for (let from = 0; from < clean.length; from += CHARS_PER_SLICE_CHECK) {
    if (slices.due()) await slices.pause();
    splitRange(split, from, Math.min(clean.length, from + CHARS_PER_SLICE_CHECK));
  }
  if (split.start < clean.length || split.parts.length === 0) split.parts.push(clean.slice(split.start));
  return split.parts;
}

/** A split under way: the parts so far, where the current one starts, the rolling hash. */
interface Split {
  readonly text: string;
  readonly parts: string[];
  start: number;
  hash: number;
  /** A place to cut was passed; the part ends at the next white space. */
  cutDue: boolean;
}

/** Goes on with a split over text[from, to) (a plain loop, apart from the slice pauses around it). */
function splitRange(split: Split, from: number, to: number): void {
  const { text, parts } = split;
  let { start, hash, cutDue } = split;
  for (let at = from; at < to; at += 1) {
    if (at - start >= NOTE_SEARCH_CHUNK_CHARS) {
      const end = endOfFullPart(text, start);
      parts.push(text.slice(start, end));
      start = end;
      cutDue = false;
    }
    const code = text.charCodeAt(at);
    // The top bits of a gear hash depend on the last ~32 characters only: the same text, the same cut.
    hash = ((hash << 1) + (GEAR[(code ^ (code >>> 8)) & 0xff] as number)) | 0;
    if (!cutDue && (hash & CUT_MASK) === 0 && at + 1 - start >= MIN_PART_CHARS) cutDue = true;
    if (cutDue && isWhiteSpace(code)) {
      parts.push(text.slice(start, at + 1));
      start = at + 1;
      cutDue = false;
    }
  }
  split.start = start;
  split.hash = hash;
  split.cutDue = cutDue;
}

/** Where a part of NOTE_SEARCH_CHUNK_CHARS from `start` ends: after the last white space near its end, never inside a surrogate pair. */
function endOfFullPart(text: string, start: number): number {
  let end = start + NOTE_SEARCH_CHUNK_CHARS;
  const window = text.slice(end - WORD_BOUNDARY_WINDOW, end);
  const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
  if (space >= 0) end = end - WORD_BOUNDARY_WINDOW + space + 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return end;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * Writes a note's text parts, only those that changed (compared by hash, so the stored text is not
 * read back), and drops parts past the new end. Title and language come from the note row; the
 * triggers of drizzle/0006 keep them current afterwards.
 */
export async function writeNoteSearchChunks(
  tx: Tx,
  noteId: string,
  text: string,
  slices: ReadSlices = NO_PAUSES,
): Promise<void> {
  const parts = await splitSearchText(text, slices);
  const stored = await storedChunkHashes(tx, { noteId });
  const storedHashes = new Map(stored.map((row) => [Number(row.chunk_no), row.hash]));
  const changed: Array<{ chunkNo: number; content: string }> = [];
  for (const [chunkNo, content] of parts.entries()) {
    if (slices.due()) await slices.pause();
    if (storedHashes.get(chunkNo) !== md5(content)) changed.push({ chunkNo, content });
  }
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
