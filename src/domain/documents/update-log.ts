// The per-note append-only update log (`note_updates`) and the stored state it extends.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedStatement } from '../../db/prepared.ts';
import { parseBinaryCopy, readInt4, readInt8, requiredField } from '../../db/binary-copy.ts';
import { queryRows } from '../../db/rows.ts';
import { isUuid } from '../uuid.ts';

export interface LoggedUpdate {
  noteId: string;
  update: Uint8Array;
  /** The signed-in device (auth session) that made it; null or absent when unknown. */
  sessionId?: string | null;
}

export interface LogEntry {
  id: number;
  update: Uint8Array;
}

/** A note's document as the database holds it: the compacted state and the log entries after it. */
export interface StoredDocumentState {
  /** `notes.blocksuite_doc`; null before the first compaction. */
  stored: Uint8Array | null;
  /** Log entries not yet compacted, in id order. */
  log: LogEntry[];
  /**
   * The note row's version (`xmin`) in the same snapshot, so that a live document can tell later
   * whether the stored state is still the one it was loaded from (stored-state-marks.ts). Set by
   * the single-note loads.
   */
  version?: string;
}

/** A PostgreSQL array literal of strings that need no quoting (uuids, `\x` hex). */
const arrayLiteral = (items: readonly string[]) => `{${items.join(',')}}`;

/** `\\x…`: a bytea in hex inside an array literal (the backslash escaped once for the array). */
const byteaElement = (bytes: Uint8Array) =>
  `"\\\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}"`;

/** A session id as the column takes it: anything but a UUID names no device (and must not fail an append). */
export const sessionColumn = (sessionId: string | null | undefined): string | null =>
  sessionId && isUuid(sessionId) ? sessionId : null;

/**
 * Appends updates of any number of notes in ONE statement, so in one transaction: either every
 * entry is committed or none is. A single statement also saves the BEGIN/COMMIT round trips an
 * explicit transaction would cost, which is what an acknowledgement waits for.
 *
 * The rows travel as array parameters unnested by the server, so the statement is the same
 * for any number of rows and runs prepared (db/prepared.ts): one round trip per commit. A
 * multi-row VALUES list was a new statement (parse, describe) for every batch size, and building
 * that list through the query builder cost more of the server's CPU than the rest of an
 * acknowledgement (the group commit runs for every edit; --cpu-prof of the collab benchmark,
 * docs/benchmarks.md).
 */
export async function appendUpdateRows(db: Db, entries: readonly LoggedUpdate[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const [noteIds, updates, sessionIds] = appendParameters(entries);
  const rows = await appendRows(db, { noteIds, updates, sessionIds });
  return rows.map((row) => Number(row.id));
}

const appendRows = preparedStatement<{ noteIds: string; updates: string; sessionIds: string }, { id: string | number }>(
  'append_note_updates',
  (p) => sql`insert into note_updates (note_id, "update", session_id)
    select note_id, "update", session_id
    from unnest(${p.noteIds}::uuid[], ${p.updates}::bytea[], ${p.sessionIds}::uuid[]) as rows(note_id, "update", session_id)
    returning id`,
);

/** The rows as three array literals: note ids, updates (hex), session ids (NULL for none). */
function appendParameters(entries: readonly LoggedUpdate[]): [string, string, string] {
  for (const entry of entries) if (!isUuid(entry.noteId)) throw new TypeError('note id is not a UUID');
  return [
    arrayLiteral(entries.map((entry) => entry.noteId)),
    arrayLiteral(entries.map((entry) => byteaElement(entry.update))),
    arrayLiteral(entries.map((entry) => sessionColumn(entry.sessionId) ?? 'NULL')),
  ];
}

/** Appends one note's updates in one transaction; resolves once they are committed. */
export async function appendUpdates(db: Db, noteId: string, updates: readonly Uint8Array[]): Promise<number[]> {
  return appendUpdateRows(
    db,
    updates.map((update) => ({ noteId, update })),
  );
}

/**
 * How bytea travels from the database. postgres.js receives it as hex text and decodes that in
 * JavaScript (a 10 MB document took ~0.3-0.6 s here, blocking the event loop); base64 from
 * `encode()` is a third smaller and Buffer decodes it natively. PGlite hands over raw bytes.
 */
export type ByteTransfer = 'binary' | 'base64';

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  throw new TypeError('expected bytea to arrive as bytes');
}

