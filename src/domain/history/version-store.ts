// The version rows of note documents (docs/history-and-trash.md): how a version is stored
// (full Yjs state, raw-deflated), when the store path takes one, and retention.
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedStatement } from '../../db/prepared.ts';
import { queryRows } from '../../db/rows.ts';
import { authSessions, notes, noteVersions } from '../../db/schema/index.ts';
import type { CompactionHook, YieldToRuns } from '../documents/compaction.ts';
import { sessionColumn } from '../documents/update-log.ts';

// node:zlib's asynchronous calls run on the libuv thread pool: deflating a 1 MB state never holds
// the event loop that relays edits and acknowledgements.
const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

export type VersionSource = 'edit' | 'restore' | 'import';

export interface VersionPolicy {
  enabled: boolean;
  /** Least minutes between two versions taken on store (0: every store). */
  intervalMinutes: number;
  /** Versions older than this many days are dropped… */
  retentionDays: number;
  /** …except each note's newest this many. */
  minVersions: number;
}

export interface NoteVersionSummary {
  id: string;
  note_id: string;
  created_at: Date;
  title: string | null;
  source: VersionSource;
  size: number;
  stored_size: number;
  /** The device (auth session id, as in the session list) that made it; null when unknown. */
  device_id: string | null;
  /** That session's user agent; null when unknown. */
  device_name: string | null;
  /** The import run that made it (source `import`); null otherwise. */
  import_id: string | null;
}

/** Select these with `.leftJoin(authSessions, versionDevice)`: `device_name` is the joined session's. */
export const versionSummaryColumns = {
  id: noteVersions.id,
  note_id: noteVersions.note_id,
  created_at: noteVersions.created_at,
  title: noteVersions.title,
  source: noteVersions.source,
  size: noteVersions.size,
  stored_size: noteVersions.stored_size,
  device_id: authSessions.id,
  device_name: authSessions.user_agent,
  import_id: noteVersions.import_id,
};

/**
 * The session that made a version. The join repeats the owner: a session of another user never
 * names a version's device, whatever id a row holds.
 */
export const versionDevice = and(
  eq(authSessions.id, noteVersions.session_id),
  eq(authSessions.user_id, noteVersions.user_id),
);

/**
 * States past this are deflated at level 1: a version of a 100k-block document (31.6 MB) is taken
 * with its store, and level 6 took 0.6–0.7 s of CPU (0.9–1.3 s wall under load) against
 * 0.1–0.4 s at level 1, for 3.7 % more stored bytes (5.34 against 5.15 MB; docs/benchmarks.md).
 * Smaller states keep level 6: their deflate takes milliseconds either way.
 */
export const FAST_DEFLATE_BYTES = 1 << 20;

/** The deflate of each state asked for, while the state lives: a store may start it before its transaction. */
const compressions = new WeakMap<Uint8Array, Promise<Uint8Array>>();

