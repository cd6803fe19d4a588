import * as Y from 'yjs';
import { readBlockProps, type NestedProp } from './block-props.ts';
import {
  collectBlobKey,
  collectReferencedDocId,
  collectWikiLabels,
  createLinkCollector,
  type LinkCollector,
} from './link-collector.ts';
import { readNestedTexts } from './nested-texts.ts';
import { readRichText } from './rich-text.ts';
import type { BlockSuiteBlockText } from './types.ts';
import { VisitedItems } from './visited-items.ts';
import { arrayStrings, itemValue, mapValue } from './yjs-access.ts';

const CODE = 'affine:code';
const DOC_EMBEDS = new Set(['affine:embed-linked-doc', 'affine:embed-synced-doc']);
/** Blocks whose bytes live in the blob store under `prop:sourceId`, on the page or on the canvas. */
const BLOB_BLOCKS = new Set(['affine:image', 'affine:attachment']);

export type BlockWalk = {
  title: string;
  blocks: BlockSuiteBlockText[];
  lines: string[];
  links: LinkCollector;
  /** Live blocks visited, to tell whether any block lies outside the tree. */
  visitedCount: number;
  /** Whether some block lists the root among its children (a cycle through the root). */
  rootIsChild: boolean;
};

/** Links found in one block, each kind in reading order. */
export type BlockLinks = { wikiLabels: string[]; referencedDocIds: string[]; blobKeys: string[] };

/**
 * What the walk takes from one block. A block's reading depends on that block alone (its map and
 * what is nested in it) and on whether it is the root, so a live document's readings can be kept
 * and only the blocks changed since read again (live-content.ts).
 */
export type BlockReading = {
  /** The `blocks` entry it was read from: a block replaced under the same id is another entry. */
  item: Y.Item;
  asRoot: boolean;
  /** The block's own text, one line; a root's is the page title. */
  text: string;
  /** Its entry in `blocks`. */
  block: BlockSuiteBlockText;
  /** The string ids in `sys:children`, in order. */
  childIds: string[];
  /** Links of its own texts and props. */
  own: BlockLinks | null;
  /** Links of texts nested in its props (database cells, canvas elements): taken after its subtree. */
  nested: BlockLinks | null;
};

/** Reads a block (the value of `item`, `id` in `blocks`); null when it is not a block (not a Y.Map). */
export type BlockSource = (id: string, item: Y.Item, asRoot: boolean) => BlockReading | null;

/** How a walk reads its blocks, and who hears of it: a live document's cache records its walk (live-content.ts). */
export interface BlockVisits {
  /** Called at each block's visit, in visiting order. */
  read: BlockSource;
  /** The nested links of `reading` were just taken (once its subtree is done). */
  nestedTaken?(reading: BlockReading): void;
}

/** Every block read afresh. */
export const FRESH_VISITS: BlockVisits = { read: readBlock };

/**
 * Depth-first pre-order over `sys:children` from `rootId`. Fills `walk` as it goes, so that a
 * caller that catches a failure half-way still has what was read.
 */
export function walkBlocks(blockMap: Y.Map<unknown>, rootId: string, walk: BlockWalk): void {
  const steps = walkBlockSteps(blockMap, rootId, walk);
  let step = steps.next();
  while (!step.done) step = steps.next();
}

/** Blocks visited between two steps of `walkBlockSteps` (~0.3 ms of reading). */
const BLOCKS_PER_STEP = 64;

/**
 * `walkBlocks` as steps: yields every few blocks, so that a caller can give the event loop a turn
 * while reading a large document (read-document.ts). Between two steps the document may change;
 * the walk then reads some blocks as they were and some as they are, never a block half-way.
 * `visits` reads each block (by default afresh; a live document's cache otherwise).
 */
