// An encoded state a live document is known to hold, kept so that encoding the document again
// copies its structs as bytes instead of writing them one by one (sliced-encoding.ts). A version
// of a 100k-block document (1.5 M structs, 31.6 MB) is the one full encoding a store of a document
// still being edited does, and it came right after the load: ~0.65 s of main-thread CPU to write
// again, struct by struct, what the load had just read from those very bytes.
//
// Why copying is exact: a struct is named by (client, clock) and never changes content once
// created, and a Y.Doc only grows, so the structs a document held at some point are still its
// structs at the same clocks (Yjs may since have split them, merged them with neighbours or
// replaced a deleted one's content; the copied bytes then say the same thing in more words). The
// deletions are not copied: the encoder writes the document's delete set as it is now. The result
// is therefore the same document as `Y.encodeStateAsUpdate`, not the same bytes
// (test/domain/documents/encoded-base.test.ts).
//
// Kept for stored states of at least KEEP_MIN_BYTES: the bytes the load already holds (no copy),
// replaced by each encoding made over them. Memory: the encoded state per large live document
// (31.6 MB for 100k blocks, beside the ~450 MB its Y.Doc takes).
import * as decoding from 'lib0/decoding';
import type * as Y from 'yjs';
import type { TimeSlicer } from './time-slices.ts';
import { type SkippedStruct, skipStruct } from './update-cost.ts';

/** One client's structs in an encoded state: clocks [first, end), as bytes. */
export interface BaseSection {
  first: number;
  end: number;
  /** How many structs `bytes` holds. */
  count: number;
  /** The structs, exactly as written in the update (a view into it). */
  bytes: Uint8Array;
}

/** An encoded state, by client. */
export type EncodedBase = ReadonlyMap<number, BaseSection>;

/** Smaller states are encoded struct by struct: milliseconds, not worth keeping the bytes for. */
export const KEEP_MIN_BYTES = 1 << 20;

/** Structs walked between two looks at the clock. */
const STRUCTS_PER_CHECK = 512;

const bases = new WeakMap<Y.Doc, Promise<EncodedBase | undefined>>();

/**
 * Keeps an encoded state `doc` holds in full (the stored state it was loaded from, with nothing
 * pending) as the base of its next encodings; indexed in slices in the background.
 */
export function keepEncodedBase(doc: Y.Doc, update: Uint8Array, slicer: TimeSlicer): void {
  if (update.length < KEEP_MIN_BYTES) return;
  bases.set(
    doc,
    indexEncodedState(update, slicer).catch(() => undefined),
  );
}

/** Replaces the base by an encoding of the document already indexed (sliced-encoding.ts). */
export function replaceEncodedBase(doc: Y.Doc, base: EncodedBase, bytes: number): void {
  if (bytes < KEEP_MIN_BYTES) bases.delete(doc);
  else bases.set(doc, Promise.resolve(base));
}

/** The kept base of a document (waiting for its index), undefined when none is kept. */
export async function encodedBase(doc: Y.Doc): Promise<EncodedBase | undefined> {
  return bases.get(doc);
}

/**
 * The sections of a v1 update, walked without building its structs (update-cost.ts). Undefined
 * for an update a base cannot be: one holding skip ranges (a merge of updates with gaps) or a
 * client twice. Throws on bytes Yjs would not read.
 */
export async function indexEncodedState(update: Uint8Array, slicer: TimeSlicer): Promise<EncodedBase | undefined> {
  const decoder = decoding.createDecoder(update);
  const sections = new Map<number, BaseSection>();
  const struct: SkippedStruct = { skip: false, length: 0 };
  const clients = decoding.readVarUint(decoder);
  let sinceCheck = 0;
  for (let c = 0; c < clients; c += 1) {
    const count = decoding.readVarUint(decoder);
    const client = decoding.readVarUint(decoder);
    const first = decoding.readVarUint(decoder);
    const start = decoder.pos;
    let end = first;
    for (let s = 0; s < count; s += 1) {
      skipStruct(decoder, struct);
      if (struct.skip) return undefined;
      end += struct.length;
      if (++sinceCheck === STRUCTS_PER_CHECK) {
        sinceCheck = 0;
        if (slicer.due()) await slicer.pause();
      }
    }
    if (sections.has(client)) return undefined;
    sections.set(client, { first, end, count, bytes: update.subarray(start, decoder.pos) });
  }
  return sections;
}
