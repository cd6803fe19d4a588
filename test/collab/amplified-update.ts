// The amplification of issue "hostile input" written by hand: one Yjs update holding `count` empty
// Y.Map items in a root Y.Array `a`, each item ~6 encoded bytes (info byte, origin id, type ref)
// and ~600 bytes of heap once applied. Built directly in the wire format so a test can make
// millions of them in milliseconds without building them itself.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

const CONTENT_TYPE = 7;
const HAS_ORIGIN = 128;
const Y_MAP = 1;

export function amplifiedUpdate(count: number, client = 424242): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0); // first clock
  for (let clock = 0; clock < count; clock += 1) {
    if (clock === 0) {
      encoding.writeUint8(encoder, CONTENT_TYPE);
      encoding.writeVarUint(encoder, 1); // parent is a root type, by name
      encoding.writeVarString(encoder, 'a');
    } else {
      encoding.writeUint8(encoder, CONTENT_TYPE | HAS_ORIGIN);
      encoding.writeVarUint(encoder, client); // origin: the previous item
      encoding.writeVarUint(encoder, clock - 1);
    }
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

const MESSAGE_SYNC = 0;
const SYNC_UPDATE = 2;
/** Server → client: "your update was applied" (Hocuspocus's SyncStatus). */
const SYNC_STATUS = 8;

/** A raw client's sync-update frame carrying `update` for `documentName`. */
export function updateFrame(documentName: string, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, SYNC_UPDATE);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The server's "your update was applied" (SyncStatus) for `documentName`, and nothing else. */
export function isSyncStatus(documentName: string, data: Buffer): boolean {
  try {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    return decoding.readVarString(decoder) === documentName && decoding.readVarUint(decoder) === SYNC_STATUS;
  } catch {
    return false;
  }
}
