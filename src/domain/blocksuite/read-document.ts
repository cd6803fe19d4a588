import type * as Y from 'yjs';
import { findBlocksMap, findRootId, firstPageId, liveBlockCount } from './find-root.ts';
import type { BlockSuiteDocumentContent } from './types.ts';
import { type BlockVisits, type BlockWalk, emptyWalk, FRESH_VISITS, walkBlockSteps } from './walk-blocks.ts';

/**
 * Reads the content of a BlockSuite page doc (layout: docs/formats/blocksuite-yjs-layout.md).
 *
 * Order: depth-first pre-order over `sys:children` from the page block; a block's own texts,
 * then its descendants, then texts nested in its props (database cells, canvas elements). That
 * puts a database's cell links after its rows', as fixture 05 expects. Nested texts yield links
 * only: they are not part of `text`, matching the fixtures' plain text.
 *
 * Wiki labels are de-duplicated by exact string after whitespace collapsing (the fixtures list
 * `[[Project Apollo]]` twice in the text but once in `wikiLinks`); labels differing only in case
 * stay distinct here, and a consumer that needs case-insensitive identity uses normalizeTitle.
 *
 * The page title is not scanned for links; text in `affine:code` blocks and inline-code spans is
 * kept in `text` but never scanned.
 *
 * Never throws: anything not BlockSuite-shaped is skipped, and each block is visited once, so
 * cycles and repeated children end the walk normally.
 */
export function readBlockSuiteDocument(doc: Y.Doc): BlockSuiteDocumentContent {
  const walk = emptyWalk();
  try {
    const steps = walkFromRoot(doc, walk);
    let step = steps.next();
    while (!step.done) step = steps.next();
  } catch {
    // Defence in depth for shapes nobody anticipated: keep what the walk read before it.
  }
  return contentOf(walk);
}

/** Pauses between slices of a long read; the shape of `TimeSlicer` (domain/documents/time-slices.ts). */
export interface ReadSlices {
  due(): boolean;
  pause(): Promise<void>;
}

/**
 * `readBlockSuiteDocument` in time slices (`visits`: how each block is read; a live document's
 * cache reads only the blocks changed since, live-content.ts): a 100k-block document takes about half a second to read,
 * too long to hold the event loop of a server. The document may change between slices (a live
 * document keeps receiving edits): the result then mixes blocks read before and after a change,
 * which the next read (the next store, which that change schedules) puts right.
 */
export async function readBlockSuiteDocumentInSlices(
  doc: Y.Doc,
  slices: ReadSlices,
  visits: BlockVisits = FRESH_VISITS,
): Promise<BlockSuiteDocumentContent> {
  const walk = emptyWalk();
  try {
    const steps = walkFromRoot(doc, walk, visits);
    let step = steps.next();
    while (!step.done) {
      if (slices.due()) await slices.pause();
      step = steps.next();
    }
  } catch {
    // As above: keep what the walk read.
  }
  return contentOf(walk);
}

/** The content a walk read. */
export function contentOf(walk: BlockWalk): BlockSuiteDocumentContent {
  return {
    title: walk.title,
    text: walk.lines.join('\n'),
    blocks: walk.blocks,
    wikiLabels: Array.from(walk.links.wikiLabels),
    referencedDocIds: Array.from(walk.links.referencedDocIds),
    blobKeys: Array.from(walk.links.blobKeys),
  };
}

/**
 * Walks from the first page block found. Only if the walk leaves blocks unvisited, or comes back
 * to its root, can another page block be the root; just then are all blocks scanned for it
 * (a full extra pass costs as much as a fifth of the read).
 */
function* walkFromRoot(doc: Y.Doc, walk: BlockWalk, visits: BlockVisits = FRESH_VISITS): Generator<void> {
  const blockMap = findBlocksMap(doc);
  const first = blockMap === null ? null : firstPageId(blockMap);
  if (blockMap === null || first === null) return;
  yield* walkBlockSteps(blockMap, first, walk, visits);
  if (!walk.rootIsChild && walk.visitedCount === liveBlockCount(blockMap, walk.visitedCount)) return;
  const root = findRootId(blockMap);
  if (root === null || root === first) return;
  Object.assign(walk, emptyWalk());
  yield* walkBlockSteps(blockMap, root, walk, visits);
}
