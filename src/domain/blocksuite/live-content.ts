// The content of a document kept in memory (a live collaboration document), read again at every
// store. Reading a 100k-block document afresh costs about half a second of CPU, while a store after
// a small edit changes a block or two. So each block's reading (walk-blocks.ts: its text, snapshot
// entry, children, links) is kept, the blocks a transaction touches are marked, and a read walks
// the tree again over the kept readings, reading afresh only the marked blocks. The walk over kept
// readings is the same code as a fresh read's, so the result is the same, byte for byte
// (test/domain/blocksuite/live-content.test.ts compares them over random edits). The walk is
// recorded, and while only the content of blocks changes the next read re-reads them in place and
// puts the content together from the recording instead of walking again.
//
// A block's reading depends on its own map and everything nested in it (layout:
// docs/formats/blocksuite-yjs-layout.md); a change anywhere below a block marks it, found by
// walking up from each type the transaction changed to the child of `blocks`. A change of
// `blocks` itself (a block added, removed or replaced) marks the ids it names.
//
// `generation` counts the transactions that changed anything, so a store can tell whether the
// document changed since the last one it wrote.
//
// The first read of a document reads every block (100k blocks: ~0.4 s of CPU, and the garbage of
// 100k fresh readings), so a large document is read once in the background right after it is
// loaded (`warm`, sliced): its first store then finds the readings kept. Reads run one at a time
// (a read waits for the one in progress): two walks interleaved across slices would each record
// readings the other already replaced.
import * as Y from 'yjs';
import { findBlocksMap, liveBlockCount } from './find-root.ts';
import { contentOf, readBlockSuiteDocumentInSlices, type ReadSlices } from './read-document.ts';
import type { BlockSuiteBlockText, BlockSuiteDocumentContent } from './types.ts';
import { addLinks, type BlockReading, type BlockVisits, emptyWalk, readBlock } from './walk-blocks.ts';

export interface LiveDocumentContent {
  /** Grows with every transaction that changed the document since it was first asked for. */
  readonly generation: number;
  /** `readBlockSuiteDocument` of the document as it is now, in slices; only changed blocks are read afresh. */
  read(slices: ReadSlices): Promise<BlockSuiteDocumentContent>;
  /** Reads the document now (in slices) so the next `read` finds the readings kept; never rejects. */
  warm(slices: ReadSlices): Promise<void>;
  /** Blocks read afresh since the tracker was attached (the rest came from kept readings). */
  readonly freshReads: number;
}

/** The last full walk, as a sequence: the blocks in visiting order and where nested links were taken. */
interface RecordedWalk {
  order: BlockReading[];
  /** The position in `order` of each block visited. */
  position: Map<string, number>;
  /** Nested links taken: the reading's position, and after how many visits. */
  nested: Array<{ at: number; after: number }>;
  /**
   * Whether re-reading only the changed blocks in place stands for a walk: every live block was
   * visited from the first page block, and none lists that root as a child (otherwise the walk
   * also depends on blocks it does not visit, read-document.ts).
   */
  patchable: boolean;
}

/** At most this many changed blocks are read again in place, in one go; more take a (sliced) walk. */
const PATCH_MAX_BLOCKS = 256;
/** Kept readings put together between two looks at the slice clock. */
const ASSEMBLED_PER_CHECK = 4096;

