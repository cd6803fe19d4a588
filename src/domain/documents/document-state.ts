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

/** Applies a stored state into `doc` (a fresh one or a loading Hocuspocus document). */
export function applyStoredState(doc: Y.Doc, state: StoredDocumentState, origin?: unknown): { skipped: number } {
  return { skipped: applyUpdatesTolerantly(doc, stateUpdates(state), origin) };
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
