// A restore is a forward change (docs/history-and-trash.md): the update that, applied to the
// current document, makes its content equal a version's. Yjs cannot delete history, so the
// update re-inserts what was deleted since (as new items) and deletes what was inserted since.
import * as Y from 'yjs';

const VERSION_ORIGIN = Symbol('version');

/**
 * The update that turns `current` into `version`'s content. Works by replaying onto a copy of the
 * version everything `current` holds beyond it, as one tracked transaction, and undoing that
 * transaction: the undo re-creates deleted content and deletes inserted content. The answer is
 * what that undo wrote, relative to `current`'s state vector, so it applies to every replica
 * holding `current` (or more) like any other edit.
 */
export function revertUpdate(current: Uint8Array, version: Uint8Array): Uint8Array {
  const doc = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(doc, version);
    const currentVector = Y.encodeStateVectorFromUpdate(current);
    const since = Y.diffUpdate(current, Y.encodeStateVector(doc));
    // The whole document is the scope: a root type the version lacks (created later) is reverted
    // too, and roots need not be known by kind (a generic root type emits no events to track).
    const undo = new Y.UndoManager(doc, { trackedOrigins: new Set([VERSION_ORIGIN]), captureTimeout: 0 });
    try {
      Y.applyUpdate(doc, since, VERSION_ORIGIN);
      undo.undo();
    } finally {
      undo.destroy();
    }
    return Y.encodeStateAsUpdate(doc, currentVector);
  } finally {
    doc.destroy();
  }
}
