// bytea through both engines: every byte value, a view into a larger buffer (only its own bytes
// are sent), the empty value, and a state-sized value, written as a parameter and read back; on
// PGlite through the native hex codec of src/db/pglite-bytea.ts.
import { createHash } from 'node:crypto';
import { types } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBytea, serializeBytea } from '../../src/db/pglite-bytea.ts';
import { queryRows } from '../../src/db/rows.ts';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

describe('bytea parameters and results', () => {
  const everyByte = Uint8Array.from({ length: 512 }, (_, index) => index % 256);
  // A view in the middle of a larger buffer: only these 300 bytes are the value.
  const view = everyByte.subarray(100, 400);
  const large = Uint8Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, index) => (index * 7919) & 255);

  it.each([
    ['every byte value', everyByte],
    ['a view into a larger buffer', view],
    ['the empty value', new Uint8Array(0)],
    ['a 3 MiB value', large],
  ])('round-trips %s', async (_name, bytes) => {
    const [row] = await queryRows<{ bytes: Uint8Array; length: number; md5: string }>(
      database.db,
      sql`select ${bytes}::bytea as bytes, octet_length(${bytes}::bytea)::int as length, md5(${bytes}::bytea) as md5`,
    );
    // What the database received, by its own count and digest, then what came back.
    expect(row?.length).toBe(bytes.length);
    expect(row?.md5).toBe(md5(bytes));
    expect(row?.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(row?.bytes ?? []).equals(Buffer.from(bytes))).toBe(true);
  });

  it.runIf(testEngine() === 'pglite')('uses the native hex codec on PGlite', () => {
    expect(database.handle.pglite?.serializers[types.BYTEA]).toBe(serializeBytea);
    expect(database.handle.pglite?.parsers[types.BYTEA]).toBe(parseBytea);
  });
});

describe('the PGlite bytea codec', () => {
  it('writes PostgreSQL hex input and reads its hex output', () => {
    expect(serializeBytea(Uint8Array.of(0, 15, 16, 255))).toBe('\\x000f10ff');
    expect(serializeBytea(Uint8Array.of(1, 2, 3, 4).subarray(1, 3))).toBe('\\x0203');
    expect(Array.from(parseBytea('\\x000f10ff'))).toEqual([0, 15, 16, 255]);
    expect(parseBytea('\\x')).toEqual(new Uint8Array(0));
  });

  it('refuses what is not bytes or not hex output', () => {
    expect(() => serializeBytea('00ff')).toThrow('Invalid input for bytea type');
    expect(() => parseBytea('00ff')).toThrow('hex output');
    expect(() => parseBytea('\\x0g')).toThrow('malformed');
  });
});
