import * as Y from 'yjs';
import { DomainError } from '../errors.ts';
import { IntegrationTooCostly, integrationSteps } from './integration-cost.ts';
import { applyUpdatesTolerantly } from './yjs-bytes.ts';
import type { StoredDocumentState } from './update-log.ts';

/** The Yjs encoding of an empty document. */
export const EMPTY_UPDATE = new Uint8Array([0, 0]);

/** Every update of a stored state, stored part first, then the log in id order. */
export function stateUpdates(state: StoredDocumentState): Uint8Array[] {
  const updates = state.log.map((entry) => entry.update);
  return state.stored ? [state.stored, ...updates] : updates;
}

/**
 * A log entry Yjs would need more than MAX_INTEGRATION_STEPS (or MAX_PENDING_STRUCTS) to integrate
 * into the document replayed up to it: the decode is refused rather than run unbounded or the entry
 * dropped (it may be an acknowledged edit). Entries logged before the check existed, or the two
 * halves of a crafted pair each checked by another instance (docs/security.md, "Integration cost").
 * DOCUMENT_TOO_COSTLY (HTTP 422) with `details: {note_id?, log_entry, limit, max}`; the socket
 * closes with 4413 `Document too costly to integrate`.
 */
export class LogEntryTooCostly extends DomainError {
  override name = 'LogEntryTooCostly';
  readonly entryId: number;
  readonly limit: IntegrationTooCostly['limit'];
  readonly max: number;
  readonly noteId: string | undefined;
  constructor(entryId: number, cause: Pick<IntegrationTooCostly, 'limit' | 'max'>, noteId?: string) {
    super(
      'DOCUMENT_TOO_COSTLY',
      `The note's update log holds an entry too costly to integrate (log entry ${entryId} passes ${cause.limit}, ${cause.max}); the entry is kept and the note cannot be decoded`,
      { ...(noteId === undefined ? {} : { note_id: noteId }), log_entry: entryId, limit: cause.limit, max: cause.max },
    );
    this.entryId = entryId;
    this.limit = cause.limit;
    this.max = cause.max;
    this.noteId = noteId;
  }

  /** The same refusal, naming the note whose log holds the entry. */
  forNote(noteId: string): LogEntryTooCostly {
    return new LogEntryTooCostly(this.entryId, this, noteId);
  }
}

/**
 * Applies a stored state into `doc` (a fresh one or a loading Hocuspocus document): the stored
 * state first, then the log entries merged into one update. Applying a log of hundreds of small
 * entries one by one costs a Yjs transaction each: compactions held the event loop for 47-235 ms
 * at a time in the collab benchmark (long tasks in its --cpu-prof); the stored state is applied alone because
 * merging would re-encode all of it.
 *
 * The log is integrated within the bound every update is held to when it arrives
 * (integration-cost.ts): the merged log is applied when placing it walks at most
 * MAX_INTEGRATION_STEPS; otherwise (or when an entry Yjs cannot read makes the merge throw) the
 * entries are applied one by one, each checked against the document replayed up to it, and the
 * first past the bound throws LogEntryTooCostly. An entry the check cannot read is applied as Yjs
 * reads it, and skipped when Yjs cannot either (re-applying what a failed attempt already
 * integrated is a no-op in Yjs). The stored state is not checked: a compaction wrote it.
 */
export function applyStoredState(doc: Y.Doc, state: StoredDocumentState, origin?: unknown): { skipped: number } {
  let skipped = state.stored ? applyUpdatesTolerantly(doc, [state.stored], origin) : 0;
  if (state.log.length > 1) {
    try {
      const merged = Y.mergeUpdates(state.log.map((entry) => entry.update));
      integrationSteps(doc, merged);
      Y.applyUpdate(doc, merged, origin);
      return { skipped };
    } catch {
      // Fall through to the entries one by one.
    }
  }
  for (const entry of state.log) {
    try {
      integrationSteps(doc, entry.update);
    } catch (error) {
      if (error instanceof IntegrationTooCostly) throw new LogEntryTooCostly(entry.id, error);
    }
    skipped += applyUpdatesTolerantly(doc, [entry.update], origin);
  }
  return { skipped };
}

/** The full document state as one update, without building a Y.Doc when it can be avoided. */
export function mergeStoredState(state: StoredDocumentState): Uint8Array {
  const updates = stateUpdates(state);
  if (updates.length === 0) return EMPTY_UPDATE;
  if (updates.length === 1) return updates[0] as Uint8Array;
  try {
    return Y.mergeUpdates(updates);
  } catch {
    // One undecodable entry must not hide the rest: apply them one by one instead.
    const doc = new Y.Doc();
    try {
      applyStoredState(doc, state);
      return Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
  }
}
