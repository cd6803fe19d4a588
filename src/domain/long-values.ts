// Values that may be megabytes long (data-URL avatars, banners and attachments) are not read with
// their rows by code that must stay within a memory budget (list pages): a row query reads such a
// column only when it is short, plus its stored length, and the long ones are read afterwards, in
// chunks sized by those lengths.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** Values up to this many bytes are read with their row (every http(s) link is). */
export const LONG_VALUE_BYTES = 4096;

/** The column's value when it is at most LONG_VALUE_BYTES long; NULL when it is longer. */
export const shortValue = (column: AnyPgColumn): SQL<string | null> =>
  sql<string | null>`case when octet_length(${column}) <= ${LONG_VALUE_BYTES} then ${column} end`;

/** The stored length of the column's value when it is longer than LONG_VALUE_BYTES, else 0. */
export const longValueBytes = (column: AnyPgColumn): SQL<number> =>
  sql<number>`case when octet_length(${column}) > ${LONG_VALUE_BYTES} then octet_length(${column}) else 0 end`.mapWith(
    Number,
  );

/**
 * A column named with its table, for correlated subqueries: Drizzle writes a single-table query's
 * columns unqualified, so inside a subquery `"id"` would name the subquery's own table's column.
 */
export const qualified = (column: AnyPgColumn): SQL =>
  sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
