import * as Y from 'yjs';
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
 * Applies a stored state into `doc` (a fresh one or a loading Hocuspocus document): the stored
 * state first, then the log entries merged into one update. Applying a log of hundreds of small
 * entries one by one costs a Yjs transaction each: compactions held the event loop for 47-235 ms
 * at a time in the collab benchmark (long tasks in its --cpu-prof); the stored state is applied alone because
 * merging would re-encode all of it. An entry Yjs cannot read makes the merge throw; the entries
 * are then applied one by one and the unreadable ones skipped (re-applying what a failed attempt
 * already integrated is a no-op in Yjs).
 */
export function applyStoredState(doc: Y.Doc, state: StoredDocumentState, origin?: unknown): { skipped: number } {
  let skipped = state.stored ? applyUpdatesTolerantly(doc, [state.stored], origin) : 0;
  const log = state.log.map((entry) => entry.update);
  if (log.length > 1) {
    try {
      Y.applyUpdate(doc, Y.mergeUpdates(log), origin);
      return { skipped };
    } catch {
      // Fall through to the tolerant path.
    }
  }
  skipped += applyUpdatesTolerantly(doc, log, origin);
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
