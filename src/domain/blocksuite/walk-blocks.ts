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
import { arrayStrings, forEachArrayValue, itemValue, mapValue } from './yjs-access.ts';

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

/** Texts inside a block's props are read once its subtree is done (see `readBlockSuiteDocument`). */
type NestedVisit = {
  block: Y.Map<unknown>;
  flavour: string;
  nested: NestedProp[];
  children: Y.Array<unknown> | null;
};

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
 */
export function* walkBlockSteps(blockMap: Y.Map<unknown>, rootId: string, walk: BlockWalk): Generator<void> {
  const visited = new VisitedItems();
  let sinceStep = 0;
  // Explicit stack: nesting depth is client-controlled and could overflow recursion.
  const stack: Array<string | NestedVisit> = [rootId];
  while (stack.length > 0) {
    const next = stack.pop() as string | NestedVisit;
    if (typeof next !== 'string') {
      readNested(next, walk.links);
      continue;
    }
    const entry = blockMap._map.get(next);
    if (entry === undefined || !visited.add(entry)) continue;
    const value = itemValue(entry);
    if (!(value instanceof Y.Map)) continue;
    const block: Y.Map<unknown> = value;
    walk.visitedCount++;
    if (++sinceStep === BLOCKS_PER_STEP) {
      sinceStep = 0;
      yield;
    }

    const props = readBlockProps(block);
    const { flavour } = props;
    let text: string;
    if (next === rootId) {
      walk.title = readTitle(block);
      text = walk.title;
    } else {
      text = readOwnTexts(props.texts, flavour !== CODE, walk.links);
      if (text !== '') walk.lines.push(text);
    }
    walk.blocks.push({ id: next, flavour, text });
    if (DOC_EMBEDS.has(flavour)) collectReferencedDocId(walk.links, mapValue(block, 'prop:pageId'));
    if (BLOB_BLOCKS.has(flavour)) collectBlobKey(walk.links, mapValue(block, 'prop:sourceId'));

    if (props.nested !== null) stack.push({ block: block, flavour, nested: props.nested, children: props.children });
    if (props.children !== null && pushChildren(stack, props.children, rootId)) walk.rootIsChild = true;
  }
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

function readNested(visit: NestedVisit, links: LinkCollector): void {
  const scan = visit.flavour !== CODE;
  const childIds = () => arrayStrings(visit.children);
  for (const ytext of readNestedTexts(visit.block, visit.flavour, visit.nested, childIds)) {
    const content = readRichText(ytext, links);
    if (scan) collectWikiLabels(links, content.scan);
  }
}

/** Pushes the child ids so that they pop in document order; tells whether the root is among them. */
function pushChildren(stack: Array<string | NestedVisit>, children: Y.Array<unknown>, rootId: string): boolean {
  const start = stack.length;
  let hasRoot = false;
  forEachArrayValue(children, (id) => {
    if (typeof id !== 'string') return;
    stack.push(id);
    if (id === rootId) hasRoot = true;
  });
  for (let i = start, j = stack.length - 1; i < j; i++, j--) {
    const swap = stack[i] as string;
    stack[i] = stack[j] as string;
    stack[j] = swap;
  }
  return hasRoot;
}

function readTitle(root: Y.Map<unknown>): string {
  const title = mapValue(root, 'prop:title');
  if (title instanceof Y.Text) return title.toString();
  return typeof title === 'string' ? title : '';
}
