// A compaction's state written before its transaction opens, on PGlite. PGlite is one session on
// one connection, run in this thread: while a transaction is open no other statement runs, and
// every other document's append (an acknowledgement a user waits for) queues behind it. Writing a
// 3.3 MB state in parts took 0.8–1.3 s inside the compaction's transaction (PGlite's own bytea
// codec, converting byte by byte, since replaced by pglite-bytea.ts), and the other user's acknowledgement waited that
// long and more (docs/benchmarks.md, "stall"). Staged here instead, each part is a statement of its
// own: an append waits for one part at most, and the transaction only puts the parts together.
//
// The parts go to a temporary table of the session: it lives as long as the connection (the
// process), is never logged, and nothing another process does can see it. A run that stops between
// staging and its transaction (an error, another path chosen) leaves its parts behind until
// `dropStagedState` or the note's next staging removes them. PostgreSQL has a pool (another
// connection serves the appends) and its pooled sessions do not keep a temporary table between
// statements: there the parts stay inside the transaction (compaction.ts).
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { notes } from '../../db/schema/notes.ts';
import type { TimeSlicer } from './time-slices.ts';

/**
 * Bytes per staged part. PGlite runs a statement in this thread, so a part's statement holds both
 * the connection and the event loop. Sized when PGlite's own bytea codec took ~40–60 ms for 256 KiB;
 * with Node's hex codec (pglite-bytea.ts) a part costs far less and could be larger (not measured).
 */
export const STAGED_PART_BYTES = 256 * 1024;

/** The note's state in parts, each written by a statement of its own, with a slice pause between parts. */
export async function stageState(db: Db, noteId: string, bytes: Uint8Array, slicer: TimeSlicer): Promise<void> {
  await db.execute(sql`create temporary table if not exists compaction_state_parts (
      note_id uuid not null, part int not null, bytes bytea not null, primary key (note_id, part))`);
  // The parts are read once, by the transaction: compressing each would only double the work.
  await db.execute(sql`alter table compaction_state_parts alter column bytes set storage external`);
  await dropStagedState(db, noteId);
  for (let part = 0, offset = 0; offset < bytes.length; part += 1, offset += STAGED_PART_BYTES) {
    if (slicer.due()) await slicer.pause();
    const piece = Buffer.from(
      bytes.buffer,
      bytes.byteOffset + offset,
      Math.min(STAGED_PART_BYTES, bytes.length - offset),
    );
    await db.execute(
      sql`insert into compaction_state_parts (note_id, part, bytes) values (${noteId}::uuid, ${part}, ${piece})`,
    );
  }
}

/**
 * Inside the compaction's transaction: `notes.blocksuite_doc` from the staged parts. Throws (and
 * the transaction rolls back, the log untouched) unless all `bytes` bytes are staged: a missing
 * part must never store a shorter state.
 */
export async function writeStagedState(tx: Tx, noteId: string, bytes: number): Promise<void> {
  const written = await queryRows(
    tx,
    sql`with staged as (
        select string_agg(bytes, ''::bytea order by part) as state from compaction_state_parts
        where note_id = ${noteId}::uuid
      )
      update ${notes} set blocksuite_doc = staged.state from staged
      where ${notes.id} = ${noteId}::uuid and octet_length(staged.state) = ${bytes}::int
      returning ${notes.id}`,
  );
  if (written.length !== 1) throw new Error('staged state incomplete');
}

/** Removes the note's staged parts (after its transaction, whether it used them or not). */
export async function dropStagedState(db: Db, noteId: string): Promise<void> {
  await db.execute(sql`delete from compaction_state_parts where note_id = ${noteId}::uuid`);
}
