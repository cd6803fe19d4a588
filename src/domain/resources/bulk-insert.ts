// One INSERT for many rows of a resource table, the rows travelling as ONE bind parameter (JSON that
// jsonb_to_recordset unpacks). Drizzle's multi-row VALUES makes every value a parameter of its own:
// for a sync push's run of 500 creates that is ~15,000 parameters, and building them costs more CPU
// than the database spends inserting the rows (docs/benchmarks.md, "Push").
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { columnsOf, omittedValue, type ColumnMap } from './columns.ts';
import type { ResourceDefinition, Row } from './definition.ts';

/**
 * Column kinds whose values JSON carries unchanged (timestamps as ISO strings); besides these only
 * bytea (as hex), anything else is refused.
 */
const CARRIED = new Set([
  'PgArray',
  'PgBigInt53',
  'PgBoolean',
  'PgDateString',
  'PgDoublePrecision',
  'PgInteger',
  'PgNumeric',
  'PgNumericNumber',
  'PgReal',
  'PgText',
  'PgTimestamp',
  'PgUUID',
  'PgVarchar',
]);

/**
 * Inserts `rows` (keyed by column name, as Drizzle's `values()` takes them), skipping any whose id
 * exists (ON CONFLICT (id) DO NOTHING), and answers the inserted rows' `returning` columns as
 * Drizzle would. A value a row omits gets the column's default, as in a Drizzle insert.
 */
export async function insertRowsReturning(
  tx: Tx,
  table: ResourceDefinition['table'],
  rows: readonly Row[],
  returning: readonly string[],
): Promise<Row[]> {
  const columns = columnsOf(table);
  // Rows of one statement need the same columns: an omitted value is filled with the default the
  // column would take; one whose default only SQL knows groups the row with others like it.
  const names = new Set(rows.flatMap((row) => Object.keys(row).filter((name) => row[name] !== undefined)));
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const full: Row = {};
    for (const name of names) {
      if (row[name] !== undefined) full[name] = row[name];
      else {
        const filled = defaultOf(name, columns);
        if (filled.known) full[name] = filled.value;
      }
    }
    const shape = Object.keys(full).join(',');
    const group = groups.get(shape) ?? [];
    group.push(full);
    groups.set(shape, group);
  }
  const inserted: Row[] = [];
  for (const group of groups.values()) inserted.push(...(await insertGroup(tx, table, columns, group, returning)));
  return inserted;
}

function defaultOf(name: string, columns: ColumnMap): { known: true; value: unknown } | { known: false } {
  const column = columns[name];
  if (!column) throw new Error(`${name} is not a column`);
  try {
    return { known: true, value: omittedValue(name, column) };
  } catch {
    return { known: false };
  }
}

async function insertGroup(
  tx: Tx,
  table: ResourceDefinition['table'],
  columns: ColumnMap,
  rows: readonly Row[],
  returning: readonly string[],
): Promise<Row[]> {
  const names = Object.keys(rows[0] ?? {});
  const recordColumns: SQL[] = [];
  const binary: string[] = [];
  for (const name of names) {
    const column = columns[name] as AnyPgColumn;
    if (column.getSQLType() === 'bytea') binary.push(name);
    else if (!CARRIED.has(column.columnType))
      throw new Error(`${name}: a ${column.columnType} column is not carried in JSON`);
    // The base type without a length: too long a value then fails on the insert, as with VALUES,
    // instead of being cut to length by a cast.
    recordColumns.push(
      sql`${sql.identifier(column.name)} ${sql.raw(column.getSQLType().replace(/\(\d+(,\s*\d+)?\)/g, ''))}`,
    );
  }
  const list = sql.join(
    names.map((name) => sql.identifier((columns[name] as AnyPgColumn).name)),
    sql`, `,
  );
  // Every row of a group holds exactly `names`; a Date becomes its ISO string (toJSON), bytes
  // the hex form bytea reads (an imported note's document).
  const json = JSON.stringify(binary.length === 0 ? rows : rows.map((row) => withHexBytes(row, binary)));
  const returned = await queryRows<Row>(
    tx,
    sql`insert into ${table} (${list})
        select ${list} from jsonb_to_recordset(${json}::jsonb) as record(${sql.join(recordColumns, sql`, `)})
        on conflict (id) do nothing
        returning ${sql.join(
          returning.map((name) => sql.identifier((columns[name] as AnyPgColumn).name)),
          sql`, `,
        )}`,
  );
  // Raw rows hold the driver's values (timestamps as text): mapped as a Drizzle select maps them.
  const mapped = returning.map((name) => ({ name, column: columns[name] as AnyPgColumn }));
  return returned.map((raw) => {
    const row: Row = {};
    for (const { name, column } of mapped) {
      const value = raw[column.name];
      row[name] = value === null || value === undefined ? value : column.mapFromDriverValue(value);
    }
    return row;
  });
}

function withHexBytes(row: Row, names: readonly string[]): Row {
  const copy = { ...row };
  for (const name of names) {
    const value = copy[name];
    if (value instanceof Uint8Array)
      copy[name] = `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  return copy;
}
