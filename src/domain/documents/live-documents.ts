// Live documents: the documents a collaboration transport holds in memory in this process, as the
// domain sees them. One name for one concept: "live" means in memory here; the collaboration
// server's own record of each (its note, size budget, durability) is a `LiveDocumentState`
// (src/collab/live-document-states.ts).
import type * as Y from 'yjs';

export interface LiveDocuments {
  /** The live document of this name (waiting for one that is loading); undefined when not in memory. */
  find(documentName: string): Promise<Y.Doc | undefined>;
  /**
   * Applies an update that is ALREADY committed to the log to the live document, so its editors
   * see it at once. False when the document is not in memory.
   */
  applyLogged(documentName: string, update: Uint8Array): Promise<boolean>;
}

/**
 * The registry built with the services (src/services.ts) and handed to the document service. The
 * collaboration server serves it with the documents it holds; without one (CLI, tests without a
 * socket) nothing is live.
 */
export interface LiveDocumentRegistry extends LiveDocuments {
  serve(source: LiveDocuments): void;
}

export function createLiveDocumentRegistry(): LiveDocumentRegistry {
  let source: LiveDocuments | undefined;
  return {
    find: async (documentName) => (source ? source.find(documentName) : undefined),
    applyLogged: async (documentName, update) => (source ? source.applyLogged(documentName, update) : false),
    serve(next) {
      if (source) throw new Error('live documents are already served by a collaboration server');
      source = next;
    },
  };
}
