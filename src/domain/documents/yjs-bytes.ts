// Checks on bytes that claim to be Yjs data, made before anything is logged or applied: a
// malformed update that reached the log would be replayed on every load of the document.
import * as Y from 'yjs';

// Whether bytes are a well-formed update is answered by the struct counter in the same pass
// (countUpdateCost with `wellFormed`, update-cost.ts), without building the structs.

/** True when `bytes` decode as a Yjs state vector. */
export function isWellFormedStateVector(bytes: Uint8Array): boolean {
  try {
    Y.decodeStateVector(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * An update that carries no structs and no deletions (`[0, 0]`, what an up-to-date client sends
 * as its sync step 2). Logging it would only grow the log.
 */
export function isEmptyUpdate(bytes: Uint8Array): boolean {
  return bytes.length === 2 && bytes[0] === 0 && bytes[1] === 0;
}

/**
 * Applies updates one by one, skipping any that Yjs cannot integrate, so one bad log entry can
 * never make a document unloadable. Returns how many were skipped.
 */
export function applyUpdatesTolerantly(doc: Y.Doc, updates: Iterable<Uint8Array>, origin?: unknown): number {
  let skipped = 0;
  for (const update of updates) {
    try {
      Y.applyUpdate(doc, update, origin);
    } catch {
      skipped += 1;
    }
  }
  return skipped;
}
