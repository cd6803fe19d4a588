import * as Y from 'yjs';

/*
 * Allocation-free reads of Yjs types. The public getters allocate per call (`Y.Map#get` wraps a
 * nested type in an array, `entries()` builds iterator chains, `toArray()` copies), and at 100k
 * blocks that garbage, collected over a large live document, made reading grow faster than
 * linearly. These mirror yjs 13.6's own `typeMapGet` / `typeListToArray` over the same fields.
 */

/** The current value of a map entry, as `Y.Map#get` would return it. */
export function itemValue(item: Y.Item): unknown {
  if (item.deleted) return undefined;
  const content = item.content;
  if (content instanceof Y.ContentType) return content.type;
  if (content instanceof Y.ContentAny) return content.arr[item.length - 1];
  return content.getContent()[item.length - 1];
}

export function mapValue(map: Y.Map<unknown>, key: string): unknown {
  const item = map._map.get(key);
  return item === undefined ? undefined : itemValue(item);
}

/** Calls `visit` with each value of the array, in order. */
export function forEachArrayValue(array: Y.Array<unknown>, visit: (value: unknown) => void): void {
  for (let item = array._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const content = item.content;
    const values = content instanceof Y.ContentAny ? content.arr : content.getContent();
    for (const value of values) visit(value);
  }
}

/** The string values of a Y.Array (block ids in `sys:children`), in order; anything else is skipped. */
export function arrayStrings(array: unknown): string[] {
  const strings: string[] = [];
  if (array instanceof Y.Array) {
    forEachArrayValue(array, (value) => {
      if (typeof value === 'string') strings.push(value);
    });
  }
  return strings;
}
