// HTTP document sync (docs/collaboration.md), for clients without a socket: apply an update through
// the live document (logged durably first, like every socket update) and answer with what the caller lacks.
import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import { notes } from '../../db/schema/notes.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { DomainError, notFound, validationError } from '../errors.ts';
import { ownedRow } from '../ownership.ts';
import { isUuid } from '../uuid.ts';
import { EMPTY_UPDATE, LogEntryTooCostly } from './document-state.ts';
import type { DocumentService } from './document-service.ts';
import { admitIntegration, mayExceedIntegrationBound } from './integration-cost.ts';
import { assertWithinDocumentLimit } from './size-limit.ts';
import { admitUpdateCost, countUpdateCost, type StructLimits } from './update-cost.ts';
import { isEmptyUpdate, isWellFormedStateVector } from './yjs-bytes.ts';

export interface DocumentSyncRequest {
  update?: Uint8Array;
  stateVector?: Uint8Array;
}

export interface DocumentSyncResult {
  /** Everything the caller lacks, given its state vector (the whole document without one). */
  update: Uint8Array;
  stateVector: Uint8Array;
}

/** The caller's note by id; another user's note and a missing one are the same 404. */
export async function findOwnedNote(db: Db, userId: string, noteId: string) {
  if (!isUuid(noteId)) throw notFound('Note');
  const [note] = await db
    .select({ id: notes.id, user_id: notes.user_id, title: notes.title, blocksuite_doc_id: notes.blocksuite_doc_id })
    .from(notes)
    .where(ownedRow(notes, userId, noteId))
    .limit(1);
  if (!note) throw notFound('Note');
  return note;
}

function updateReadable(update: Uint8Array, limits: StructLimits): boolean {
  try {
    admitUpdateCost(update, 0, limits, { wellFormed: true });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'VALIDATION_ERROR') return false;
    throw error;
  }
  return true;
}

/**
 * PAYLOAD_TOO_LARGE for an update Yjs would need seconds to place (integration-cost.ts), walked
 * against the document this process holds live, else against the note's stored state decoded
 * within the memory budget (a kept copy brought up to date when there is one: decoded-copies.ts):
 * once logged, such an update would cost as much at every compaction and load. A note whose log
 * holds an entry too costly to integrate is refused with DOCUMENT_TOO_COSTLY (LogEntryTooCostly). `before`: the
 * current state's bytes and cost, which say whether the update can walk past the bound at all.
 */
async function admitIntegrationCost(
  documents: DocumentService,
  note: { id: string; blocksuite_doc_id: string },
  before: { state: Uint8Array | null; cost: number },
  update: { bytes: Uint8Array; cost: number },
): Promise<void> {
  const live = await documents.live.find(note.blocksuite_doc_id);
  if (live) {
    admitIntegration(live, update.bytes);
    return;
  }
  // A document too small for this update to walk past the bound is not decoded (nor is an empty one).
  if (!before.state || !mayExceedIntegrationBound(update.cost, before.cost)) return;
  const state = await documents.loadState(note.id);
  if (!state) return;
  try {
    documents.decodedCopies.use(note.id, state, (doc) => admitIntegration(doc, update.bytes));
  } catch (error) {
    // A logged entry a load refuses: the note cannot be decoded within the bound, so the update
    // cannot be walked against it (DOCUMENT_TOO_COSTLY, 422; the merged state is never integrated).
    throw error instanceof LogEntryTooCostly ? error.forNote(note.id) : error;
  }
}

export async function syncNoteDocument(
  db: Db,
  documents: DocumentService,
  auth: AuthContext,
  noteId: string,
  request: DocumentSyncRequest,
): Promise<DocumentSyncResult> {
  const problems = [];
  // Counted before anything decodes it into objects (update-cost.ts): past MAX_UPDATE_STRUCTS is 413.
  if (request.update && !updateReadable(request.update, documents.structLimits))
    problems.push({ field: 'update', message: 'is not a Yjs update' });
  if (request.stateVector && !isWellFormedStateVector(request.stateVector))
    problems.push({ field: 'state_vector', message: 'is not a Yjs state vector' });
  if (problems.length > 0) throw validationError(problems);

  const note = await findOwnedNote(db, auth.userId, noteId);
  if (request.update && !isEmptyUpdate(request.update)) {
    const before = await documents.currentState(note);
    // The stored state's structs bound the document's (update-cost.ts), as its bytes bound its size.
    const beforeCost = before ? countUpdateCost(before) : 0;
    const cost = admitUpdateCost(request.update, beforeCost, documents.structLimits);
    assertWithinDocumentLimit(before?.length ?? 0, request.update.length, documents.maxDocumentBytes);
    await admitIntegrationCost(documents, note, { state: before, cost: beforeCost }, { bytes: request.update, cost });
    await documents.appendUpdate(note.id, request.update, auth.sessionId);
    const applied = await documents.live.applyLogged(note.blocksuite_doc_id, request.update);
    // A live document is stored by its own debounce; otherwise the log grew with nobody to fold it.
    if (!applied) documents.requestCompaction(note.id);
  }
  const state = (await documents.currentState(note)) ?? EMPTY_UPDATE;
  return {
    update: request.stateVector ? Y.diffUpdate(state, request.stateVector) : state,
    stateVector: Y.encodeStateVectorFromUpdate(state),
  };
}
