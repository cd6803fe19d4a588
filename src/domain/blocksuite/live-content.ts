// The content of a document kept in memory (a live collaboration document), read again at every
// store. Reading a 100k-block document afresh costs about half a second of CPU, while a store after
// a small edit changes a block or two. So each block's reading (walk-blocks.ts: its text, snapshot
// entry, children, links) is kept, the blocks a transaction touches are marked, and a read walks
// the tree again over the kept readings, reading afresh only the marked blocks. The walk over kept
// readings is the same code as a fresh read's, so the result is the same, byte for byte
// (test/domain/blocksuite/live-content.test.ts compares them over random edits).
//
// A block's reading depends on its own map and everything nested in it (layout:
// docs/formats/blocksuite-yjs-layout.md); a change anywhere below a block marks it, found by
// walking up from each type the transaction changed to the child of `blocks`. A change of
// `blocks` itself (a block added, removed or replaced) marks the ids it names.
//
// `generation` counts the transactions that changed anything, so a store can tell whether the
// document changed since the last one it wrote.
import * as Y from 'yjs';
import { readBlockSuiteDocumentInSlices, type ReadSlices } from './read-document.ts';
import type { BlockSuiteBlockText, BlockSuiteDocumentContent } from './types.ts';
import { type BlockReading, readBlock } from './walk-blocks.ts';

export interface LiveDocumentContent {
  /** Grows with every transaction that changed the document since it was first asked for. */
  readonly generation: number;
  /** `readBlockSuiteDocument` of the document as it is now, in slices; only changed blocks are read afresh. */
  read(slices: ReadSlices): Promise<BlockSuiteDocumentContent>;
}

class TrackedContent implements LiveDocumentContent {
  generation = 1;
  readonly #doc: Y.Doc;
  readonly #readings = new Map<string, BlockReading>();
  /** Ids whose reading may be stale: touched by a transaction since it was taken. */
  #dirty = new Set<string>();

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    doc.on('afterTransaction', (transaction: Y.Transaction) => this.#changed(transaction));
  }

  async read(slices: ReadSlices): Promise<BlockSuiteDocumentContent> {
    // Readings of blocks gone from the document would never be asked for again.
    for (const id of this.#dirty) this.#readings.delete(id);
    this.#dirty.clear();
    const source = (id: string, item: Y.Item, asRoot: boolean): BlockReading | null => {
      const kept = this.#readings.get(id);
      if (kept !== undefined && kept.item === item && kept.asRoot === asRoot && !this.#dirty.has(id)) return kept;
      const reading = readBlock(id, item, asRoot);
      if (reading === null) {
        this.#readings.delete(id);
        return null;
      }
      this.#readings.set(id, reading);
      this.#dirty.delete(id);
      rememberBlockJson(reading.block);
      return reading;
    };
    return readBlockSuiteDocumentInSlices(this.#doc, slices, source);
  }

  #changed(transaction: Y.Transaction): void {
    if (transaction.changed.size === 0 && transaction.deleteSet.clients.size === 0) return;
    this.generation += 1;
    const blocks = this.#doc.share.get('blocks');
    if (blocks === undefined) return;
    for (const [type, keys] of transaction.changed) {
      if (type === blocks) {
        for (const key of keys) if (key !== null) this.#dirty.add(key);
        continue;
      }
      const id = blockIdOf(type, blocks);
      if (id !== null) this.#dirty.add(id);
    }
  }
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
