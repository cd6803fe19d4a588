export { readBlockSuiteDocument } from './read-document.ts';
export {
  buildBlockSuiteDocument,
  fillBlockSuiteDocument,
  createBlockId,
  type BuildDocumentOptions,
} from './build-document.ts';
export { normalizeTitle, topicSlug } from './slug.ts';
export { extractWikiLabels } from './wiki-labels.ts';
export type { BlockSuiteBlockText, BlockSuiteDocumentContent } from './types.ts';
