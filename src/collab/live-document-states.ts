// What the collaboration server knows about each document it holds in memory.
import type { Document } from '@hocuspocus/server';
import type { DocumentSizeBudget } from '../domain/documents/size-limit.ts';
import type { DocumentCostBudget } from '../domain/documents/update-cost.ts';
import type { UncompactedLog } from './busy-store.ts';
import type { CloseEvent } from './close-codes.ts';
import type { CollabContext } from './context.ts';
import type { DocumentDurability } from './document-durability.ts';

export interface LiveDocumentState {
  noteId: string;
  /** Upper bound of the document's size, for MAX_DOCUMENT_BYTES without re-encoding per update. */
  budget: DocumentSizeBudget;
  /** Upper bound of the document's cost (update-cost.ts), for MAX_DOCUMENT_STRUCTS. */
  cost: DocumentCostBudget;
  /** Which applied updates are committed to the log; what says "saved" waits on it. */
  durability: DocumentDurability;
  /** Appended here since the last compaction: whether a store while editing goes on is worth it. */
  uncompacted: UncompactedLog;
}

/** Keyed by document name (= notes.blocksuite_doc_id), like Hocuspocus's own map. */
export type LiveDocumentStates = Map<string, LiveDocumentState>;

/**
 * Closes every socket of a document whose memory no longer follows the log (a discarded one:
 * document-durability.ts): its clients reconnect to a copy loaded from the database.
 */
export function closeDocumentSockets(document: Document, close: CloseEvent): void {
  for (const connection of document.getConnections()) (connection.context as CollabContext).socket.close(close);
}