/**
 * Stored state + log tail, read by ONE statement so both halves come from the same snapshot: read
 * separately, a compaction committing in between would merge and delete log rows after the state
 * was read, and the load would miss them.
 */
export async function loadDocumentState(
  db: Db,
  noteId: string,
  transfer: ByteTransfer = 'binary',
): Promise<StoredDocumentState | null> {
  const stored = transfer === 'base64' ? sql`encode(blocksuite_doc, 'base64')` : sql`blocksuite_doc`;
  const update = transfer === 'base64' ? sql`encode("update", 'base64')` : sql`"update"`;
  const rows = await queryRows<{ part: number; id: string | number | null; bytes: unknown }>(
    db,
    sql`select 0 as part, xmin::text::bigint as id, ${stored} as bytes from notes where id = ${noteId}
        union all
        select 1 as part, id, ${update} as bytes from note_updates where note_id = ${noteId}
        order by part, id`,
  );
  const head = rows[0];
  if (!head || Number(head.part) !== 0) return null;
  return {
    stored: head.bytes === null || head.bytes === undefined ? null : toBytes(head.bytes),
    log: rows.slice(1).map((row) => ({ id: Number(row.id), update: toBytes(row.bytes) })),
    version: String(head.id),
  };
}

/**
 * `loadDocumentState` for many notes in one statement (a sync pull page or an export presents
 * hundreds of notes: a query each would be a round trip per note), with the same snapshot rule.
 * Notes that do not exist are absent from the answer.
 */
export async function loadDocumentStates(
  db: Db,
  noteIds: readonly string[],
  transfer: ByteTransfer = 'binary',
): Promise<Map<string, StoredDocumentState>> {
  const states = new Map<string, StoredDocumentState>();
  if (noteIds.length === 0) return states;
  const ids = `{${[...new Set(noteIds)].join(',')}}`;
  const stored = transfer === 'base64' ? sql`encode(blocksuite_doc, 'base64')` : sql`blocksuite_doc`;
  const update = transfer === 'base64' ? sql`encode("update", 'base64')` : sql`"update"`;
  const rows = await queryRows<{ note_id: string; part: number; id: string | number | null; bytes: unknown }>(
    db,
    sql`select note_id, part, id, bytes from (
          select id as note_id, 0 as part, null::bigint as id, ${stored} as bytes from notes where id = any(${ids}::uuid[])
          union all
          select note_id, 1 as part, id, ${update} as bytes from note_updates where note_id = any(${ids}::uuid[])
        ) parts
        order by note_id, part, id`,
  );
  for (const row of rows) {
    const state = states.get(row.note_id) ?? { stored: null, log: [] };
    if (Number(row.part) === 0)
      state.stored = row.bytes === null || row.bytes === undefined ? null : toBytes(row.bytes);
    else state.log.push({ id: Number(row.id), update: toBytes(row.bytes) });
    states.set(row.note_id, state);
  }
  return states;
}

/**
 * `loadDocumentState` through a binary COPY (PostgreSQL): the same single statement, with the
 * bytes sent raw instead of as text. What a document load uses; a 10 MB state arrives in about
 * 26-31 ms instead of 65-108 ms as base64 (bench/probes/cold-load-parts.ts).
 */
export async function loadDocumentStateByCopy(
  copyOut: (select: string) => Promise<Buffer>,
  noteId: string,
): Promise<StoredDocumentState | null> {
  // COPY takes no parameters: the id is written into the statement, so it must be a UUID.
  if (!isUuid(noteId)) return null;
  const rows = parseBinaryCopy(
    await copyOut(
      `select 0::int4 as part, xmin::text::int8 as id, blocksuite_doc as bytes from notes where id = '${noteId}'
       union all
       select 1::int4 as part, id::int8, "update" as bytes from note_updates where note_id = '${noteId}'
       order by part, id`,
    ),
  );
  const [head, ...log] = rows;
  if (!head || readInt4(requiredField(head, 0)) !== 0) return null;
  return {
    stored: head[2] ?? null,
    log: log.map((row) => ({ id: readInt8(requiredField(row, 1)), update: requiredField(row, 2) })),
    version: String(readInt8(requiredField(head, 1))),
  };
}

/** Bytes the state occupies; what the document size limit starts from when a document loads. */
export function storedStateBytes(state: StoredDocumentState): number {
  return (state.stored?.length ?? 0) + state.log.reduce((sum, entry) => sum + entry.update.length, 0);
}
