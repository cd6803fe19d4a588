import type * as Y from 'yjs';

/**
 * The documents a collaboration transport holds in memory, as the domain sees them. The
 * collaboration server registers itself here; without one (CLI, tests) nothing is live.
 */
export interface LiveDocuments {
  /** The loaded document of this name (waiting for one that is loading); undefined when not in memory. */
  find(documentName: string): Promise<Y.Doc | undefined>;
  /**
   * Applies an update that is ALREADY committed to the log to the loaded document, so its editors
   * see it at once. False when the document is not in memory.
   */
  applyLogged(documentName: string, update: Uint8Array): Promise<boolean>;
}

export const NO_LIVE_DOCUMENTS: LiveDocuments = {
  find: async () => undefined,
  applyLogged: async () => false,
};
