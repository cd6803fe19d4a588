import * as Y from 'yjs';
import { compare } from './block-props.ts';
import { arrayStrings, itemValue, mapValue } from './yjs-access.ts';

const PAGE = 'affine:page';

/**
 * Looks the map up without creating it: `doc.getMap` on a doc that has no `blocks` would add an
 * empty top-level type, and throws if `blocks` was defined as another type.
 */
export function findBlocksMap(doc: Y.Doc): Y.Map<unknown> | null {
  const shared = doc.share.get('blocks');
  if (shared === undefined) return null;
  if (shared instanceof Y.Map) return shared as Y.Map<unknown>;
  try {
    return doc.getMap<unknown>('blocks');
  } catch {
    return null;
  }
}

/** The first `affine:page` block in map order: the root of any well-formed doc. */
export function firstPageId(blockMap: Y.Map<unknown>): string | null {
  for (const [id, item] of blockMap._map) {
    if (isPage(itemValue(item))) return id;
  }
  return null;
}

/**
 * The root when a doc has several page blocks: one that is nobody's child, then the smallest id,
 * so that every replica, whatever its map order, picks the same one.
 */
export function findRootId(blockMap: Y.Map<unknown>): string | null {
  const pages: string[] = [];
  for (const [id, item] of blockMap._map) {
    if (isPage(itemValue(item))) pages.push(id);
  }
  if (pages.length <= 1) return pages[0] ?? null;
  const children = new Set<string>();
  for (const item of blockMap._map.values()) {
    const block = itemValue(item);
    if (block instanceof Y.Map) for (const id of arrayStrings(mapValue(block, 'sys:children'))) children.add(id);
  }
  const roots = pages.filter((id) => !children.has(id));
  return (roots.length > 0 ? roots : pages).sort(compare)[0] ?? null;
}

/** Blocks currently in the map; `_map` also keeps the entries of deleted blocks. */
export function liveBlockCount(blockMap: Y.Map<unknown>, atLeast: number): number {
  if (blockMap._map.size === atLeast) return atLeast;
  let count = 0;
  for (const item of blockMap._map.values()) if (!item.deleted) count++;
  return count;
}

function isPage(block: unknown): boolean {
  return block instanceof Y.Map && mapValue(block as Y.Map<unknown>, 'sys:flavour') === PAGE;
}
