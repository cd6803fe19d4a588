import { extractWikiLabels } from './wiki-labels.ts';

/**
 * Accumulates links across a whole document. Sets keep insertion order, which gives
 * "unique, in order of first appearance" for free.
 */
export type LinkCollector = {
  wikiLabels: Set<string>;
  referencedDocIds: Set<string>;
  /** `sourceId` of image and attachment blocks: the blob keys the document uses (docs/blobs.md). */
  blobKeys: Set<string>;
};

export function createLinkCollector(): LinkCollector {
  return { wikiLabels: new Set(), referencedDocIds: new Set(), blobKeys: new Set() };
}

export function collectWikiLabels(collector: LinkCollector, scanText: string): void {
  for (const label of extractWikiLabels(scanText)) collector.wikiLabels.add(label);
}

export function collectReferencedDocId(collector: LinkCollector, docId: unknown): void {
  if (typeof docId === 'string' && docId.length > 0) collector.referencedDocIds.add(docId);
}

export function collectBlobKey(collector: LinkCollector, sourceId: unknown): void {
  if (typeof sourceId === 'string' && sourceId.length > 0) collector.blobKeys.add(sourceId);
}