export function* walkBlockSteps(
  blockMap: Y.Map<unknown>,
  rootId: string,
  walk: BlockWalk,
  visits: BlockVisits = FRESH_VISITS,
): Generator<void> {
  const visited = new VisitedItems();
  let sinceStep = 0;
  // Explicit stack: nesting depth is client-controlled and could overflow recursion. A reading on
  // the stack stands for its nested links, taken once its subtree is done.
  const stack: Array<string | BlockReading> = [rootId];
  while (stack.length > 0) {
    const next = stack.pop() as string | BlockReading;
    if (typeof next !== 'string') {
      if (next.nested !== null) addLinks(walk.links, next.nested);
      visits.nestedTaken?.(next);
      continue;
    }
    const entry = blockMap._map.get(next);
    if (entry === undefined || !visited.add(entry)) continue;
    const reading = visits.read(next, entry, next === rootId);
    if (reading === null) continue;
    walk.visitedCount++;
    if (++sinceStep === BLOCKS_PER_STEP) {
      sinceStep = 0;
      yield;
    }
    if (next === rootId) walk.title = reading.text;
    else if (reading.text !== '') walk.lines.push(reading.text);
    walk.blocks.push(reading.block);
    if (reading.own !== null) addLinks(walk.links, reading.own);
    if (reading.nested !== null) stack.push(reading);
    if (pushChildren(stack, reading.childIds, rootId)) walk.rootIsChild = true;
  }
}

/** Reads one block afresh: the default `BlockSource`. */
export function readBlock(id: string, item: Y.Item, asRoot: boolean): BlockReading | null {
  const value = itemValue(item);
  if (!(value instanceof Y.Map)) return null;
  const block: Y.Map<unknown> = value;
  const props = readBlockProps(block);
  const { flavour } = props;
  const own = createLinkCollector();
  // A root's own texts are its title, never scanned for links.
  const text = asRoot ? readTitle(block) : readOwnTexts(props.texts, flavour !== CODE, own);
  if (DOC_EMBEDS.has(flavour)) collectReferencedDocId(own, mapValue(block, 'prop:pageId'));
  if (BLOB_BLOCKS.has(flavour)) collectBlobKey(own, mapValue(block, 'prop:sourceId'));
  let nested: BlockLinks | null = null;
  if (props.nested !== null) {
    const links = createLinkCollector();
    readNested(block, flavour, props.nested, props.children, links);
    nested = linkLists(links);
  }
  return {
    item,
    asRoot,
    text,
    block: { id, flavour, text },
    childIds: props.children === null ? NO_CHILDREN : arrayStrings(props.children),
    own: linkLists(own),
    nested,
  };
}

const NO_CHILDREN: string[] = [];

function linkLists(links: LinkCollector): BlockLinks | null {
  if (links.wikiLabels.size === 0 && links.referencedDocIds.size === 0 && links.blobKeys.size === 0) return null;
  return {
    wikiLabels: Array.from(links.wikiLabels),
    referencedDocIds: Array.from(links.referencedDocIds),
    blobKeys: Array.from(links.blobKeys),
  };
}

export function addLinks(collector: LinkCollector, links: BlockLinks): void {
  for (const label of links.wikiLabels) collector.wikiLabels.add(label);
  for (const docId of links.referencedDocIds) collector.referencedDocIds.add(docId);
  for (const key of links.blobKeys) collector.blobKeys.add(key);
}

export function emptyWalk(): BlockWalk {
  return { title: '', blocks: [], lines: [], links: createLinkCollector(), visitedCount: 0, rootIsChild: false };
}

function readOwnTexts(texts: Y.Text[], scan: boolean, links: LinkCollector): string {
  let joined = '';
  for (const ytext of texts) {
    const content = readRichText(ytext, links);
    if (scan) collectWikiLabels(links, content.scan);
    if (content.plain === '') continue;
    joined = joined === '' ? content.plain : `${joined}\n${content.plain}`;
  }
  return joined;
}

function readNested(
  block: Y.Map<unknown>,
  flavour: string,
  nested: NestedProp[],
  children: Y.Array<unknown> | null,
  links: LinkCollector,
): void {
  const scan = flavour !== CODE;
  const childIds = () => arrayStrings(children);
  for (const ytext of readNestedTexts(block, flavour, nested, childIds)) {
    const content = readRichText(ytext, links);
    if (scan) collectWikiLabels(links, content.scan);
  }
}

/** Pushes the child ids so that they pop in document order; tells whether the root is among them. */
function pushChildren(stack: Array<string | BlockReading>, childIds: readonly string[], rootId: string): boolean {
  let hasRoot = false;
  for (let i = childIds.length - 1; i >= 0; i--) {
    const id = childIds[i] as string;
    stack.push(id);
    if (id === rootId) hasRoot = true;
  }
  return hasRoot;
}

function readTitle(root: Y.Map<unknown>): string {
  const title = mapValue(root, 'prop:title');
  if (title instanceof Y.Text) return title.toString();
  return typeof title === 'string' ? title : '';
}
