// MAX_DOCUMENT_BYTES (docs/collaboration.md, close code 4413): an update that would make a document
// larger than the limit is refused. Measuring the exact size (encoding the whole state) on every keystroke would cost
// O(document) per update, so each loaded document carries an upper bound: the bytes it loaded
// from plus every update admitted since. Only when that bound would pass the limit is the state
// measured exactly (and the bound reset to it); deletions and merging only ever make the real size
// smaller than the bound, so nothing over the limit gets through.
import * as Y from 'yjs';
import { payloadTooLarge } from '../errors.ts';

export interface DocumentSizeBudget {
  /** Throws PAYLOAD_TOO_LARGE when `updateBytes` more could pass the limit; otherwise counts them. */
  admit(doc: Y.Doc, updateBytes: number): void;
  /** Counts bytes admitted elsewhere (an update checked against the exact size before it was logged). */
  grow(updateBytes: number): void;
  /** The current upper bound (tests, metrics). */
  readonly boundBytes: number;
}

export function documentTooLarge(maxBytes: number) {
  return payloadTooLarge(`The document would exceed the maximum size of ${maxBytes} bytes`);
}

export function createDocumentSizeBudget(maxBytes: number, initialBytes: number): DocumentSizeBudget {
  let bound = initialBytes;
  return {
    admit(doc, updateBytes) {
      if (bound + updateBytes > maxBytes) {
        bound = Y.encodeStateAsUpdate(doc).length;
        if (bound + updateBytes > maxBytes) throw documentTooLarge(maxBytes);
      }
      bound += updateBytes;
    },
    grow(updateBytes) {
      bound += updateBytes;
    },
    get boundBytes() {
      return bound;
    },
  };
}

/** The same rule for a state held as bytes (a document that is not loaded). */
export function assertWithinDocumentLimit(currentBytes: number, updateBytes: number, maxBytes: number): void {
  if (currentBytes + updateBytes > maxBytes) throw documentTooLarge(maxBytes);
}
