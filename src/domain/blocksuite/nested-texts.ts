import * as Y from 'yjs';
import { compare, type NestedProp } from './block-props.ts';

const BOXED_TYPE = '$blocksuite:internal:native$';

/**
 * Texts held inside a block's Y.Map / Y.Array props, in a replica-independent order:
 * database cells by row (the block's children) then column; canvas elements by their
 * fractional `index`; anything else by key.
 */
export function readNestedTexts(
  block: Y.Map<unknown>,
  flavour: string,
  nested: readonly NestedProp[],
  /** Lazy: only a database needs its rows. */
  childIds: () => string[],
): Y.Text[] {
  const texts: Y.Text[] = [];
  for (const [key, value] of nested) {
    if (flavour === 'affine:database' && key === 'prop:cells' && value instanceof Y.Map) {
      readDatabaseCells(value, childIds(), columnPositions(block.get('prop:columns')), texts);
    } else if (key === 'prop:elements' && value instanceof Y.Map && value.get('type') === BOXED_TYPE) {
      readCanvasElements(value.get('value'), texts);
    } else {
      collectTexts(value, texts);
    }
  }
  return texts;
}

/**
 * Cells of rows that are no longer children belong to deleted rows and are skipped. A row's cells
 * are ordered by their column's position (unknown columns last, by id); iterating a row's own
 * cells rather than every column keeps this linear even for a doc listing columns by the thousand.
 */
function readDatabaseCells(
  cells: Y.Map<unknown>,
  rowIds: readonly string[],
  columns: Map<string, number>,
  out: Y.Text[],
): void {
  const position = (columnId: string) => columns.get(columnId) ?? Number.MAX_SAFE_INTEGER;
  for (const rowId of rowIds) {
    const row = cells.get(rowId);
    if (!(row instanceof Y.Map)) continue;
    const columnIds = Array.from(row.keys()).sort((a, b) => position(a) - position(b) || compare(a, b));
    for (const columnId of columnIds) collectTexts(row.get(columnId), out);
  }
}

function columnPositions(columns: unknown): Map<string, number> {
  const positions = new Map<string, number>();
  if (!(columns instanceof Y.Array)) return positions;
  for (const column of columns.toArray()) {
    const id = column instanceof Y.Map ? column.get('id') : undefined;
    if (typeof id === 'string' && !positions.has(id)) positions.set(id, positions.size);
  }
  return positions;
}

function readCanvasElements(elements: unknown, out: Y.Text[]): void {
  if (!(elements instanceof Y.Map)) return;
  const ordered: Array<{ id: string; index: string; element: unknown }> = [];
  for (const [id, element] of elements.entries()) {
    const index = element instanceof Y.Map ? element.get('index') : undefined;
    ordered.push({ id, index: typeof index === 'string' ? index : '', element });
  }
  ordered.sort((a, b) => compare(a.index, b.index) || compare(a.id, b.id));
  for (const { element } of ordered) collectTexts(element, out);
}

/** Every Y.Text under `value`, depth-first, map keys sorted. Iterative: nesting depth is client-controlled. */
function collectTexts(value: unknown, out: Y.Text[]): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current instanceof Y.Text) {
      out.push(current);
    } else if (current instanceof Y.Map) {
      const keys = sortedKeys(current);
      for (let i = keys.length - 1; i >= 0; i--) stack.push(current.get(keys[i] as string));
    } else if (current instanceof Y.Array) {
      const items = current.toArray();
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    }
  }
}

function sortedKeys(map: Y.Map<unknown>): string[] {
  return Array.from(map.keys()).sort(compare);
}
