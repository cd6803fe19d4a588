import * as Y from 'yjs';
import { itemValue } from './yjs-access.ts';

export type NestedProp = [key: string, value: Y.Map<unknown> | Y.Array<unknown>];

export type BlockProps = {
  flavour: string;
  children: Y.Array<unknown> | null;
  /** The block's own texts (`prop:*` values that are a Y.Text), in reading order. */
  texts: Y.Text[];
  /** `prop:*` values that are Y.Map / Y.Array and may hold texts deeper down (cells, canvas elements). */
  nested: NestedProp[] | null;
};

const TABLE_CELL_TEXT = /^prop:cells\.([^:.]+):([^:.]+)\.text$/;

/**
 * Reads what the walk needs from a block in one pass over its entries. Title comes before text;
 * any other texts (0.2x `affine:table` keeps one per cell directly on the block) follow in table
 * order, because map iteration order differs between replicas.
 */
export function readBlockProps(block: Y.Map<unknown>): BlockProps {
  let flavour = '';
  let children: Y.Array<unknown> | null = null;
  let title: Y.Text | null = null;
  let text: Y.Text | null = null;
  let others: Array<[string, Y.Text]> | null = null;
  let nested: NestedProp[] | null = null;
  for (const [key, item] of block._map) {
    if (item.deleted) continue;
    const content = item.content;
    if (!(content instanceof Y.ContentType)) {
      if (key === 'sys:flavour') {
        const value = itemValue(item);
        if (typeof value === 'string') flavour = value;
      }
      continue;
    }
    const value = content.type;
    if (key === 'sys:children') {
      if (value instanceof Y.Array) children = value;
    } else if (key.startsWith('prop:')) {
      if (value instanceof Y.Text) {
        if (key === 'prop:title') title = value;
        else if (key === 'prop:text') text = value;
        else {
          others ??= [];
          others.push([key, value]);
        }
      } else if (value instanceof Y.Map || value instanceof Y.Array) {
        nested ??= [];
        nested.push([key, value]);
      }
    }
  }
  const texts: Y.Text[] = [];
  if (title !== null) texts.push(title);
  if (text !== null) texts.push(text);
  if (others !== null) for (const [, value] of sortOtherTexts(block, others)) texts.push(value);
  if (nested !== null) nested.sort(byKey);
  return { flavour, children, texts, nested };
}

function sortOtherTexts(block: Y.Map<unknown>, entries: Array<[string, Y.Text]>): Array<[string, Y.Text]> {
  const keyed = entries.map(([key, value]) => {
    const cell = TABLE_CELL_TEXT.exec(key);
    const rowOrder = cell ? orderOf(block, `prop:rows.${cell[1]}.order`) : null;
    const columnOrder = cell ? orderOf(block, `prop:columns.${cell[2]}.order`) : null;
    return { key, value, rowOrder: rowOrder ?? '\uffff', columnOrder: columnOrder ?? '\uffff' };
  });
  keyed.sort(
    (a, b) => compare(a.rowOrder, b.rowOrder) || compare(a.columnOrder, b.columnOrder) || compare(a.key, b.key),
  );
  return keyed.map(({ key, value }) => [key, value]);
}

function orderOf(block: Y.Map<unknown>, key: string): string | null {
  const value = block.get(key);
  return typeof value === 'string' ? value : null;
}

// Fractional indices and ids compare by code unit, not by locale.
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey(a: NestedProp, b: NestedProp): number {
  return compare(a[0], b[0]);
}
