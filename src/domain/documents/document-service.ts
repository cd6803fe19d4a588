// The document storage rules as one service: what the collaboration hooks, the REST routes and
// shutdown call. Storage strategy (log + compaction, group commit, retries) stays behind it.
import * as Y from 'yjs';
import type { Config } from '../../config.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { warmLargeDocument } from '../blocksuite/index.ts';
import { type CompactionHook, compactDocument, type CompactionResult, stateWritesFor } from './compaction.ts';
import { createCompactionScheduler, type CompactionScheduler } from './compaction-scheduler.ts';
import { mergeWithinBudget, withDecodedNote } from './decode-budget.ts';
import { createDecodedCopies, type DecodedCopies } from './decoded-copies.ts';
import { LogEntryTooCostly } from './document-state.ts';
import type { LiveDocuments } from './live-documents.ts';
import { keepEncodedBase } from './encoded-base.ts';
import { markStoredState, md5Hex } from './stored-state-marks.ts';
import { timeSlicer } from './time-slices.ts';
import {
  documentCostLedger,
  LiveBudgetExhausted,
  type LiveCostLedger,
  type StructLimits,
  type UserShares,
  userCostShares,
} from './update-cost.ts';
import { createUpdateAppender, type UpdateAppender } from './update-appender.ts';
import { loadDocumentState, loadDocumentStateByCopy, type StoredDocumentState } from './update-log.ts';

/** What the service needs to know of a note to find its document. */
export interface NoteDocumentRef {
  id: string;
  blocksuite_doc_id: string;
}

export interface DocumentService {
  readonly maxDocumentBytes: number;
  /** MAX_UPDATE_STRUCTS and MAX_DOCUMENT_STRUCTS (update-cost.ts). */
  readonly structLimits: StructLimits;
  /**
   * MAX_LIVE_STRUCTS: what the documents this process holds decoded take together, the collaboration
   * server's live ones and those decoded elsewhere (decode-budget.ts). The process's one ledger.
   */
  readonly liveCost: LiveCostLedger;
  /** MAX_USER_LIVE_STRUCTS: each user's share of `liveCost`, which live documents take from (update-cost.ts). */
  readonly userShares: UserShares;
  /**
   * Commits `update` to the note's log (group commit). Resolves only once it is durable.
   * `sessionId`: the signed-in device that made it, which the version taken of it names.
   */
  appendUpdate(noteId: string, update: Uint8Array, sessionId?: string | null): Promise<void>;
  /** Stored state + log tail, one snapshot; null when the note does not exist. */
  loadState(noteId: string): Promise<StoredDocumentState | null>;
  /**
   * The note's full current state, holding every acknowledged edit: the live document when it is
   * loaded, else the stored state merged with the log tail (within the memory budget:
   * SERVICE_UNAVAILABLE when it is spent). Null when the note has no document yet. `integrated`:
   * a log is replayed onto the stored state within the integration bound, as a load does, and the
   * document encoded (LogEntryTooCostly, DOCUMENT_TOO_COSTLY, for an entry past it), for a caller
   * that decodes the answer; a merge integrates nothing, but a decode of a merge would, unchecked.
   */
  currentState(note: NoteDocumentRef, form?: 'merged' | 'integrated'): Promise<Uint8Array | null>;
  /**
   * Records that `doc`, a document being loaded, now holds `state` (read by `loadState`): its
   * compactions may then start from memory (compaction.ts). A large document's blocks are then
   * read in the background, in slices, so its first store reads only what changed (live-content.ts),
   * and its loaded bytes kept (and indexed) as the base of its next version (encoded-base.ts).
   */
  loaded(doc: Y.Doc, state: StoredDocumentState): void;
  /** Compacts now (folds the log); false when it failed (a retry is then scheduled, never lost). */
  compactNow(noteId: string): Promise<boolean>;
  /**
   * The store of a document loaded here, after edits: refreshes its derived data from memory and
   * folds the log only once it is worth it (compaction.ts, mode `store`), or when the document is
   * `leaving` memory. A log left unfolded is folded after `FOLD_IDLE_MS` without a store.
   */
  storeNow(noteId: string, options: { leaving: boolean }): Promise<boolean>;
  /** Compacts after the store debounce (a log that grew without a live document storing it). */
  requestCompaction(noteId: string): void;
  /** The live documents (the registry built with the services; served by the collaboration server). */
  readonly live: LiveDocuments;
  /** Decoded copies of notes that are not live, reused by HTTP document sync (decoded-copies.ts). */
  readonly decodedCopies: DecodedCopies;
  /** Runs in every compaction's transaction (version history; wired in services.ts). */
  addCompactionHook(hook: CompactionHook): void;
  /** Waits for queued appends, compacts everything outstanding, cancels timers. */
  shutdown(): Promise<void>;
  readonly scheduler: CompactionScheduler;
}

/** How long a log a store left unfolded waits for another store before it is folded anyway. */
const FOLD_IDLE_MS = 5 * 60_000;

