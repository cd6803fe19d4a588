// Prepared statements for the hot paths (the group commit, compaction and its derived data, the
// change feed, re-authentication).
//
// Drizzle sends every query unprepared, and postgres.js then asks the server to describe a
// statement with parameters before binding it: two round trips, two socket writes and two wake-ups
// of the backend per statement. On a loopback connection each write also runs much of
// PostgreSQL's receive path in our process (docs/benchmarks.md, "Hot path"). A statement run
// through here is prepared once per connection (postgres.js keeps it by its text and parameter
// types) and afterwards costs one round trip; its text is also built once, not per call. PGlite
// runs in this process: there it is the same query as before.
import type { Placeholder, SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';
import { rowsOf } from './rows.ts';

const dialect = new PgDialect();

/** One placeholder per parameter, by name. */
export type Placeholders<Params> = { readonly [Key in keyof Params]: Placeholder<Key & string> };

/** Runs the statement on `db` (the pool or a transaction) with these parameters; answers its rows. */
export type PreparedStatement<Params extends Record<string, unknown>, Row extends Record<string, unknown>> = (
  db: Db,
  params: Params,
) => Promise<Row[]>;

const placeholders = new Proxy(
  {},
  { get: (_target, key) => (typeof key === 'string' ? sql.placeholder(key) : undefined) },
);

/**
 * A statement of fixed text, built once from `build` and run as a prepared statement of the
 * connection. The text must not depend on the parameters: a list travels as ONE array or JSON
 * parameter (`= any($1::uuid[])`, `jsonb_to_recordset($1::jsonb)`), never as a placeholder per
 * element, since every distinct text is one more statement each connection keeps for its life.
 *
 * Rows come back as the driver reads them (columns by name; `bigint` as a string on
 * postgres.js and a number or bigint on PGlite): cast in SQL, convert in the caller.
 */
export function preparedStatement<
  Params extends Record<string, unknown>,
  Row extends Record<string, unknown> = Record<string, unknown>,
>(name: string, build: (params: Placeholders<Params>) => SQL): PreparedStatement<Params, Row> {
  const query = dialect.sqlToQuery(build(placeholders as Placeholders<Params>));
  return async (db, params) => {
    // A name makes drizzle's postgres.js driver prepare the statement; PGlite's ignores it.
    return rowsOf<Row>(await db._.session.prepareQuery(query, undefined, name, false).execute(params));
  };
}

/**
 * A PostgreSQL array literal of text (`{"a","b\"c"}`), for one `$n::text[]` (or `::uuid[]`)
 * parameter of a prepared statement: every element quoted, backslashes and quotes escaped.
 */
export function textArray(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
