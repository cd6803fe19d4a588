// The amplification of issue "hostile input" written by hand: one Yjs update holding `count` empty
// Y.Map items in a root Y.Array `a`, each item ~6 encoded bytes (info byte, origin id, type ref)
// and ~600 bytes of heap once applied. Built directly in the wire format so a test can make
// millions of them in milliseconds without building them itself.
import * as encoding from 'lib0/encoding';
import { MessageType, SyncStep, syncStatusDocumentName } from '../../src/collab/frames.ts';
import type { RawCollabClient } from '../helpers/collab.ts';

const CONTENT_TYPE = 7;
const HAS_ORIGIN = 128;
const Y_MAP = 1;

export function amplifiedUpdate(
  count: number,
  client = 424242,
  /** The item the first one goes after (as a client appending would name it); none: "somewhere in `a`". */
  after?: { client: number; clock: number },
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0); // first clock
  for (let clock = 0; clock < count; clock += 1) {
    if (clock === 0 && after) {
      encoding.writeUint8(encoder, CONTENT_TYPE | HAS_ORIGIN);
      encoding.writeVarUint(encoder, after.client);
      encoding.writeVarUint(encoder, after.clock);
    } else if (clock === 0) {
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

/**
 * `count` empty Y.Map items in the root Y.Array `a`, none with an origin ("somewhere in `a`"): Yjs
 * places each by scanning every item `a` already holds (src/domain/documents/integration-cost.ts).
 */
export function noOriginUpdate(count: number, client = 434343): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0); // first clock
  for (let clock = 0; clock < count; clock += 1) {
    encoding.writeUint8(encoder, CONTENT_TYPE);
    encoding.writeVarUint(encoder, 1); // parent is a root type, by name
    encoding.writeVarString(encoder, 'a');
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

/** A raw client's sync-update frame carrying `update` for `documentName`. */
export function updateFrame(documentName: string, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  encoding.writeVarUint(encoder, MessageType.Sync);
  encoding.writeVarUint(encoder, SyncStep.Update);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * Sends `update` for `documentName` and resolves true once the server acknowledges it (its
 * SyncStatus for that document), false if the server closes the socket first.
 */
export function sendAwaitingAck(client: RawCollabClient, documentName: string, update: Uint8Array): Promise<boolean> {
  const acknowledged = new Promise<boolean>((resolve) => {
    const onMessage = (data: Buffer) => {
      if (syncStatusDocumentName(new Uint8Array(data)) !== documentName) return;
      client.ws.off('message', onMessage);
      resolve(true);
    };
    client.ws.on('message', onMessage);
    void client.closed.then(() => resolve(false));
  });
  client.send(updateFrame(documentName, update));
  return acknowledged;
}

/** The three 50 000-item updates that make `a` 150 000 items long (clients 1000–1002). */
export const longArrayUpdates = (): Uint8Array[] => [1000, 1001, 1002].map((client) => amplifiedUpdate(50_000, client));

/** The last item `sendLongArray` appends (client 1002's last): what a client appending after it names. */
export const LONG_ARRAY_LAST = { client: 1002, clock: 49_999 };

/**
 * Fills the root array `a` of `documentName` with 150 000 empty maps, three logged updates of
 * 50 000 (clients 1000–1002, chained as a client appends them): the long array crafted updates
 * walk. Resolves false if the server refuses one.
 */
export async function sendLongArray(client: RawCollabClient, documentName: string): Promise<boolean> {
  for (const writer of [1000, 1001, 1002])
    if (!(await sendAwaitingAck(client, documentName, amplifiedUpdate(50_000, writer)))) return false;
  return true;
}

const HAS_RIGHT_ORIGIN = 64;

/**
 * One item appended after `after` (the last item of `a`), then `count` items with no left origin
 * whose right origin is that appended item: Yjs scans every item of `a` for each of them, and the
 * right origin, new in the update, is not in the document to stop a walk against it.
 */
export function rightOriginInUpdate(
  count: number,
  after: { client: number; clock: number },
  client = 9_000_000,
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count + 1);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0); // first clock
  encoding.writeUint8(encoder, CONTENT_TYPE | HAS_ORIGIN);
  encoding.writeVarUint(encoder, after.client);
  encoding.writeVarUint(encoder, after.clock);
  encoding.writeVarUint(encoder, Y_MAP);
  for (let clock = 1; clock <= count; clock += 1) {
    encoding.writeUint8(encoder, CONTENT_TYPE | HAS_RIGHT_ORIGIN);
    encoding.writeVarUint(encoder, client); // right origin: the appended item
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

/**
 * `count` items with no left origin whose right origin is clock 0 of `missingClient`, which the
 * document does not have: Yjs holds them back until it arrives (`amplifiedUpdate(1, missingClient,
 * after)` appends it after the last item of `a`), then places each by scanning all of `a`.
 */
export function heldBackUpdate(count: number, missingClient: number, client = 9_000_000): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0); // first clock
  for (let clock = 0; clock < count; clock += 1) {
    encoding.writeUint8(encoder, CONTENT_TYPE | HAS_RIGHT_ORIGIN);
    encoding.writeVarUint(encoder, missingClient);
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

/**
 * A list the update fills itself: a chain of `count` items into the empty root array `b`
 * (client `client`), then `count` items of a higher client with no left origin and the chain's
 * last item as right origin: each passes the whole chain in Yjs (count² steps, nothing in the
 * document to walk).
 */
export function selfFilledUpdate(count: number, client = 7_000_000): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 2); // two clients, the higher first (as Yjs writes them)
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client + 1);
  encoding.writeVarUint(encoder, 0);
  for (let clock = 0; clock < count; clock += 1) {
    encoding.writeUint8(encoder, CONTENT_TYPE | HAS_RIGHT_ORIGIN);
    encoding.writeVarUint(encoder, client); // right origin: the chain's last item
    encoding.writeVarUint(encoder, count - 1);
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, count);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 0);
  for (let clock = 0; clock < count; clock += 1) {
    if (clock === 0) {
      encoding.writeUint8(encoder, CONTENT_TYPE);
      encoding.writeVarUint(encoder, 1); // parent is a root type, by name
      encoding.writeVarString(encoder, 'b');
    } else {
      encoding.writeUint8(encoder, CONTENT_TYPE | HAS_ORIGIN);
      encoding.writeVarUint(encoder, client);
      encoding.writeVarUint(encoder, clock - 1);
    }
    encoding.writeVarUint(encoder, Y_MAP);
  }
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}
