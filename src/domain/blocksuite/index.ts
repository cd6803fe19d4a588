export { readBlockSuiteDocument, readBlockSuiteDocumentInSlices, type ReadSlices } from './read-document.ts';
export {
  appendBlobBlocks,
  buildBlockSuiteDocument,
  fillBlockSuiteDocument,
  createBlockId,
  type BlobBlock,
  type BuildDocumentOptions,
} from './build-document.ts';
export { normalizeTitle, topicSlug } from './slug.ts';
export { extractWikiLabels } from './wiki-labels.ts';
export type { BlockSuiteBlockText, BlockSuiteDocumentContent } from './types.ts';
export { liveDocumentContent, type LiveDocumentContent, snapshotBlockJson, warmLargeDocument } from './live-content.ts';