export function createDocumentService(
  config: Config,
  database: DatabaseHandle,
  logger: Logger,
  metrics: Metrics,
  live: LiveDocuments,
): DocumentService {
  const { db, engine, copyOut } = database;
  const log = logger.child({ component: 'documents' });
  const transfer = engine === 'postgres' ? 'base64' : 'binary';
  // Outside a transaction, PostgreSQL sends a document's bytes raw through a binary COPY.
  const readState = (noteId: string) =>
    copyOut ? loadDocumentStateByCopy(copyOut, noteId) : loadDocumentState(db, noteId, transfer);
  const appender: UpdateAppender = createUpdateAppender(db, {
    // PGlite runs one statement at a time; a pool can overlap a second commit's round trip.
    concurrency: engine === 'postgres' ? 2 : 1,
    minCommitIntervalMs: config.logCommitIntervalMs,
    onCommit: (entries, seconds) => {
      metrics.collabUpdatesLogged.inc(entries.length);
      metrics.collabAppendDuration.observe(seconds);
      // Here rather than after each append's own promise: one call per batch, no extra promise per update.
      for (const entry of entries) scheduler.markDirty(entry.noteId);
    },
  });
  const liveCost = documentCostLedger();
  liveCost.resize(config.maxLiveStructs);
  const decodedCopies = createDecodedCopies(liveCost);
  const userShares = userCostShares();
  userShares.resize(config.maxUserLiveStructs);
  const compactionHooks: CompactionHook[] = [];
  // A log a store left unfolded is folded once its document has had no store for a while.
  const idleFolds = new Map<string, NodeJS.Timeout>();
  const armIdleFold = (noteId: string, result: CompactionResult) => {
    const pending = idleFolds.get(noteId);
    if (pending) clearTimeout(pending);
    idleFolds.delete(noteId);
    if (result.status !== 'refreshed') return;
    const timer = setTimeout(() => {
      idleFolds.delete(noteId);
      void scheduler.compactNow(noteId);
    }, FOLD_IDLE_MS);
    timer.unref();
    idleFolds.set(noteId, timer);
  };
  const scheduler = createCompactionScheduler({
    compact: (noteId, mode, defer) =>
      compactDocument(db, noteId, transfer, compactionHooks, live, mode, stateWritesFor(engine), defer, decodedCopies),
    debounceMs: config.storeDebounceMs,
    maxDebounceMs: config.storeMaxDebounceMs,
    // On PostgreSQL two overlap one compaction's database round trips with another's decoding.
    // PGlite runs its statements in this thread, so a second one overlaps nothing; and its one
    // connection serves whoever asked first, so a second compaction's transaction, queued while
    // the first held it, made an append asked for meanwhile wait for both (docs/benchmarks.md,
    // "stall"): one at a time, an append waits for one compaction at most.
    maxConcurrent: engine === 'postgres' ? 2 : 1,
    onCompacted: (noteId, result: CompactionResult, seconds) => {
      if (result.status !== 'unchanged') armIdleFold(noteId, result);
      if (result.status !== 'compacted' && result.status !== 'refreshed') return;
      metrics.collabStoreDuration.observe(seconds);
      if (result.status === 'compacted' && result.skippedEntries > 0)
        log.warn({ note_id: noteId, skipped: result.skippedEntries }, 'compaction skipped undecodable log entries');
    },
    onAfterCommitFailed: (noteId, error) => {
      // The store committed; a version not taken is taken by a later store (none is younger).
      metrics.errors.inc({ transport: 'collab', code: 'STORE_FAILED' });
      log.warn({ note_id: noteId, err: error }, 'work after a document store failed (version not taken)');
    },
    onFailed: (noteId, error, retryInMs) => {
      // The memory budget is spent (decode-budget.ts): nothing failed, the log keeps every entry
      // until a retry finds room.
      if (error instanceof LiveBudgetExhausted) {
        log.info({ note_id: noteId, retry_in_ms: retryInMs }, 'document compaction deferred: memory budget reached');
        return;
      }
      metrics.errors.inc({ transport: 'collab', code: 'STORE_FAILED' });
      if (error instanceof LogEntryTooCostly) {
        // Retried with backoff like any failure; each retry pays the bounded check only.
        log.warn(
          { note_id: noteId, log_entry: error.entryId, limit: error.limit, retry_in_ms: retryInMs },
          'document compaction refused: a log entry is too costly to integrate',
        );
        return;
      }
      log.warn({ note_id: noteId, err: error, retry_in_ms: retryInMs }, 'document compaction failed; will retry');
    },
  });
  return {
    maxDocumentBytes: config.maxDocumentBytes,
    structLimits: { maxUpdateStructs: config.maxUpdateStructs, maxDocumentStructs: config.maxDocumentStructs },
    liveCost,
    userShares,
    appendUpdate: (noteId, update, sessionId) => appender.append(noteId, update, sessionId),
    loadState: readState,
    loaded(doc, state) {
      if (state.version !== undefined)
        markStoredState(doc, { rowVersion: state.version, docMd5: md5Hex(state.stored) });
      // The loaded bytes, kept as the base of the document's next full encoding (encoded-base.ts).
      if (state.stored !== null) keepEncodedBase(doc, state.stored, timeSlicer());
      void warmLargeDocument(doc, timeSlicer());
    },
    async currentState(note, form = 'merged') {
      const doc = await live.find(note.blocksuite_doc_id);
      if (doc) return Y.encodeStateAsUpdate(doc);
      const state = await readState(note.id);
      if (!state || (state.stored === null && state.log.length === 0)) return null;
      if (form === 'merged' || state.log.length === 0) return mergeWithinBudget(state);
      return withDecodedNote(note.id, state, (decoded) => Y.encodeStateAsUpdate(decoded));
    },
    compactNow: (noteId) => scheduler.compactNow(noteId),
    storeNow: (noteId, { leaving }) => scheduler.compactNow(noteId, leaving ? 'fold' : 'store'),
    requestCompaction: (noteId) => scheduler.request(noteId),
    live,
    decodedCopies,
    addCompactionHook(hook) {
      compactionHooks.push(hook);
    },
    async shutdown() {
      await appender.drain();
      await scheduler.flushAll();
      scheduler.stop();
      decodedCopies.close();
      for (const timer of idleFolds.values()) clearTimeout(timer);
      idleFolds.clear();
    },
    scheduler,
  };
}
