// Loading and storing documents. Load = stored state + every log entry after it. Store =
// compaction (domain/documents/compaction.ts), which starts from the document in memory while it
// is loaded but needs nothing from memory (it falls back to the database), so:
// - a failed store is retried by the compaction scheduler with backoff (Hocuspocus never
//   retries one), whether or not the document is still in memory;
// - unloading a document whose store failed loses nothing: every edit it holds that anybody was
//   told is saved is in the log (document-durability.ts).
import * as Y from 'yjs';
import type {
  afterUnloadDocumentPayload,
  beforeUnloadDocumentPayload,
  Extension,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from '@hocuspocus/server';
import type { DocumentService } from '../domain/documents/document-service.ts';
import { applyStoredState, LogEntryTooCostly } from '../domain/documents/document-state.ts';
import { createDocumentSizeBudget } from '../domain/documents/size-limit.ts';
import {
  createDocumentCostBudget,
  type DocumentCostBudget,
  storedCost,
  UserShareExhausted,
} from '../domain/documents/update-cost.ts';
import { DomainError } from '../domain/errors.ts';
import { type StoredDocumentState, storedStateBytes } from '../domain/documents/update-log.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type BusyStorePolicy, deferBusyStore, UncompactedLog } from './busy-store.ts';
import { CLOSE, PERMISSION_DENIED, refusal } from './close-codes.ts';
import type { CollabContext } from './context.ts';
import { DocumentDurability } from './document-durability.ts';
import type { LiveDocumentStates } from './live-document-states.ts';

export interface PersistenceOptions {
  documents: DocumentService;
  /** When a store forced while editing goes on is skipped (busy-store.ts); never when unset. */
  busyStore?: BusyStorePolicy;
  liveStates: LiveDocumentStates;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Runs `apply` on a document that is still loading, with its 'update' listeners set aside. Yjs
 * encodes every transaction once more as an update when anything listens for 'update', and
 * Hocuspocus always does (to broadcast), though nobody is connected before the load ends: for a
 * 10 MB document that added about 30 ms to an 80 ms decode (bench/probes/cold-load-parts.ts).
 * Listeners live in lib0's `_observers` map, and no public API can set them aside (lib0's
 * Observable only adds and removes a listener it is given; Hocuspocus registers its own in the
 * Document's constructor): applying with the listener attached made a 10 MB cold load 1.6–1.7×
 * plain Hocuspocus's instead of 1.2–1.4× (docs/benchmarks.md, "Cold load"). Should a Yjs release
 * move the map, the state is applied with the events as before: only slower, never different,
 * because nobody is connected and Hocuspocus's change hooks are not wired until the load ends.
 * That fallback would cost speed without a word, so test/collab/load-internals.test.ts fails when
 * a Document created the way Hocuspocus creates one no longer takes this path.
 */
export function withoutUpdateEvents<T>(document: Y.Doc, apply: () => T): T {
  const observers = (document as unknown as { _observers?: unknown })._observers;
  if (!(observers instanceof Map)) return apply();
  const listeners: unknown = observers.get('update');
  observers.delete('update');
  try {
    return apply();
  } finally {
    if (listeners !== undefined) observers.set('update', listeners);
  }
}

export class PersistenceExtension implements Extension {
  extensionName = 'Persistence';
  private readonly options: PersistenceOptions;

  constructor(options: PersistenceOptions) {
    this.options = options;
  }

  async onLoadDocument(payload: onLoadDocumentPayload<CollabContext>): Promise<void> {
    const { documents, liveStates, logger, metrics } = this.options;
    const { context, document, documentName } = payload;
    const { noteId, userId } = context;
    if (!noteId || !userId) throw PERMISSION_DENIED;
    let state: StoredDocumentState | null;
    try {
      state = await documents.loadState(noteId);
    } catch (error) {
      // Hocuspocus answers a failed load with "permission denied", after which the provider
      // never retries: close the socket instead so it reconnects once the database is back.
      metrics.errors.inc({ transport: 'collab', code: 'SERVICE_UNAVAILABLE' });
      logger.warn({ err: error, note_id: noteId }, 'document load failed');
      context.socket.close(CLOSE.unavailable);
      throw refusal(CLOSE.unavailable);
    }
    if (!state) throw PERMISSION_DENIED;
    // Taken from the process's budget and the owner's share of it (the authenticated caller: only
    // a note's owner opens it) before the state becomes objects in memory.
    let cost: DocumentCostBudget;
    try {
      cost = createDocumentCostBudget(
        documents.structLimits.maxDocumentStructs,
        storedCost([...(state.stored ? [state.stored] : []), ...state.log.map((entry) => entry.update)]),
        (doc) => Y.encodeStateAsUpdate(doc),
        documents.userShares.accountOf(userId),
        () => metrics.collabDocumentRecounts.inc(),
      );
    } catch (error) {
      // MAX_LIVE_STRUCTS (or the owner's MAX_USER_LIVE_STRUCTS): holding this document too would
      // pass the budget. Closed like an outage, so the provider reconnects with backoff once other
      // documents have left memory.
      if (!(error instanceof DomainError)) throw error;
      metrics.errors.inc({ transport: 'collab', code: error.code });
      const close = error instanceof UserShareExhausted ? CLOSE.userMemoryShare : CLOSE.memoryBudget;
      context.socket.close(close);
      throw refusal(close);
    }
    let skipped: number;
    try {
      ({ skipped } = withoutUpdateEvents(document, () => applyStoredState(document, state)));
    } catch (error) {
      if (!(error instanceof LogEntryTooCostly)) throw error;
      // Never dropped (it may be an acknowledged edit), never integrated unbounded: refused, like an
      // update that arrives too costly; every reconnect pays the bounded check again, nothing more.
      cost.release();
      metrics.errors.inc({ transport: 'collab', code: 'PAYLOAD_TOO_LARGE' });
      logger.warn(
        { note_id: noteId, log_entry: error.entryId, limit: error.limit },
        'document load refused: a log entry is too costly to integrate',
      );
      context.socket.close(CLOSE.documentTooCostly);
      throw refusal(CLOSE.documentTooCostly);
    }
    documents.loaded(document, state);
    if (skipped > 0) logger.warn({ note_id: noteId, skipped }, 'skipped undecodable log entries while loading');
    // A document reloaded before the previous one's unload hook ran: that one's bound goes back.
    liveStates.get(documentName)?.cost.release();
    liveStates.set(documentName, {
      noteId,
      budget: createDocumentSizeBudget(documents.maxDocumentBytes, storedStateBytes(state)),
      cost,
      durability: new DocumentDurability(),
      uncompacted: new UncompactedLog(),
    });
    // Entries a previous process logged but never compacted: fold them even if nobody edits.
    if (state.log.length > 0) documents.requestCompaction(noteId);
  }

  async onStoreDocument(payload: onStoreDocumentPayload<CollabContext>): Promise<void> {
    const entry = this.options.liveStates.get(payload.documentName);
    if (!entry) return;
    const { busyStore } = this.options;
    if (busyStore && deferBusyStore(busyStore, payload.document, entry.uncompacted)) return;
    entry.uncompacted.compacting();
    // Fold the appends still in flight too (a failed one is the clients' to re-send).
    await entry.durability.whenDurable().catch(() => {});
    // Never throws: a failure schedules a retry, and the log already holds everything. With no
    // connection left the document leaves memory after this store: the log is folded now, from it.
    await this.options.documents.storeNow(entry.noteId, { leaving: payload.document.getConnectionsCount() === 0 });
  }

  /**
   * A store of a document still edited may have left its log unfolded (compaction.ts, mode
   * `store`); the last one before it leaves memory folds it, from memory. A document unloaded
   * without a store right before (no change since the last one) is folded here. An empty log
   * costs one query.
   */
  async beforeUnloadDocument(payload: beforeUnloadDocumentPayload): Promise<void> {
    const entry = this.options.liveStates.get(payload.documentName);
    if (!entry || entry.durability.failed) return;
    await this.options.documents.compactNow(entry.noteId);
  }

  async afterUnloadDocument(payload: afterUnloadDocumentPayload): Promise<void> {
    // A document reloaded under the same name before this ran has a fresh entry: keep it.
    const document = payload.instance.documents.get(payload.documentName);
    if (document) return;
    this.options.liveStates.get(payload.documentName)?.cost.release();
    this.options.liveStates.delete(payload.documentName);
  }
}
