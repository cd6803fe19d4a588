// Every client update is appended to the note's update log as Hocuspocus applies it, and nobody is
// told it is saved before that append has committed.
//
// How (Hocuspocus 4.7 source): `beforeHandleMessage` is awaited before a message is applied
// (Connection.processMessages); the apply broadcasts the update to the document's other clients
// and sends the sender its acknowledgement (SyncStatus, MessageReceiver). This hook starts the
// append and returns at once, so the broadcast does not wait for PostgreSQL; the acknowledgement
// does: the socket Hocuspocus writes to holds every SyncStatus until all updates applied to the
// document before it are committed (durable-socket.ts, document-durability.ts). So the provider's
// `unsyncedChanges` can only fall once our INSERT has committed. Appends are group-committed
// (update-appender.ts) and committed in order per document as far as anybody can observe.
//
// Gaps closed here:
// - Read-only connections: Hocuspocus checks read-only AFTER this hook; their updates are not
//   logged (Hocuspocus then refuses them without applying).
// - A failed append: the update is already in memory (and maybe on other clients' screens) but
//   not in the log. The document is discarded: every socket it has is closed with 4503, every
//   message for it is refused until Hocuspocus unloads it, and no acknowledgement or relay waiting
//   on it is ever sent. Its clients reconnect to a copy loaded from the database, whose state
//   vector lacks the update, so their sync step 2 sends it again.
// - A sync step 2 that adds nothing is not logged, but its acknowledgement still waits for every
//   earlier append of the document: what it "already has" may not be committed yet.
// - Awareness, stateless and close frames never wait on the database.
import * as Y from 'yjs';
import type { beforeHandleMessagePayload, Document, Extension } from '@hocuspocus/server';
import type { DocumentService } from '../domain/documents/document-service.ts';
import { DomainError } from '../domain/errors.ts';
import { IntegrationTooCostly, integrationSteps } from '../domain/documents/integration-cost.ts';
import { countUpdateCost, UserShareExhausted } from '../domain/documents/update-cost.ts';
import { isEmptyUpdate } from '../domain/documents/yjs-bytes.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { CLOSE, refusal } from './close-codes.ts';
import type { CollabContext } from './context.ts';
import { readSyncUpdate, type ValidatedFrames, type ValidatedUpdate } from './frames.ts';
import { closeDocumentSockets, type LiveDocumentStates } from './live-document-states.ts';

export interface DurabilityOptions {
  /** What the socket wiring already read of each frame (collab-server.ts); read here otherwise. */
  validatedFrames?: ValidatedFrames;
  documents: DocumentService;
  liveStates: LiveDocumentStates;
  logger: Logger;
  metrics: Metrics;
}

export class DurabilityExtension implements Extension {
  extensionName = 'Durability';
  // After authentication and limits, so nothing refused is ever written.
  priority = 100;
  private readonly options: DurabilityOptions;

  constructor(options: DurabilityOptions) {
    this.options = options;
  }

  async beforeHandleMessage(payload: beforeHandleMessagePayload<CollabContext>): Promise<void> {
    const { connection, document, context } = payload;
    const entry = this.options.liveStates.get(payload.documentName);
    // A discarded document serves nobody, not even a step 1: its memory is ahead of the log.
    if (entry?.durability.failed) {
      context.socket.close(CLOSE.unavailable);
      throw refusal(CLOSE.unavailable);
    }
    const frame = this.readUpdate(payload.update);
    if (!frame) return;
    if (connection.readOnly) return;
    if (isEmptyUpdate(frame.update)) return;
    // A step 2 after a reconnect repeats what the server may already hold (and always carries
    // the client's whole delete set): log it only when it adds something.
    if (frame.step === 'step2' && Y.snapshotContainsUpdate(Y.snapshot(document), frame.update)) return;

    const { documents, metrics } = this.options;
    metrics.collabUpdatesReceived.inc();
    try {
      // Before anything is taken or logged: an update Yjs would need seconds to place (integration-cost.ts).
      integrationSteps(document, frame.update);
    } catch (error) {
      if (!(error instanceof IntegrationTooCostly)) throw error;
      metrics.errors.inc({ transport: 'collab', code: 'PAYLOAD_TOO_LARGE' });
      context.socket.close(CLOSE.updateTooComplex);
      throw refusal(CLOSE.updateTooComplex);
    }
    if (!entry || !context.noteId) {
      // Not loaded by us (cannot happen for an authenticated connection): never apply unlogged.
      context.socket.close(CLOSE.unavailable);
      throw refusal(CLOSE.unavailable);
    }
    try {
      // The frame reader bounded this update's cost (MAX_UPDATE_STRUCTS); this is the document's.
      entry.cost.admit(document, frame.cost);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      metrics.errors.inc({ transport: 'collab', code: error.code });
      // SERVICE_UNAVAILABLE: the process's budget (MAX_LIVE_STRUCTS) or its owner's share of it
      // (MAX_USER_LIVE_STRUCTS), not this document's.
      const close =
        error instanceof UserShareExhausted
          ? CLOSE.userMemoryShare
          : error.code === 'SERVICE_UNAVAILABLE'
            ? CLOSE.memoryBudget
            : CLOSE.documentTooComplex;
      context.socket.close(close);
      throw refusal(close);
    }
    try {
      entry.budget.admit(document, frame.update.length);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      metrics.errors.inc({ transport: 'collab', code: error.code });
      context.socket.close(CLOSE.documentTooLarge);
      throw refusal(CLOSE.documentTooLarge);
    }
    const noteId = context.noteId;
    entry.uncompacted.appended(frame.update.length);
    // `frame.update` is a view into the frame, which nothing reuses: the appender may keep it.
    entry.durability.track(documents.appendUpdate(noteId, frame.update, context.sessionId), (error) =>
      this.discard(document, noteId, error),
    );
  }

  private readUpdate(bytes: Uint8Array): ValidatedUpdate | null {
    const validated = this.options.validatedFrames?.get(bytes);
    if (validated) return validated;
    const frame = readSyncUpdate(bytes);
    return frame ? { ...frame, cost: countUpdateCost(frame.update) } : null;
  }

  /** After a failed append: close every socket of the document so its clients re-send from their copy. */
  private discard(document: Document, noteId: string, error: unknown): void {
    const { metrics, logger } = this.options;
    metrics.errors.inc({ transport: 'collab', code: 'SERVICE_UNAVAILABLE' });
    logger.warn(
      { err: error, note_id: noteId, connections: document.getConnectionsCount() },
      "update not logged; closing the document's sockets so its clients re-send it",
    );
    closeDocumentSockets(document, CLOSE.unavailable);
  }
}
