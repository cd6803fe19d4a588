import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, syncChanges } from '../../../src/db/schema/index.ts';
import { queryRows } from '../../../src/db/rows.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import { findOrCreateNoteForDocument } from '../../../src/domain/documents/note-resolution.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { insertUser } from './fixtures.ts';

let database: TestDatabase;
let alice: AuthContext;
let bob: AuthContext;

beforeAll(async () => {
  database = await createTestDatabase();
  alice = await insertUser(database.db);
  bob = await insertUser(database.db);
});
afterAll(async () => database?.drop());

const noteCount = async () =>
  Number((await queryRows<{ n: string }>(database.db, sql`select count(*) as n from notes`))[0]!.n);

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('was not refused');
}

describe('resolving a document name to a note', () => {
  it("creates the caller's inbox note for a new name, authored by Contact Zero, and records the change", async () => {
    const created = await findOrCreateNoteForDocument(database.db, alice, 'fresh-doc:1');
    expect(created.created).toBe(true);
    const [row] = await database.db.select().from(notes).where(eq(notes.id, created.id));
    expect(row).toMatchObject({
      user_id: alice.userId,
      author_contact_id: alice.contactZeroId,
      kind: 'note',
      is_inbox: true,
      blocksuite_doc_id: 'fresh-doc:1',
    });
    const changes = await database.db
      .select()
      .from(syncChanges)
      .where(and(eq(syncChanges.user_id, alice.userId), eq(syncChanges.entity_id, created.id)));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.entity_type).toBe('note');
  });

  it('finds the same note again without creating another', async () => {
    const first = await findOrCreateNoteForDocument(database.db, alice, 'again.doc');
    const before = await noteCount();
    const second = await findOrCreateNoteForDocument(database.db, alice, 'again.doc');
    expect(second).toEqual({ ...first, created: false });
    expect(await noteCount()).toBe(before);
  });

  it("refuses another user's name with UNAUTHORIZED, exactly like a bad token, and creates nothing", async () => {
    await findOrCreateNoteForDocument(database.db, alice, 'alice-private');
    const before = await noteCount();
    const error = await refusal(findOrCreateNoteForDocument(database.db, bob, 'alice-private'));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(await noteCount()).toBe(before);
  });

  it('resolves concurrent first opens of one name to one note', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() => findOrCreateNoteForDocument(database.db, alice, 'raced-name')),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
  });

  it.each([[''], ['a'.repeat(256)], ['has space'], ['slash/name'], ['ünïcode'], ['semi;colon']])(
    'refuses the malformed name %j and creates nothing',
    async (name) => {
      const before = await noteCount();
      const error = await refusal(findOrCreateNoteForDocument(database.db, alice, name));
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(await noteCount()).toBe(before);
    },
  );

  it('accepts every allowed character and the longest name', async () => {
    const name = `Az09_.:-${'x'.repeat(247)}`;
    expect(name).toHaveLength(255);
    expect((await findOrCreateNoteForDocument(database.db, alice, name)).created).toBe(true);
  });
});
