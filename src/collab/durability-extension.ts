// Every client update is committed to the note's update log BEFORE Hocuspocus applies it.
//
// Why that makes the acknowledgement durable (Hocuspocus 4.7 source): `beforeHandleMessage` is
// awaited before the message is applied (Connection.processMessages), and the acknowledgement
// (SyncStatus) is sent inside the apply, for sync step 2 and update alike (MessageReceiver). So the
// provider's `unsyncedChanges` can only fall once our INSERT has committed, and other clients only
// see an edit after it (broadcast happens on apply). Messages of one document connection are
// handled one at a time, in order.
//
// Gaps closed here:
// - Read-only connections: Hocuspocus checks read-only AFTER this hook; their updates are not
//   logged (Hocuspocus then refuses them without applying).
// - A failed write: if the hook just threw, Hocuspocus would reset only this document and leave the
//   socket open with later frames stuck. We close the socket first (4503), so the provider
//   reconnects with backoff and re-sends the unacknowledged edit in its sync step 2 (state-vector
//   based: the edit was never applied here, so the server's state vector asks for it again).
// - Awareness, stateless and close frames return at once: they never wait on the database.
import * as Y from 'yjs';
import type { beforeHandleMessagePayload, Extension } from '@hocuspocus/server';
import type { DocumentService } from '../domain/documents/document-service.ts';
import { DomainError } from '../domain/errors.ts';
import { isEmptyUpdate } from '../domain/documents/yjs-bytes.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { CLOSE, refusal } from './close-codes.ts';
import type { CollabContext } from './context.ts';
import { readSyncUpdate } from './frames.ts';
import type { LoadedDocuments } from './loaded-documents.ts';

export interface DurabilityOptions {
  documents: DocumentService;
  loaded: LoadedDocuments;
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
    const frame = readSyncUpdate(payload.update);
    if (!frame) return;
    const { connection, document, context } = payload;
    if (connection.readOnly) return;
    if (isEmptyUpdate(frame.update)) return;
    // A step 2 after a reconnect repeats what the server may already hold (and always carries
    // the client's whole delete set): log it only when it adds something.
    if (frame.step === 'step2' && Y.snapshotContainsUpdate(Y.snapshot(document), frame.update)) return;

    const { documents, loaded, metrics, logger } = this.options;
    metrics.collabUpdatesReceived.inc();
    const entry = loaded.get(payload.documentName);
    if (!entry || !context.noteId) {
      // Not loaded by us (cannot happen for an authenticated connection): never apply unlogged.
      context.socket.close(CLOSE.unavailable);
      throw refusal(CLOSE.unavailable);
    }
    try {
      entry.budget.admit(document, frame.update.length);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      metrics.errors.inc({ transport: 'collab', code: error.code });
      context.socket.close(CLOSE.documentTooLarge);
      throw refusal(CLOSE.documentTooLarge);
    }
    try {
      await documents.appendUpdate(context.noteId, frame.update);
    } catch (error) {
      metrics.errors.inc({ transport: 'collab', code: 'SERVICE_UNAVAILABLE' });
      logger.warn({ err: error, note_id: context.noteId }, 'update not logged; closing the socket so the client re-sends it');
      context.socket.close(CLOSE.unavailable);
      throw refusal(CLOSE.unavailable);
    }
  }
}
