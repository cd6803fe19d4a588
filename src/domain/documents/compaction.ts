import { and, desc, eq, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import type { Db, Tx } from '../../db/client.ts';
import { preparedStatement } from '../../db/prepared.ts';
import { notes, noteUpdates } from '../../db/schema/notes.ts';
import type { DecodedCopies } from './decoded-copies.ts';
import { liveDocumentContent } from '../blocksuite/index.ts';
import { updateNoteFromContent, updateNoteFromDocument } from '../notes/document-derivatives.ts';
import { storedStateCost, takeDecodeCost } from './decode-budget.ts';
import { applyStoredState } from './document-state.ts';
import { encodedBase, replaceEncodedBase } from './encoded-base.ts';
import type { LiveDocuments } from './live-documents.ts';
import { encodeStateInSlices, type SlicedEncoding } from './sliced-encoding.ts';
import { dropStagedState, STAGED_PART_BYTES, stageState, writeStagedState } from './staged-state.ts';
import {
  markStoredState,
  md5Hex,
  md5HexInSlices,
  type StoredStateMark,
  storedStateMark,
} from './stored-state-marks.ts';
import { timeSlicer, type TimeSlicer } from './time-slices.ts';
import { countUpdateCost } from './update-cost.ts';
import { loadDocumentState, type ByteTransfer } from './update-log.ts';

export type CompactionResult =
  | { status: 'missing' }
  | { status: 'unchanged' }
  | { status: 'compacted'; mergedEntries: number; skippedEntries: number; bytes: number }
  /** A store that refreshed the derived data from memory and left the log where it is (worth too little to fold). */
  | { status: 'refreshed'; logEntries: number; logBytes: number };

/**
 * What a run does with the log:
 * - `fold`: fold it into the stored state (every caller but the store of a live document);
 * - `store`: the store of a document loaded here, after edits. The log is already durable, so
 *   folding it only saves its replay at the next load and costs in proportion to the whole document
 *   (encode, write, TOAST): it is folded only once it passes `foldThreshold` of the stored state.
 *   Otherwise only the derived data is refreshed, from memory.
 */
export type CompactionMode = 'fold' | 'store';

/**
 * Where a fold from memory writes a state larger than one part: `in-transaction` (PostgreSQL: a
 * pool, so appends run on other connections meanwhile) or `staged` before the transaction opens
 * (PGlite: one connection, which the transaction holds; staged-state.ts).
 */
export type StateWrites = 'in-transaction' | 'staged';

export const stateWritesFor = (engine: 'postgres' | 'pglite'): StateWrites =>
  engine === 'pglite' ? 'staged' : 'in-transaction';

/** Log bytes past which a store folds the log: a load then replays at most about an eighth more. */
export function foldThreshold(storedBytes: number): number {
  return Math.max(FOLD_MIN_LOG_BYTES, Math.floor(storedBytes / 8));
}
const FOLD_MIN_LOG_BYTES = 256 * 1024;

/**
 * Runs inside the compaction's transaction, with the note row locked, after the derived data (and
 * the merged state, when the log was folded) are written (version history takes its versions
 * here; wired in services.ts, so that documents never import the folders built on top of them).
 */
export interface CompactionHook {
  /** Inside the transaction, after the derived data (and the merged state, when folded) are written. */
  inTransaction?(tx: Db, note: { id: string; user_id: string }, stored: StoredDocument): Promise<unknown>;
  /**
   * After the transaction committed, with the same document: work that is not the store's
   * durability (a version is history) and need not hold the row lock or the transaction open.
   * A run given `defer` hands this work over instead of awaiting it (`compactDocument`). `yieldToRuns`
   * waits while another run of the note is asked for or running (the scheduler's; a no-op when the
   * run awaits the work): awaited before each costly step, so that a store never waits for it.
   */
  afterCommit?(
    db: Db,
    note: { id: string; user_id: string },
    stored: StoredDocument,
    yieldToRuns: YieldToRuns,
  ): Promise<unknown>;
  /**
   * Work the hook may start before the transaction opens, given the state a run from memory is
   * about to store (a fold: encoded before it) or would encode for it (a refresh: asked for, and
   * encoded, only if the hook calls `state`; the same bytes the hook then gets inside): on PGlite
   * the transaction holds the one connection, and whatever the hook awaits inside it (a deflate on
   * the thread pool, then a turn of the event loop behind other documents' work) every other
   * document's append waits for too; on PostgreSQL a deflate started here runs beside the derived
   * data's statements.
   */
  beforeTransaction?(db: Db, noteId: string, state: () => Promise<Uint8Array>): Promise<unknown>;
}

/** The document a run stored, for its hooks: asked for only when needed (a store that folds nothing encodes nothing). */
export interface StoredDocument {
  /** The document's full state, as one update. */
  state(): Promise<Uint8Array>;
  /** The device (auth session) of the newest log entry the state holds that names one; null when none does. */
  sessionId(): Promise<string | null>;
}

const storedDocument = (state: Uint8Array, sessionId: string | null): StoredDocument => ({
  state: async () => state,
  sessionId: async () => sessionId,
});

/** The session of the newest entry that names one (the device of the latest edit merged). */
function newestSession(entries: ReadonlyArray<{ id: number; session_id: string | null }>): string | null {
  let newest: { id: number; session_id: string | null } | undefined;
  for (const entry of entries) if (entry.session_id !== null && (!newest || entry.id > newest.id)) newest = entry;
  return newest?.session_id ?? null;
}

/** Resolves once no other run of the note is asked for or running (or the wait's bound has passed). */
export type YieldToRuns = () => Promise<void>;

/**
 * Where a run's after-commit work goes: awaited by the run (undefined), or handed to the caller,
 * which answers at the commit and starts the work behind it (compaction-scheduler.ts), giving it
 * the `YieldToRuns` it awaits before each costly step.
 */
export type DeferWork = (work: (yieldToRuns: YieldToRuns) => Promise<unknown>) => void;

const noYield: YieldToRuns = async () => {};

/** The hooks' after-commit work for what a run stored: awaited, or handed to `defer`. */
async function runAfterCommit(
  db: Db,
  hooks: readonly CompactionHook[],
  after: { note: { id: string; user_id: string }; stored: StoredDocument } | undefined,
  defer: DeferWork | undefined,
): Promise<void> {
  if (!after || !hooks.some((hook) => hook.afterCommit)) return;
  const work = async (yieldToRuns: YieldToRuns) => {
    for (const hook of hooks) await hook.afterCommit?.(db, after.note, after.stored, yieldToRuns);
  };
  if (defer) defer(work);
  else await work(noYield);
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
 *
 * With `live`, a document loaded in this process is compacted from memory instead
 * (`compactLiveDocument`); the database path above is what runs otherwise, and whenever the live
 * path cannot prove its result complete.
 */
export async function compactDocument(
  db: Db,
  noteId: string,
  transfer: ByteTransfer = 'binary',
  hooks: readonly CompactionHook[] = [],
  live?: LiveDocuments,
  mode: CompactionMode = 'fold',
  writes: StateWrites = 'in-transaction',
  defer?: DeferWork,
  copies?: DecodedCopies,
): Promise<CompactionResult> {
  const fromMemory = live ? await compactLiveDocument(db, noteId, live, hooks, mode, writes, defer) : undefined;
  if (fromMemory) return fromMemory;
  return compactFromDatabase(db, noteId, transfer, hooks, live, defer, copies);
}

async function compactFromDatabase(
  db: Db,
  noteId: string,
  transfer: ByteTransfer,
  hooks: readonly CompactionHook[],
  live: LiveDocuments | undefined,
  defer: DeferWork | undefined,
  copies: DecodedCopies | undefined,
): Promise<CompactionResult> {
  // The decoded document, kept once committed when HTTP document sync holds a copy of the note
  // (decoded-copies.ts): it is exactly the stored state written.
  let handOver: { doc: Y.Doc; mark: StoredStateMark; release: () => void } | undefined;
  const transaction = db.transaction(async (tx) => {
    const [note] = await lockNote(tx, { noteId });
    if (!note) return { result: { status: 'missing' } as const };
    const state = await loadDocumentState(tx, noteId, transfer);
    if (!state || state.log.length === 0) return { result: { status: 'unchanged' } as const };

    // Taken from the memory budget before the state becomes objects, held until the document is
    // dropped. When it is spent this throws: the scheduler retries later and the log keeps every
    // entry meanwhile (waiting here would hold the row lock and, on PGlite, the only connection).
    // A copy HTTP document sync keeps of the note (decoded-copies.ts) is folded instead of
    // decoding the note again; its cost is held already.
    const copy = copies?.checkOut(noteId, state);
    const release = copy ? copy.release : takeDecodeCost(storedStateCost(state));
    const doc = copy ? copy.doc : new Y.Doc();
    try {
      const { skipped } = copy ? { skipped: 0 } : applyStoredState(doc, state);
      const merged = Y.encodeStateAsUpdate(doc);
      const deleted = await foldLogIntoState(
        tx,
        noteId,
        merged,
        state.log.map((entry) => entry.id),
      );
      const owner = { id: note.id, user_id: note.user_id, title: note.title };
      await updateNoteFromDocument(tx, owner, doc);
      const stored = storedDocument(merged, newestSession(deleted));
      for (const hook of hooks) await hook.inTransaction?.(tx, owner, stored);
      // A live document here may still lack what this merge folded in (a peer's entry not relayed
      // yet); it may only be compacted from memory again once it holds all of it.
      const liveDoc = live ? await live.find(note.doc_id) : undefined;
      const mark =
        liveDoc && containsDocument(liveDoc, doc)
          ? { rowVersion: await rowVersion(tx, noteId), docMd5: md5Hex(merged) }
          : undefined;
      if (copy || copies?.holds(noteId))
        handOver = { doc, mark: { rowVersion: await rowVersion(tx, noteId), docMd5: md5Hex(merged) }, release };
      return {
        result: { status: 'compacted', mergedEntries: state.log.length, skippedEntries: skipped, bytes: merged.length },
        mark: liveDoc && mark ? { doc: liveDoc, mark } : undefined,
        after: { note: owner, stored },
      } as const;
    } finally {
      if (handOver?.doc !== doc) {
        doc.destroy();
        release();
      }
    }
  });
  let outcome: Awaited<typeof transaction>;
  try {
    outcome = await transaction;
  } catch (error) {
    // Not committed: the document decoded is not the stored state.
    handOver?.doc.destroy();
    handOver?.release();
    throw error;
  }
  if ('mark' in outcome && outcome.mark) markStoredState(outcome.mark.doc, outcome.mark.mark);
  if (handOver) copies?.adopt(noteId, handOver.doc, handOver.mark, handOver.release);
  await runAfterCommit(db, hooks, 'after' in outcome ? outcome.after : undefined, defer);
  return outcome.result;
}

/**
 * Compaction of a document loaded in this process, from memory: the live document already holds
 * the stored state and the log (decoding them again took 13.6 s of a 22 s store for a
 * 100k-block document). Its state is encoded and its content read in time slices
 * (sliced-encoding.ts), so the event loop serving other documents is never held for long.
 *
 * Correctness rests on two checks, made under the row lock:
 * - the stored state is one the document is known to contain (stored-state-marks.ts); otherwise
 *   another instance or a REST write folded something in that the document may lack, and the
 *   database path runs instead;
 * - only log entries the encoded state contains are deleted. An entry another instance logged may
 *   reach this document (through Redis) only after it is logged: it stays in the log, for the
 *   next compaction.
 * The encoded state may hold more than the log: an update applied whose append has not committed
 * yet. That is content a client sent and others may already see; should its append fail, the
 * clients re-send it and Yjs applies it as a no-op.
 *
 * Answers undefined when the database path must run.
 */
async function compactLiveDocument(
  db: Db,
  noteId: string,
  live: LiveDocuments,
  hooks: readonly CompactionHook[],
  mode: CompactionMode,
  writes: StateWrites,
  defer: DeferWork | undefined,
): Promise<CompactionResult | undefined> {
  const [stats] = await logStats(db, { noteId });
  if (!stats) return { status: 'missing' };
  const row = {
    doc_id: stats.doc_id,
    log_entries: Number(stats.log_entries),
    log_bytes: Number(stats.log_bytes),
    stored_bytes: Number(stats.stored_bytes),
  };
  // An empty log changes nothing; checked before encoding anything.
  if (row.log_entries === 0) return { status: 'unchanged' };
  const doc = await live.find(row.doc_id);
  const known = doc ? storedStateMark(doc) : undefined;
  if (!doc || !known) return undefined;
  if (mode === 'store' && row.log_bytes < foldThreshold(row.stored_bytes))
    return refreshFromMemory(db, noteId, doc, known, hooks, { entries: row.log_entries, bytes: row.log_bytes }, defer);

  const slicer = timeSlicer();
  const reader = liveDocumentContent(doc);
  const generation = reader.generation;
  // The stored state is encoded struct by struct (its bytes are Yjs's own), and becomes the base
  // of the document's next versions (encoded-base.ts).
  const encoded = await encodeStateInSlices(doc, slicer);
  if (encoded.base) replaceEncodedBase(doc, encoded.base, encoded.update.length);
  // As soon as the state is known, so that what they start (thread-pool work) runs while the rest
  // is prepared.
  for (const hook of hooks) await hook.beforeTransaction?.(db, noteId, async () => encoded.update);
  const content = await reader.read(slicer);
  const docMd5 = await md5HexInSlices(encoded.update, slicer);
  // Log entries never change once committed, so they are checked before the transaction opens:
  // on PGlite its one connection would otherwise be held across every slice of the checks, and
  // every other document's append would wait behind them (docs/benchmarks.md, "stall").
  const verdicts = await checkLog(db, noteId, row.log_bytes, encoded.contains, slicer);
  // Staged before the transaction (PGlite): its parts are statements of their own, and an append
  // of another document waits for one part at most instead of the whole write.
  const staged = writes === 'staged' && encoded.update.length > STAGED_PART_BYTES;
  if (staged) await stageState(db, noteId, encoded.update, slicer);

  const outcome = await db
    .transaction(async (tx) => {
      const note = await lockKnownNote(tx, noteId, known);
      if (note === 'missing') return { result: { status: 'missing' } as const };
      if (note === 'unknown') return undefined;
      // Under the lock only the ids are read: what this run folds is exactly this list. Entries that
      // committed since the read above (usually none) are read and checked here.
      const ids = (await readLogIds(tx, { noteId })).map((row) => Number(row.id));
      const arrived = ids.filter((id) => !verdicts.has(id));
      if (arrived.length > 0) {
        const late = await readLogEntries(tx, { noteId, ids: `{${arrived.join(',')}}` });
        for (const [id, verdict] of await checkEntries(late, encoded.contains, slicer)) verdicts.set(id, verdict);
      }
      const merged: number[] = [];
      let skipped = 0;
      let firstMissing: number | undefined;
      for (const id of ids) {
        const verdict = verdicts.get(id) ?? 'missing';
        if (verdict === 'unreadable') skipped += 1;
        if (verdict !== 'missing') merged.push(id);
        else firstMissing ??= id;
      }
      // An entry still missing since the last compaction from memory may never arrive (an update
      // whose dependencies this document lacks waits in Yjs's pending structs): the database path
      // folds it instead.
      const stuck = firstMissing !== undefined && leftOver.get(doc) === firstMissing;
      if (firstMissing === undefined) leftOver.delete(doc);
      else leftOver.set(doc, firstMissing);
      if (stuck) return undefined;
      if (merged.length === 0) return { result: { status: 'unchanged' } as const };

      const deleted = await foldLogIntoState(tx, noteId, encoded.update, merged, staged ? 'staged' : slicer);
      const owner = { id: note.id, user_id: note.user_id, title: note.title };
      await updateNoteFromContent(tx, owner, content, slicer);
      const stored = storedDocument(encoded.update, newestSession(deleted));
      for (const hook of hooks) await hook.inTransaction?.(tx, owner, stored);
      const mark: StoredStateMark = { rowVersion: await rowVersion(tx, noteId), docMd5 };
      return {
        result: {
          status: 'compacted',
          mergedEntries: merged.length,
          skippedEntries: skipped,
          bytes: encoded.update.length,
        } as const,
        mark,
        after: { note: owner, stored },
      };
    })
    // Whether the transaction used the parts or not (another path chosen, a failure): a part left
    // behind would only be removed by this note's next staging.
    .finally(() => (staged ? dropStagedState(db, noteId) : undefined));
  if (outcome === undefined) return undefined;
  if ('mark' in outcome && outcome.mark) {
    markStoredState(doc, outcome.mark);
    storedGenerations.set(doc, generation);
  }
  await runAfterCommit(db, hooks, 'after' in outcome ? outcome.after : undefined, defer);
  return outcome.result;
}

/**
 * A store that leaves the log where it is (mode `store`, the log worth too little to fold): the
 * derived data (title, snapshot, search, links, topics) from the document in memory, and a version
 * when one is due; only then is the document encoded. Nothing at all when the document has not
 * changed since its last store here. As for a fold from memory, the stored state must still be one
 * the document contains: otherwise another instance or a REST write stored something this
 * document may lack, and the database path folds everything instead.
 */
async function refreshFromMemory(
  db: Db,
  noteId: string,
  doc: Y.Doc,
  known: StoredStateMark,
  hooks: readonly CompactionHook[],
  log: { entries: number; bytes: number },
  defer: DeferWork | undefined,
): Promise<CompactionResult | undefined> {
  const reader = liveDocumentContent(doc);
  const generation = reader.generation;
  if (storedGenerations.get(doc) === generation) return { status: 'unchanged' };
  const slicer = timeSlicer();
  const content = await reader.read(slicer);
  let encoding: Promise<SlicedEncoding> | undefined;
  // A version is the only full encoding a refresh makes: over the kept base (encoded-base.ts) it
  // copies the structs the document was loaded with (or last encoded with) as bytes.
  const encode = () => {
    encoding ??= encodedBase(doc).then(async (base) => {
      const encoded = await encodeStateInSlices(doc, slicer, base);
      if (encoded.base) replaceEncodedBase(doc, encoded.base, encoded.update.length);
      return encoded;
    });
    return encoding;
  };
  // A hook asking for the state here gets it encoded now (over the base, a copy), and the same
  // bytes later; version history asks for it only after the commit (version-store.ts).
  for (const hook of hooks) await hook.beforeTransaction?.(db, noteId, async () => (await encode()).update);

  let owner: { id: string; user_id: string } | undefined;
  const mark = await db.transaction(async (tx) => {
    const note = await lockKnownNote(tx, noteId, known);
    if (note === 'missing' || note === 'unknown') return note;
    const written = { id: note.id, user_id: note.user_id, title: note.title };
    owner = written;
    await updateNoteFromContent(tx, written, content, slicer);
    const inside: StoredDocument = {
      state: async () => (await encode()).update,
      sessionId: async () => newestHeldSession(tx, noteId, (await encode()).contains),
    };
    for (const hook of hooks) await hook.inTransaction?.(tx, written, inside);
    // The stored state is untouched; the row's version changed if the derived data did.
    return { rowVersion: await rowVersion(tx, noteId), docMd5: known.docMd5 };
  });
  if (mark === 'missing') return { status: 'missing' };
  if (mark === 'unknown') return undefined;
  markStoredState(doc, mark);
  storedGenerations.set(doc, generation);
  // After the commit the log entries are read outside the transaction: the log is unfolded (a
  // refresh), and one folded meanwhile by another instance only leaves the device unknown.
  const stored: StoredDocument = {
    state: async () => (await encode()).update,
    sessionId: async () => newestHeldSession(db, noteId, (await encode()).contains),
  };
  await runAfterCommit(db, hooks, owner && { note: owner, stored }, defer);
  return { status: 'refreshed', logEntries: log.entries, logBytes: log.bytes };
}

/** The content generation (live-content.ts) of each live document at its last store from memory. */
const storedGenerations = new WeakMap<Y.Doc, number>();

/**
 * Locks the note row for a run from memory and checks that the stored state is one the document
 * is known to contain (stored-state-marks.ts): `unknown` sends the run down the database path.
 */
async function lockKnownNote(
  tx: Tx,
  noteId: string,
  known: StoredStateMark,
): Promise<{ id: string; user_id: string; title: string | null } | 'missing' | 'unknown'> {
  const [note] = await lockNote(tx, { noteId });
  if (!note) return 'missing';
  if (note.version !== known.rowVersion && !(await storedDocumentIs(tx, noteId, known))) return 'unknown';
  return note;
}

/** The session of the newest log entry that names one and that the state holds (the device of the latest edit in it). */
async function newestHeldSession(
  tx: Db,
  noteId: string,
  contains: (update: Uint8Array) => boolean,
): Promise<string | null> {
  const entries = await tx
    .select({ session_id: noteUpdates.session_id, update: noteUpdates.update })
    .from(noteUpdates)
    .where(and(eq(noteUpdates.note_id, noteId), sql`${noteUpdates.session_id} is not null`))
    .orderBy(desc(noteUpdates.id));
  for (const entry of entries) if (containment(contains, entry.update) === 'held') return entry.session_id;
  return null;
}

type Containment = 'held' | 'missing' | 'unreadable';

/** Each entry's containment verdict by id, one slice at a time (each check decodes the entry: ten 50 000-struct updates took ~0.5 s in one turn). */
async function checkEntries(
  entries: ReadonlyArray<{ id: string; update: Uint8Array }>,
  contains: (update: Uint8Array) => boolean,
  slicer: TimeSlicer,
): Promise<Map<number, Containment>> {
  const verdicts = new Map<number, Containment>();
  for (const entry of entries) {
    if (slicer.due()) await slicer.pause();
    verdicts.set(Number(entry.id), containment(contains, entry.update));
  }
  return verdicts;
}

/**
 * Log bytes read per statement before the transaction. A statement's result is turned into bytes
 * in one synchronous call, and on PGlite the statement itself runs in this thread: the ten
 * 300 KB entries of the stall probe's documents, read at once, held the event loop (and PGlite's
 * one connection) for 0.2–0.7 s (docs/benchmarks.md, "stall").
 */
const LOG_READ_BYTES = 512 * 1024;

/**
 * The containment verdict of each log entry, read by id (`LOG_READ_BYTES` a statement, or one
 * larger entry) and checked one slice at a time. An entry folded meanwhile by another instance
 * is simply not read; the transaction reads the ids again anyway.
 */
async function checkLog(
  db: Db,
  noteId: string,
  logBytes: number,
  contains: (update: Uint8Array) => boolean,
  slicer: TimeSlicer,
): Promise<Map<number, Containment>> {
  if (logBytes <= LOG_READ_BYTES) return checkEntries(await readLog(db, { noteId }), contains, slicer);
  const verdicts = new Map<number, Containment>();
  let batch: string[] = [];
  let bytes = 0;
  const checkBatch = async () => {
    const entries = await readLogEntries(db, { noteId, ids: `{${batch.join(',')}}` });
    for (const [id, verdict] of await checkEntries(entries, contains, slicer)) verdicts.set(id, verdict);
    batch = [];
    bytes = 0;
  };
  for (const entry of await readLogSizes(db, { noteId })) {
    if (batch.length > 0 && bytes + Number(entry.bytes) > LOG_READ_BYTES) await checkBatch();
    batch.push(entry.id);
    bytes += Number(entry.bytes);
  }
  if (batch.length > 0) await checkBatch();
  return verdicts;
}

/** The first log entry a compaction from memory of this document left in the log. */
const leftOver = new WeakMap<Y.Doc, number>();

/**
 * Whether the encoded state holds a log entry. An entry Yjs cannot read is merged by nobody; the
 * database path skips it and deletes it (an unreadable entry must not block every later
 * compaction), and so does this one.
 */
function containment(contains: (update: Uint8Array) => boolean, update: Uint8Array): Containment {
  // Readable for Yjs: the one-pass check first (no objects built; what it accepts Yjs reads,
  // update-cost.ts), Yjs's own decode only for what it refuses, so the verdict stays Yjs's.
  if (!isWellFormed(update)) {
    try {
      Y.decodeUpdate(update);
    } catch {
      return 'unreadable';
    }
  }
  try {
    return contains(update) ? 'held' : 'missing';
  } catch {
    return 'missing';
  }
}

function isWellFormed(update: Uint8Array): boolean {
  try {
    countUpdateCost(update, Number.POSITIVE_INFINITY, { wellFormed: true });
    return true;
  } catch {
    return false;
  }
}

/** The stored bytes are still the ones the mark names (a write of other columns changed `xmin`). */
async function storedDocumentIs(tx: Tx, noteId: string, mark: StoredStateMark): Promise<boolean> {
  const [row] = await tx
    .select({ md5: sql<string | null>`md5(${notes.blocksuite_doc})` })
    .from(notes)
    .where(eq(notes.id, noteId));
  return row !== undefined && row.md5 === mark.docMd5;
}

async function rowVersion(tx: Tx, noteId: string): Promise<string> {
  const [row] = await readRowVersion(tx, { noteId });
  if (!row) throw new Error('note vanished inside its own compaction');
  return row.version;
}

// The statements every compaction runs are prepared (db/prepared.ts): one round trip each.

/**
 * Locks the note row. `FOR NO KEY UPDATE`: one compaction per note across instances, yet no
 * conflict with the `FOR KEY SHARE` lock a log insert takes through its foreign key.
 */
const lockNote = preparedStatement<
  { noteId: string },
  { id: string; user_id: string; title: string | null; doc_id: string; version: string }
>(
  'lock_note_for_compaction',
  (p) => sql`select id, user_id, title, blocksuite_doc_id as doc_id, xmin::text as version
    from ${notes} where id = ${p.noteId}::uuid for no key update`,
);

/** The log's size against the stored state's (whether a store folds it), before anything is encoded. */
const logStats = preparedStatement<
  { noteId: string },
  { doc_id: string; log_entries: number; log_bytes: number; stored_bytes: number }
>(
  'note_log_stats',
  // The stored size, not the bytes: PostgreSQL reads it from the value's header.
  (p) => sql`select n.blocksuite_doc_id as doc_id,
      (select count(*)::int from ${noteUpdates} u where u.note_id = n.id) as log_entries,
      (select coalesce(sum(octet_length(u."update")), 0)::float8 from ${noteUpdates} u where u.note_id = n.id) as log_bytes,
      coalesce(octet_length(n.blocksuite_doc), 0)::float8 as stored_bytes
    from ${notes} n where n.id = ${p.noteId}::uuid`,
);

const readLog = preparedStatement<{ noteId: string }, { id: string; update: Uint8Array }>(
  'note_log_for_compaction',
  (p) => sql`select id::text as id, "update" from ${noteUpdates} where note_id = ${p.noteId}::uuid order by id`,
);
const readLogSizes = preparedStatement<{ noteId: string }, { id: string; bytes: number }>(
  'note_log_sizes_for_compaction',
  (p) => sql`select id::text as id, octet_length("update")::float8 as bytes from ${noteUpdates}
    where note_id = ${p.noteId}::uuid order by id`,
);
const readLogIds = preparedStatement<{ noteId: string }, { id: string }>(
  'note_log_ids_for_compaction',
  (p) => sql`select id::text as id from ${noteUpdates} where note_id = ${p.noteId}::uuid order by id`,
);
const readLogEntries = preparedStatement<{ noteId: string; ids: string }, { id: string; update: Uint8Array }>(
  'note_log_entries_for_compaction',
  (p) => sql`select id::text as id, "update" from ${noteUpdates}
    where note_id = ${p.noteId}::uuid and id = any(${p.ids}::bigint[]) order by id`,
);
const readRowVersion = preparedStatement<{ noteId: string }, { version: string }>(
  'note_row_version',
  (p) => sql`select xmin::text as version from ${notes} where id = ${p.noteId}::uuid`,
);

/**
 * Writes the merged state and deletes exactly the log entries merged into it (`id = any(…)`: a
 * row with a smaller id can commit after the log was read, and "id <= max" would delete it
 * unmerged). Answers the deleted rows. A state up to one statement part is written by the same
 * statement as the deletion; `staged`: the state's parts were written before the transaction
 * (staged-state.ts) and are put together here.
 */
async function foldLogIntoState(
  tx: Tx,
  noteId: string,
  bytes: Uint8Array,
  ids: readonly number[],
  slicer?: TimeSlicer | 'staged',
): Promise<Array<{ id: number; session_id: string | null }>> {
  const logIds = `{${ids.join(',')}}`;
  let rows: Array<{ id: string; session_id: string | null }>;
  if (slicer === 'staged') {
    await writeStagedState(tx, noteId, bytes.length);
    rows = await deleteLogRows(tx, { noteId, ids: logIds });
  } else if (bytes.length <= WRITE_PART_BYTES || !slicer)
    rows = await writeStateDeleteLog(tx, { noteId, bytes, ids: logIds });
  else {
    await writeDocumentBytes(tx, noteId, bytes, slicer);
    rows = await deleteLogRows(tx, { noteId, ids: logIds });
  }
  return rows.map((row) => ({ id: Number(row.id), session_id: row.session_id }));
}

const deleteLogRows = preparedStatement<{ noteId: string; ids: string }, { id: string; session_id: string | null }>(
  'delete_merged_note_updates',
  (p) => sql`delete from ${noteUpdates} where note_id = ${p.noteId}::uuid and id = any(${p.ids}::bigint[])
    returning id::text as id, session_id`,
);

// One statement: the state's row and the log's rows are different tables, so the two parts
// cannot see or conflict with each other.
const writeStateDeleteLog = preparedStatement<
  { noteId: string; bytes: Uint8Array; ids: string },
  { id: string; session_id: string | null }
>(
  'fold_note_log',
  (p) => sql`with written as (
      update ${notes} set blocksuite_doc = ${p.bytes} where id = ${p.noteId}::uuid
    )
    delete from ${noteUpdates} where note_id = ${p.noteId}::uuid and id = any(${p.ids}::bigint[])
    returning id::text as id, session_id`,
);

/** Bytes per statement when a state is written in parts. */
const WRITE_PART_BYTES = 1 << 20;

/**
 * Writes `notes.blocksuite_doc`. postgres.js sends bytes as hex text built in one synchronous call
 * (31.6 MB: 371 ms); a large state is therefore sent in 1 MB parts to a temporary table and put
 * together by PostgreSQL, with a slice pause between parts.
 */
async function writeDocumentBytes(tx: Tx, noteId: string, bytes: Uint8Array, slicer: TimeSlicer): Promise<void> {
  await tx.execute(
    sql`create temporary table compaction_parts (part int primary key, bytes bytea not null) on commit drop`,
  );
  // The parts are read once, right away: compressing each would only double the work.
  await tx.execute(sql`alter table compaction_parts alter column bytes set storage external`);
  for (let part = 0, offset = 0; offset < bytes.length; part += 1, offset += WRITE_PART_BYTES) {
    if (slicer.due()) await slicer.pause();
    const piece = Buffer.from(
      bytes.buffer,
      bytes.byteOffset + offset,
      Math.min(WRITE_PART_BYTES, bytes.length - offset),
    );
    await tx.execute(sql`insert into compaction_parts (part, bytes) values (${part}, ${piece})`);
  }
  await tx.execute(
    sql`update ${notes} set blocksuite_doc = (select string_agg(bytes, ''::bytea order by part) from compaction_parts)
        where id = ${noteId}`,
  );
  await tx.execute(sql`drop table compaction_parts`);
}

/** True when `doc` holds everything `other` holds: every struct and every deletion. */
function containsDocument(doc: Y.Doc, other: Y.Doc): boolean {
  const mine = Y.snapshot(doc);
  const theirs = Y.snapshot(other);
  for (const [client, clock] of theirs.sv) if ((mine.sv.get(client) ?? 0) < clock) return false;
  return Y.equalDeleteSets(mine.ds, Y.mergeDeleteSets([mine.ds, theirs.ds]));
}
