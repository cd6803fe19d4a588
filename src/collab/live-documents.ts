import * as Y from 'yjs';
import type { Hocuspocus } from '@hocuspocus/server';
import type { LiveDocuments } from '../domain/documents/live-documents.ts';
import { countUpdateCost } from '../domain/documents/update-cost.ts';
import type { LiveDocumentStates } from './live-document-states.ts';

/** The domain's view of the documents this Hocuspocus instance holds. */
export function hocuspocusLiveDocuments(hocuspocus: Hocuspocus, liveStates: LiveDocumentStates): LiveDocuments {
  const find = async (documentName: string) => {
    const loading = hocuspocus.loadingDocuments.get(documentName);
    if (loading) {
      try {
        // A document loading now may have read the database before an update we just logged.
        return await loading;
      } catch {
        return undefined;
      }
    }
    const document = hocuspocus.documents.get(documentName);
    // A discarded document (a failed append) holds content the log lacks: the database is the truth.
    if (liveStates.get(documentName)?.durability.failed) return undefined;
    return document && !document.isDestroyed ? document : undefined;
  };
  return {
    find,
    async applyLogged(documentName, update) {
      const document = await find(documentName);
      if (!document) return false;
      liveStates.get(documentName)?.budget.grow(update.length);
      liveStates.get(documentName)?.cost.grow(countUpdateCost(update));
      // A local origin: Hocuspocus broadcasts it to every connection and schedules a store.
      Y.applyUpdate(document, update, { source: 'local' });
      return true;
    },
  };
}
