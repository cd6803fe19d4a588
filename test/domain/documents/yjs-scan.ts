// What Yjs itself walks to place an update's items: its conflict scan, counted.
import * as Y from 'yjs';

/**
 * The items Yjs itself passes in its conflict scan while it applies `update` to `doc` (a copy of
 * the scan's loop in Item.integrate, yjs src/structs/Item.js, counting its iterations).
 */
export function yjsScanSteps(doc: Y.Doc, update: Uint8Array): number {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const prototype = Y.Item.prototype as unknown as { integrate: (transaction: Y.Transaction, offset: number) => void };
  const integrate = prototype.integrate;
  let steps = 0;
  prototype.integrate = function (this: Y.Item, transaction: Y.Transaction, offset: number) {
    const store = transaction.doc.store;
    const left =
      offset > 0 ? (Y.getItem(store, Y.createID(this.id.client, this.id.clock + offset - 1)) as Y.Item) : this.left;
    const parent = this.parent as Y.AbstractType<unknown> | null;
    if (parent && ((!left && (!this.right || this.right.left !== null)) || (left && left.right !== this.right))) {
      let o: Y.Item | null;
      if (left !== null) o = left.right;
      else if (this.parentSub !== null) {
        o = parent._map.get(this.parentSub) ?? null;
        while (o !== null && o.left !== null) o = o.left;
      } else o = parent._start;
      const origin = offset > 0 ? Y.createID(this.id.client, this.id.clock + offset - 1) : this.origin;
      const conflicting = new Set<Y.Item>();
      const beforeOrigin = new Set<Y.Item>();
      while (o !== null && o !== this.right) {
        steps += 1;
        beforeOrigin.add(o);
        conflicting.add(o);
        if (Y.compareIDs(origin, o.origin)) {
          if (o.id.client < this.id.client) conflicting.clear();
          else if (Y.compareIDs(this.rightOrigin, o.rightOrigin)) break;
        } else if (o.origin !== null && beforeOrigin.has(Y.getItem(store, o.origin) as Y.Item)) {
          if (!conflicting.has(Y.getItem(store, o.origin) as Y.Item)) conflicting.clear();
        } else break;
        o = o.right;
      }
    }
    integrate.call(this, transaction, offset);
  };
  try {
    Y.applyUpdate(copy, update);
  } finally {
    prototype.integrate = integrate;
  }
  return steps;
}
