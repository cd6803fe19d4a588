import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { DOCUMENT_INDEXES, DOCUMENT_TABLES } from './schema-document.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const DELETE_RULES: Record<string, string> = {
  a: 'NO ACTION',
  c: 'CASCADE',
  n: 'SET NULL',
  r: 'RESTRICT',
  d: 'SET DEFAULT',
};

describe("a freshly migrated database has the schema document's schema", () => {
  it('has every table with every column the document lists', async () => {
    const rows = await queryRows<{ table_name: string; column_name: string }>(
      database.db,
      sql`select table_name, column_name from information_schema.columns where table_schema = 'public'`,
    );
    for (const [table, expected] of Object.entries(DOCUMENT_TABLES)) {
      const actual = rows.filter((row) => row.table_name === table).map((row) => row.column_name);
      expect(actual, `table ${table}`).not.toHaveLength(0);
      for (const column of expected.columns) expect(actual, `${table}.${column}`).toContain(column);
    }
    expect(Object.keys(DOCUMENT_TABLES)).toHaveLength(22);
  });

  it('has every foreign key with its ON DELETE rule', async () => {
    const rows = await queryRows<{ table_name: string; column_name: string; referenced: string; rule: string }>(
      database.db,
      sql`select c.conrelid::regclass::text as table_name, a.attname as column_name,
                 c.confrelid::regclass::text as referenced, c.confdeltype as rule
          from pg_constraint c
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
          where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
    );
    for (const [table, expected] of Object.entries(DOCUMENT_TABLES)) {
      for (const [column, [referenced, onDelete]] of Object.entries(expected.foreignKeys)) {
        const fk = rows.find((row) => row.table_name === table && row.column_name === column);
        expect(fk, `FK ${table}.${column}`).toBeDefined();
        expect(fk?.referenced.replaceAll('"', ''), `FK ${table}.${column} target`).toBe(referenced);
        expect(DELETE_RULES[fk?.rule ?? ''], `FK ${table}.${column} ON DELETE`).toBe(onDelete);
      }
    }
  });

  it('has every CHECK and UNIQUE constraint', async () => {
    const rows = await queryRows<{ table_name: string; name: string; type: string; columns: string[] }>(
      database.db,
      sql`select c.conrelid::regclass::text as table_name, c.conname as name, c.contype as type,
                 array(select a.attname::text from pg_attribute a where a.attrelid = c.conrelid and a.attnum = any(c.conkey) order by a.attname) as columns
          from pg_constraint c where c.connamespace = 'public'::regnamespace and c.contype in ('c', 'u', 'p')`,
    );
    for (const [table, expected] of Object.entries(DOCUMENT_TABLES)) {
      const own = rows.filter((row) => row.table_name === table);
      for (const check of expected.checks) {
        expect(
          own.some((row) => row.type === 'c' && row.name === check),
          `CHECK ${table}.${check}`,
        ).toBe(true);
      }
      for (const columns of expected.uniques) {
        const found = own.some(
          (row) => (row.type === 'u' || row.type === 'p') && [...row.columns].sort().join(',') === columns.join(','),
        );
        expect(found, `UNIQUE ${table}(${columns.join(', ')})`).toBe(true);
      }
    }
  });

  it('has every index, partial and GIN ones included', async () => {
    const rows = await queryRows<{
      name: string;
      table_name: string;
      method: string;
      partial: boolean;
      is_unique: boolean;
    }>(
      database.db,
      sql`select i.relname as name, t.relname as table_name, am.amname as method,
                 (x.indpred is not null) as partial, x.indisunique as is_unique
          from pg_index x
          join pg_class i on i.oid = x.indexrelid
          join pg_class t on t.oid = x.indrelid
          join pg_am am on am.oid = i.relam
          where t.relnamespace = 'public'::regnamespace`,
    );
    for (const expected of DOCUMENT_INDEXES) {
      const index = rows.find((row) => row.name === expected.name);
      expect(index, `index ${expected.name}`).toBeDefined();
      expect(index?.table_name).toBe(expected.table);
      expect(index?.method, `${expected.name} method`).toBe(expected.method);
      expect(index?.partial, `${expected.name} partial`).toBe(expected.partial);
      if (expected.unique) expect(index?.is_unique).toBe(true);
    }
  });

  it('keeps the full-text vector as a generated column of notes', async () => {
    const rows = await queryRows<{ is_generated: string; data_type: string }>(
      database.db,
      sql`select is_generated, udt_name as data_type from information_schema.columns where table_name = 'notes' and column_name = 'search_vector'`,
    );
    expect(rows[0]).toEqual({ is_generated: 'ALWAYS', data_type: 'tsvector' });
  });

  // Written uncompressed, out of line (drizzle/0016): pglz of a whole document state ran inside
  // the writing statement, on PGlite in the server's thread (docs/durability.md, "Storage").
  it('stores document states, log entries and blob chunks without compressing them', async () => {
    const rows = await queryRows<{ column: string; storage: string }>(
      database.db,
      sql`select c.relname || '.' || a.attname as column, a.attstorage::text as storage
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'public'::regnamespace
          and (c.relname, a.attname) in (('notes', 'blocksuite_doc'), ('note_updates', 'update'), ('blob_chunks', 'data'))
        order by 1`,
    );
    expect(rows).toEqual([
      { column: 'blob_chunks.data', storage: 'e' },
      { column: 'note_updates.update', storage: 'e' },
      { column: 'notes.blocksuite_doc', storage: 'e' },
    ]);
  });
});
