export type BlockSuiteBlockText = {
  id: string;
  flavour: string;
  /** The block's own text props, one per line (a page block's is its title). */
  text: string;
};

export type BlockSuiteDocumentContent = {
  title: string;
  /** Text of every reachable block below the page, depth-first, one non-empty block per line. */
  text: string;
  /** Every reachable block in document order, the page block first. */
  blocks: BlockSuiteBlockText[];
  /** `[[labels]]`, whitespace-collapsed, unique, in order of first appearance. */
  wikiLabels: string[];
  /** Doc ids of native references, unique, in order of first appearance. */
  referencedDocIds: string[];
  /** `sourceId` of image and attachment blocks (blob keys), unique, in order of first appearance. */
  blobKeys: string[];
};