export function compressState(state: Uint8Array): Promise<Uint8Array> {
  let compressed = compressions.get(state);
  if (!compressed) {
    // A view of zlib's output, not a copy (5 MB for a 100k-block document's version).
    compressed = deflate(state, { level: state.length > FAST_DEFLATE_BYTES ? 1 : 6 }).then(
      (bytes) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
    compressions.set(state, compressed);
  }
  return compressed;
}

/** `maxBytes` bounds the inflated size (a version is never larger than a document may be). */
export async function decompressState(stored: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Uint8Array(await inflate(stored, { maxOutputLength: Math.max(maxBytes, 1024) }));
}

export interface NewVersion {
  noteId: string;
  userId: string;
  state: Uint8Array;
  title: string | null;
  source: VersionSource;
  /** The device that made it (auth session id); null or absent when unknown. */
  sessionId?: string | null;
  /** The import run that made it (source `import`). */
  importId?: string | null;
}

/** Stores one version and applies retention to its note; answers the new row's summary. */
export async function recordVersion(db: Db, version: NewVersion, policy: VersionPolicy): Promise<NoteVersionSummary> {
  const stored = await compressState(version.state);
  const [row] = await db
    .insert(noteVersions)
    .values({
      note_id: version.noteId,
      user_id: version.userId,
      source: version.source,
      title: version.title,
      size: version.state.length,
      stored_size: stored.length,
      state: stored,
      session_id: sessionColumn(version.sessionId),
      import_id: version.importId ?? null,
    })
    .returning({ id: noteVersions.id });
  const [summary] = await db
    .select(versionSummaryColumns)
    .from(noteVersions)
    .leftJoin(authSessions, versionDevice)
    .where(eq(noteVersions.id, row?.id ?? ''));
  await pruneNoteVersions(db, version.noteId, policy);
  return summary as NoteVersionSummary;
}

export interface ImportedDocument {
  noteId: string;
  state: Uint8Array;
  title: string | null;
}

/** Versions written by one statement (and deflated together) when an import records them. */
const IMPORT_VERSION_BATCH = 100;

/**
 * The `import` versions of the documents an import wrote, inside its transaction, so what was
 * imported stays in the history even when the first edit afterwards wipes it (a store only keeps
 * the state after that edit). Batched: an import writes thousands of documents. The notes are new,
 * so there is nothing to prune. Answers how many were taken (none with HISTORY off).
 */
export async function recordImportVersions(
  tx: Db,
  userId: string,
  documents: readonly ImportedDocument[],
  origin: { importId: string; sessionId: string | null },
  policy: VersionPolicy,
): Promise<number> {
  if (!policy.enabled) return 0;
  for (let start = 0; start < documents.length; start += IMPORT_VERSION_BATCH) {
    const batch = documents.slice(start, start + IMPORT_VERSION_BATCH);
    const stored = await Promise.all(batch.map((document) => compressState(document.state)));
    await tx.insert(noteVersions).values(
      batch.map((document, index) => {
        const state = stored[index] as Uint8Array;
        return {
          note_id: document.noteId,
          user_id: userId,
          source: 'import' as const,
          title: document.title,
          size: document.state.length,
          stored_size: state.length,
          state,
          session_id: sessionColumn(origin.sessionId),
          import_id: origin.importId,
        };
      }),
    );
  }
  return documents.length;
}

/** True when the note has no version taken in the last `intervalMinutes` (the database clock). */
export async function versionDue(db: Db, noteId: string, intervalMinutes: number): Promise<boolean> {
  if (intervalMinutes === 0) return true;
  return (await recentVersion(db, { noteId, intervalMinutes })).length === 0;
}

// Prepared (db/prepared.ts): every store of a document asks it.
const recentVersion = preparedStatement<{ noteId: string; intervalMinutes: number }>(
  'recent_note_version',
  (p) => sql`select ${noteVersions.id} from ${noteVersions}
    where ${noteVersions.note_id} = ${p.noteId}::uuid
      and ${noteVersions.created_at} > now() - make_interval(mins => ${p.intervalMinutes}::int)
    limit 1`,
);

/** A value, or how to get it when it is needed (a store encodes the document only for a version). */
export type OnDemand<T> = T | (() => Promise<T>);

const resolve = async <T>(value: OnDemand<T>): Promise<T> =>
  typeof value === 'function' ? (value as () => Promise<T>)() : value;

/**
 * Takes a version of the document's full state when one is due, in a transaction that holds the
 * note row's lock (`takeVersionAfterStore`), so two instances storing the same note never both
 * decide a version is due.
 */
export async function takeVersionOnStore(
  tx: Db,
  note: { id: string; user_id: string },
  state: OnDemand<Uint8Array>,
  policy: VersionPolicy,
  sessionId: OnDemand<string | null> = null,
): Promise<NoteVersionSummary | null> {
  if (!policy.enabled || !(await versionDue(tx, note.id, policy.intervalMinutes))) return null;
  const [row] = await tx.select({ title: notes.title }).from(notes).where(eq(notes.id, note.id));
  return recordVersion(
    tx,
    {
      noteId: note.id,
      userId: note.user_id,
      state: await resolve(state),
      title: row?.title ?? null,
      source: 'edit',
      sessionId: await resolve(sessionId),
    },
    policy,
  );
}

/** Drops a note's versions older than the retention, keeping its newest `minVersions`. */
export async function pruneNoteVersions(db: Db, noteId: string, policy: VersionPolicy): Promise<number> {
  const rows = await pruneVersions(db, {
    noteId,
    retentionDays: policy.retentionDays,
    minVersions: policy.minVersions,
  });
  return rows.length;
}

// Prepared (db/prepared.ts): every version a store takes runs it.
const pruneVersions = preparedStatement<{ noteId: string; retentionDays: number; minVersions: number }>(
  'prune_note_versions',
  (p) => sql`with note as (select ${p.noteId}::uuid as id)
    delete from note_versions
    where note_id = (select id from note)
      and created_at < now() - make_interval(days => ${p.retentionDays}::int)
      and id not in (
        select id from note_versions where note_id = (select id from note)
        order by created_at desc, id desc limit ${p.minVersions}::int
      )
    returning id`,
);

/**
 * The same retention over every note, in batches (the periodic job: a note nobody edits any more
 * takes no new version, so nothing else would ever drop its old ones).
 */
export async function pruneAllVersions(db: Db, policy: VersionPolicy, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`delete from note_versions where id in (
            select id from (
              select id, created_at,
                     row_number() over (partition by note_id order by created_at desc, id desc) as rank
              from note_versions
              where note_id in (
                select distinct note_id from note_versions
                where created_at < now() - make_interval(days => ${policy.retentionDays}::int)
              )
            ) ranked
            where rank > ${policy.minVersions}::int
              and created_at < now() - make_interval(days => ${policy.retentionDays}::int)
            limit ${batchSize}::int
          )
          returning id`,
    );
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}