class TrackedContent implements LiveDocumentContent {
  generation = 1;
  freshReads = 0;
  readonly #doc: Y.Doc;
  /** The read in progress, if any: the next one starts after it. */
  #inProgress: Promise<unknown> = Promise.resolve();
  readonly #readings = new Map<string, BlockReading>();
  /** Ids whose reading may be stale: touched by a transaction since it was taken. */
  #dirty = new Set<string>();
  /** A block was added, removed or replaced in `blocks` since the last walk. */
  #structureChanged = true;
  #recorded: RecordedWalk | undefined;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    doc.on('afterTransaction', (transaction: Y.Transaction) => this.#changed(transaction));
  }

  /**
   * While only the content of blocks changed (no block added, removed or replaced, no children,
   * flavour or nested texts appearing or going), the walk would visit the same blocks in the same
   * order: the changed blocks are read again in place and the content put together from the
   * recorded walk. Otherwise the tree is walked again over the kept readings.
   */
  read(slices: ReadSlices): Promise<BlockSuiteDocumentContent> {
    const next = this.#inProgress.then(
      () => this.#readNow(slices),
      () => this.#readNow(slices),
    );
    this.#inProgress = next;
    return next;
  }

  async warm(slices: ReadSlices): Promise<void> {
    // A failure here is the next store's read's to report (it reads the same blocks).
    await this.read(slices).catch(() => {});
  }

  async #readNow(slices: ReadSlices): Promise<BlockSuiteDocumentContent> {
    const recorded = this.#recorded;
    const blockMap = findBlocksMap(this.#doc);
    if (recorded !== undefined && blockMap !== null && !this.#structureChanged && this.#patch(blockMap, recorded))
      return assemble(recorded, slices);
    return this.#walk(slices);
  }

  /** Reads the changed blocks again in place; false (and nothing changed) when a walk is needed. */
  #patch(blockMap: Y.Map<unknown>, recorded: RecordedWalk): boolean {
    if (!recorded.patchable || this.#dirty.size > PATCH_MAX_BLOCKS) return false;
    const fresh: Array<[number, BlockReading]> = [];
    for (const id of this.#dirty) {
      // Every live block was visited: one that was not is new or gone.
      const at = recorded.position.get(id);
      if (at === undefined) return false;
      const old = recorded.order[at] as BlockReading;
      const entry = blockMap._map.get(id);
      if (entry !== old.item) return false;
      const reading = readBlock(id, entry, old.asRoot);
      this.freshReads += 1;
      if (
        reading === null ||
        reading.block.flavour !== old.block.flavour ||
        !sameIds(reading.childIds, old.childIds) ||
        (reading.nested === null) !== (old.nested === null)
      )
        return false;
      fresh.push([at, reading]);
    }
    for (const [at, reading] of fresh) {
      recorded.order[at] = reading;
      this.#readings.set(reading.block.id, reading);
      rememberBlockJson(reading.block);
    }
    this.#dirty.clear();
    return true;
  }

  /** The walk of read-document.ts over the kept readings (changed blocks read afresh), recorded. */
  async #walk(slices: ReadSlices): Promise<BlockSuiteDocumentContent> {
    // Readings of blocks gone from the document would never be asked for again.
    for (const id of this.#dirty) this.#readings.delete(id);
    this.#dirty.clear();
    this.#structureChanged = false;
    const order: BlockReading[] = [];
    const position = new Map<string, number>();
    const nested: RecordedWalk['nested'] = [];
    const visits: BlockVisits = {
      read: (id, item, asRoot) => {
        // A walk from another root (read-document.ts) starts afresh.
        if (asRoot) {
          order.length = 0;
          position.clear();
          nested.length = 0;
        }
        const reading = this.#reading(id, item, asRoot);
        if (reading !== null) {
          position.set(id, order.length);
          order.push(reading);
        }
        return reading;
      },
      nestedTaken: (reading) => {
        const at = position.get(reading.block.id);
        if (at !== undefined) nested.push({ at, after: order.length });
      },
    };
    const content = await readBlockSuiteDocumentInSlices(this.#doc, slices, visits);
    const blockMap = findBlocksMap(this.#doc);
    const rootId = order[0]?.block.id;
    const patchable =
      blockMap !== null &&
      rootId !== undefined &&
      order.length === liveBlockCount(blockMap, order.length) &&
      !order.some((reading) => reading.childIds.includes(rootId));
    this.#recorded = { order, position, nested, patchable };
    return content;
  }

  /** The kept reading of a block, or a fresh one when it changed since. */
  #reading(id: string, item: Y.Item, asRoot: boolean): BlockReading | null {
    const kept = this.#readings.get(id);
    if (kept !== undefined && kept.item === item && kept.asRoot === asRoot && !this.#dirty.has(id)) return kept;
    const reading = readBlock(id, item, asRoot);
    this.freshReads += 1;
    if (reading === null) {
      this.#readings.delete(id);
      return null;
    }
    this.#readings.set(id, reading);
    this.#dirty.delete(id);
    rememberBlockJson(reading.block);
    return reading;
  }

  #changed(transaction: Y.Transaction): void {
    if (transaction.changed.size === 0 && transaction.deleteSet.clients.size === 0) return;
    this.generation += 1;
    const blocks = this.#doc.share.get('blocks');
    if (blocks === undefined) return;
    for (const [type, keys] of transaction.changed) {
      if (type === blocks) {
        this.#structureChanged = true;
        for (const key of keys) if (key !== null) this.#dirty.add(key);
        continue;
      }
      const id = blockIdOf(type, blocks);
      if (id !== null) this.#dirty.add(id);
    }
  }
}

/** The content from a recorded walk whose readings are current: what the walk itself would give. */
async function assemble(recorded: RecordedWalk, slices: ReadSlices): Promise<BlockSuiteDocumentContent> {
  const walk = emptyWalk();
  const { order, nested } = recorded;
  let next = 0;
  const takeNested = (visited: number) => {
    for (; next < nested.length && (nested[next] as { after: number }).after <= visited; next += 1) {
      const links = (order[(nested[next] as { at: number }).at] as BlockReading).nested;
      if (links !== null) addLinks(walk.links, links);
    }
  };
  for (let at = 0; at < order.length; at += 1) {
    if (at % ASSEMBLED_PER_CHECK === ASSEMBLED_PER_CHECK - 1 && slices.due()) await slices.pause();
    const reading = order[at] as BlockReading;
    if (at === 0) walk.title = reading.text;
    else if (reading.text !== '') walk.lines.push(reading.text);
    walk.blocks.push(reading.block);
    if (reading.own !== null) addLinks(walk.links, reading.own);
    takeNested(at + 1);
  }
  takeNested(Number.POSITIVE_INFINITY);
  return contentOf(walk);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** A type a transaction changed, as Yjs types it. */
type ChangedType = Y.Transaction['changed'] extends Map<infer Type, unknown> ? Type : never;

/** The id of the block (a child of `blocks`) that `type` lies in; null when it lies in none. */
function blockIdOf(type: ChangedType, blocks: unknown): string | null {
  let current: ChangedType = type;
  for (;;) {
    const item = current._item;
    if (item === null) return null;
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return null;
    if (parent === blocks) return item.parentSub;
    current = parent;
  }
}

const tracked = new WeakMap<Y.Doc, TrackedContent>();

/** The content tracker of `doc`, attached on first use (everything counts as changed then). */
export function liveDocumentContent(doc: Y.Doc): LiveDocumentContent {
  let content = tracked.get(doc);
  if (!content) {
    content = new TrackedContent(doc);
    tracked.set(doc, content);
  }
  return content;
}

/** The JSON of snapshot entries kept with a live document's readings, made once per reading. */
const blockJson = new WeakMap<BlockSuiteBlockText, string>();

function rememberBlockJson(block: BlockSuiteBlockText): void {
  blockJson.set(block, JSON.stringify(block));
}

/** `JSON.stringify(block)`, kept from an earlier store when the block did not change since. */
export function snapshotBlockJson(block: BlockSuiteBlockText): string {
  return blockJson.get(block) ?? JSON.stringify(block);
}

/** Below this many blocks the first store's read takes a few milliseconds: not worth a read ahead of it. */
const WARM_MIN_BLOCKS = 2000;

/**
 * Right after a document is loaded: a large one is read now, in slices, so that its first store
 * reads only what changed since (a 100k-block first store spent ~0.4 s of CPU reading every block).
 * Answers the read, or undefined when the document is too small to be worth it.
 */
export function warmLargeDocument(doc: Y.Doc, slices: ReadSlices): Promise<void> | undefined {
  const blockMap = findBlocksMap(doc);
  if (blockMap === null || blockMap._map.size < WARM_MIN_BLOCKS) return undefined;
  return liveDocumentContent(doc).warm(slices);
}
