// What the generic resource layer needs to know about a Drizzle column, read from the schema
// itself so a column added to a table needs no second declaration here.
import { getTableColumns, is, SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';

export type ColumnMap = Record<string, AnyPgColumn>;

export function columnsOf(table: PgTable): ColumnMap {
  return getTableColumns(table) as ColumnMap;
}

export const isTimestampColumn = (column: AnyPgColumn): boolean => column.columnType === 'PgTimestamp';
export const isDateColumn = (column: AnyPgColumn): boolean => column.columnType === 'PgDateString';
export const isUuidColumn = (column: AnyPgColumn): boolean => column.columnType === 'PgUUID';
export const isArrayColumn = (column: AnyPgColumn): boolean => column.columnType === 'PgArray';
export const isByteaColumn = (column: AnyPgColumn): boolean =>
  column.columnType === 'PgCustomColumn' && column.getSQLType() === 'bytea';

/**
 * The value a column takes when a `PUT` omits it (docs/api.md: omitted optional fields return to their
 * defaults). Only the defaults writable columns actually have are understood; anything else is a
 * definition error caught when the definition is built, not at request time.
 */
export function omittedValue(name: string, column: AnyPgColumn): unknown {
  if (column.hasDefault) {
    if (!is(column.default, SQL) && column.default !== undefined) return column.default;
    if (isArrayColumn(column)) return [];
    throw new Error(
      `column ${name}: no JS equivalent for its SQL default; declare it writable only with a plain default`,
    );
  }
  if (column.notNull) throw new Error(`column ${name} is required and has no default: it cannot be omitted`);
  return null;
}

/** A row value as JSON shows it: timestamps as ISO strings, bytes as base64. */
export function apiValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}

/** A validated body value as the driver wants it: timestamps as Date. */
export function storedValue(column: AnyPgColumn, value: unknown): unknown {
  if (isTimestampColumn(column) && typeof value === 'string') return new Date(value);
  return value;
}