/**
 * The version of a store, after its transaction committed, in a short transaction of its own: a
 * version is history, not the store's durability, so the store neither holds its row lock and
 * transaction open for it nor (a live document's store, compaction-scheduler.ts) waits for it.
 * The state is deflated before this transaction opens (PGlite's one connection is not held while
 * the thread pool runs); the decision is taken again under the note row's lock, the one every
 * compaction takes, so two instances storing one note never both take a version. Before each
 * costly step (the encoding, the deflate, the transaction) it yields to the note's runs asked for
 * meanwhile (`yieldToRuns`, compaction-scheduler.ts): a store that follows at once runs first
 * instead of waiting behind it or sharing the cores with it.
 */
export async function takeVersionAfterStore(
  db: Db,
  note: { id: string; user_id: string },
  state: OnDemand<Uint8Array>,
  policy: VersionPolicy,
  sessionId: OnDemand<string | null> = null,
  yieldToRuns: YieldToRuns = async () => {},
): Promise<NoteVersionSummary | null> {
  if (!policy.enabled || !(await versionDue(db, note.id, policy.intervalMinutes))) return null;
  await yieldToRuns();
  const bytes = await resolve(state);
  await yieldToRuns();
  await compressState(bytes);
  const device = await resolve(sessionId);
  await yieldToRuns();
  return db.transaction(async (tx) => {
    const [locked] = await lockNoteForVersion(tx, { noteId: note.id });
    if (!locked) return null;
    return takeVersionOnStore(tx, note, bytes, policy, device);
  });
}

// Prepared (db/prepared.ts): the same lock as a compaction's (`FOR NO KEY UPDATE`, compaction.ts).
const lockNoteForVersion = preparedStatement<{ noteId: string }, { id: string }>(
  'lock_note_for_version',
  (p) => sql`select id from ${notes} where id = ${p.noteId}::uuid for no key update`,
);

/**
 * Version history's hook on every store (wired in services.ts; docs/history-and-trash.md): the
 * whole version (is one due, the encoding a refresh makes for it, the deflate, the insert) after
 * the store committed. Nothing of it runs before the store's transaction: a store that answers at
 * its commit would wait for it there (the first store after loading a 10k-block document spent
 * 20–28 ms of CPU and 30–100 ms wall in it, docs/benchmarks.md).
 */
export const versionOnStoreHook = (policy: VersionPolicy): CompactionHook => ({
  afterCommit: (db, note, stored, yieldToRuns) =>
    takeVersionAfterStore(db, note, stored.state, policy, stored.sessionId, yieldToRuns),
});
