// How much work Yjs will do to place an update's items in a document, bounded before it is
// applied (docs/security.md, "Integration cost"). Yjs places an item by scanning the items between
// its left origin and its right origin that were inserted concurrently (YATA's conflict
// resolution, Item.integrate in yjs), with two Sets and two store lookups per step. A client sets
// the origins to the item's neighbours, so a real edit scans a handful of items; but nothing
// stops an update from naming origins far apart (both absent: "somewhere in this array"), and
// then every item scans the whole run between them: 20 such items (107 bytes) into an array of
// 500 000 items held the event loop 7.5 s, and the cost grows with items × document
// (bench/probes/yjs-integration-scan.ts).
//
// So, before an update is logged or applied, each of its items is placed against the live
// document as it is: the items between its left origin (or the start of its parent, or of its map
// key's entries) and its right origin (or the end) are walked and counted, and the update is
// refused once the count passes the bound, before Yjs does the same walk at ~20× the cost per
// step. The walk is an upper bound of Yjs's scan for the item (Yjs stops at the right origin or
// earlier). Not counted: items whose left origin is in the update itself (Yjs stops at the first
// item after such an origin, which no item of the document can name) and items whose parent is
// created by the same update (their array starts empty).
import * as Y from 'yjs';
import { payloadTooLarge } from '../errors.ts';
import { countUpdateCost, type ItemPlacement } from './update-cost.ts';

/** Items walked, over an update's items, past which it is refused: ~30–50 ms of Yjs's scan. */
export const MAX_INTEGRATION_STEPS = 100_000;

export class IntegrationTooCostly extends Error {
  override name = 'IntegrationTooCostly';
}

type Struct = Y.Item | Y.GC;

/** The struct holding `(client, clock)` when the document has it, otherwise null (new in this update, or missing). */
function existing(store: Y.Doc['store'], client: number, clock: number): Struct | null {
  if (client < 0 || clock >= Y.getState(store, client)) return null;
  return Y.getItem(store, Y.createID(client, clock)) as Struct;
}

const isItem = (struct: Struct | null): struct is Y.Item => struct instanceof Y.Item;

/** The type an item names as its parent (a root type, or the type held by an item of the document). */
function namedParent(doc: Y.Doc, placement: ItemPlacement): Y.AbstractType<unknown> | null {
  if (placement.parentName !== null) return (doc.share.get(placement.parentName) as Y.AbstractType<unknown>) ?? null;
  const holder = existing(doc.store, placement.parentClient, placement.parentClock);
  if (!isItem(holder) || !(holder.content instanceof Y.ContentType)) return null;
  return holder.content.type as Y.AbstractType<unknown>;
}

/**
 * The items of `doc`'s parent type from where the scan starts: after `left`, or the first entry of
 * the map key `key`, or the start of the parent's list.
 */
function scanStart(parent: Y.AbstractType<unknown>, key: string | null): Y.Item | null {
  if (key === null) return parent._start;
  let first = parent._map.get(key) ?? null;
  // Yjs walks back to the key's first entry before it scans forward (so each step counts twice).
  while (first?.left) first = first.left;
  return first;
}

/**
 * The items Yjs may walk to place `update`'s items in `doc` (see above); throws
 * IntegrationTooCostly past `max`. The update must already be known to be well formed.
 */
export function integrationSteps(doc: Y.Doc, update: Uint8Array, max = MAX_INTEGRATION_STEPS): number {
  const { store } = doc;
  let steps = 0;
  const walk = (from: Y.Item | null, until: Struct | null, weight: number) => {
    for (let item = from; item !== null && item !== until; item = item.right) {
      steps += weight;
      if (steps > max) throw new IntegrationTooCostly(`more than ${max} items to walk`);
    }
  };
  countUpdateCost(update, Number.POSITIVE_INFINITY, {
    placements: (placement) => {
      const right = existing(store, placement.rightClient, placement.rightClock);
      // A right origin that was collected (GC): Yjs drops the item without placing it.
      if (right !== null && !isItem(right)) return;
      if (placement.originClient >= 0) {
        const left = existing(store, placement.originClient, placement.originClock);
        // Its origin is new (in this update) or missing (Yjs holds the item back): see above.
        if (!isItem(left)) return;
        // Both origins inside one item of the document, the right one after the left (typing
        // inside a word this document holds as one item): Yjs splits the item there and meets the
        // right origin at once. Walking on from the item's end would never meet it and count the
        // rest of the list (a keystroke in a long document was refused). Origins in the other
        // order are walked as they are: Yjs would scan to the end of the list too.
        if (right === left && placement.rightClock > placement.originClock) return;
        walk(left.right, right, 1);
        return;
      }
      // No left origin: the scan starts at the parent's start (or the key's first entry).
      let parent: Y.AbstractType<unknown> | null = null;
      let key = placement.parentSub;
      if (placement.rightClient >= 0) {
        if (!isItem(right) || !(right.parent instanceof Y.AbstractType)) return;
        parent = right.parent as Y.AbstractType<unknown>;
        key = right.parentSub;
      } else parent = namedParent(doc, placement);
      if (!parent) return;
      walk(scanStart(parent, key), right, key === null ? 1 : 2);
    },
  });
  return steps;
}

/**
 * Whether an update of cost `updateCost` (countUpdateCost) can walk more than `max` items in a
 * document whose state costs `documentCost`: each of its items walks at most every item of the
 * document, twice for a map key's entries, and each count is at least the items it holds. When it
 * cannot, a caller that would have to decode the document to walk it need not (HTTP document
 * sync of a note that is not live: the decode costs ~1.5 µs per item).
 */
export function mayExceedIntegrationBound(updateCost: number, documentCost: number, max = MAX_INTEGRATION_STEPS) {
  return 2 * updateCost * documentCost > max;
}

/**
 * `integrationSteps` for a transport that answers with a domain error (HTTP document sync):
 * PAYLOAD_TOO_LARGE (413) naming the limit, where the socket closes with 4413.
 */
export function admitIntegration(doc: Y.Doc, update: Uint8Array, max = MAX_INTEGRATION_STEPS): number {
  try {
    return integrationSteps(doc, update, max);
  } catch (error) {
    if (!(error instanceof IntegrationTooCostly)) throw error;
    throw payloadTooLarge(
      `The update would make the server walk more than ${max} items to place it (MAX_INTEGRATION_STEPS)`,
      { limit: 'MAX_INTEGRATION_STEPS', max },
    );
  }
}
