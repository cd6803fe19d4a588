// Which stored state a live document is known to contain. Compaction encodes a live document
// instead of decoding `notes.blocksuite_doc` and the log again (compaction.ts), which is only
// correct when the live document holds everything the stored state holds: otherwise writing it
// would drop what another instance (or a REST write) folded into the stored state meanwhile.
//
// A live document contains the stored state it was loaded from, and every state compaction
// encoded from it (a Y.Doc only grows). The mark names that state by the note row's version
// (`xmin`, which every write of the row changes) and, since writes that leave the document alone
// (a title edit, a trash move) change `xmin` too, by the md5 of its bytes as a second chance.
import { createHash } from 'node:crypto';
import type * as Y from 'yjs';
import type { TimeSlicer } from './time-slices.ts';

export interface StoredStateMark {
  /** `notes.xmin` after the state was read or written. */
  rowVersion: string;
  /** md5 (hex) of `notes.blocksuite_doc` then; null when it was null. */
  docMd5: string | null;
}

const marks = new WeakMap<Y.Doc, StoredStateMark>();

export function markStoredState(doc: Y.Doc, mark: StoredStateMark): void {
  marks.set(doc, mark);
}

export function storedStateMark(doc: Y.Doc): StoredStateMark | undefined {
  return marks.get(doc);
}

export function md5Hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : createHash('md5').update(bytes).digest('hex');
}

/** Bytes hashed per slice (~2 ms). */
const HASH_SLICE_BYTES = 1 << 20;

/** `md5Hex` in time slices: 31 MB take ~50 ms to hash. */
export async function md5HexInSlices(bytes: Uint8Array, slicer: TimeSlicer): Promise<string> {
  const hash = createHash('md5');
  for (let offset = 0; offset < bytes.length; offset += HASH_SLICE_BYTES) {
    if (slicer.due()) await slicer.pause();
    hash.update(bytes.subarray(offset, offset + HASH_SLICE_BYTES));
  }
  return hash.digest('hex');
}
