// A restore is a forward change (docs/history-and-trash.md): the update that, applied to the
// current document, makes its content equal a version's. Yjs cannot delete history, so the
// update re-inserts what was deleted since (as new items) and deletes what was inserted since.
import * as Y from 'yjs';
import { assertIntegrable } from '../documents/document-state.ts';
import type { IntegrationTooCostly } from '../documents/integration-cost.ts';

const VERSION_ORIGIN = Symbol('version');

/**
 * The update that turns `current` into `version`'s content. Works by replaying onto a copy of the
 * version everything `current` holds beyond it, as one tracked transaction, and undoing that
 * transaction: the undo re-creates deleted content and deletes inserted content. The answer is
 * what that undo wrote, relative to `current`'s state vector, so it applies to every replica
 * holding `current` (or more) like any other edit.
 *
 * The replay is held to the integration bound (`assertIntegrable`, docs/security.md "Integration
 * cost"): what `current` holds beyond the version is walked against the version's document before
 * Yjs integrates it, and `refusal` (the check's own error by default) is thrown past the bound.
 */
export function revertUpdate(
  current: Uint8Array,
  version: Uint8Array,
  refusal: (cause: IntegrationTooCostly) => Error = (cause) => cause,
): Uint8Array {
  const doc = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(doc, version);
    const currentVector = Y.encodeStateVectorFromUpdate(current);
    const since = Y.diffUpdate(current, Y.encodeStateVector(doc));
    // The whole document is the scope: a root type the version lacks (created later) is reverted
    // too, and roots need not be known by kind (a generic root type emits no events to track).
    assertIntegrable(doc, since, refusal);
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
