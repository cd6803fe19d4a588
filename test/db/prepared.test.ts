// The prepared-statement helper (src/db/prepared.ts): the same rows on both engines, on the pool
// and in a transaction, and on PostgreSQL really a prepared statement of the connection.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedStatement, textArray } from '../../src/db/prepared.ts';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

const echo = preparedStatement<{ items: string; suffix: string }, { item: string; position: number }>(
  'test_echo_items',
  (p) => sql`select item || ${p.suffix}::text as item, position::int as position
    from unnest(${p.items}::text[]) with ordinality as items(item, position) order by position`,
);

describe('preparedStatement', () => {
  // What an array literal could mangle: quotes, backslashes, braces, commas, white space, NULL as text, non-ASCII.
  const awkward = ['plain', 'a "quoted" word', 'back\\slash', '{braces}', 'a,b', ' spaced ', 'NULL', '', 'café 日本語'];

  it('answers the same rows on the pool, in a transaction, and again once prepared', async () => {
    const expected = awkward.map((item, index) => ({ item: `${item}!`, position: index + 1 }));
    const params = { items: textArray(awkward), suffix: '!' };
    expect(await echo(database.db, params)).toEqual(expected);
    expect(await database.db.transaction((tx) => echo(tx, params))).toEqual(expected);
    expect(await echo(database.db, params)).toEqual(expected);
    expect(await echo(database.db, { items: textArray([]), suffix: '?' })).toEqual([]);
  });

  it.runIf(testEngine() === 'postgres')(
    'is a prepared statement of the connection that ran it (PostgreSQL)',
    async () => {
      const prepared = await database.db.transaction(async (tx) => {
        await echo(tx, { items: textArray(['x']), suffix: '' });
        return queryRows<{ statement: string }>(tx, sql`select statement from pg_prepared_statements`);
      });
      expect(prepared.some((row) => row.statement.includes('with ordinality as items(item, position)'))).toBe(true);
    },
  );
});
