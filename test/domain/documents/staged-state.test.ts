// The state a compaction stages before its transaction on PGlite (staged-state.ts): a session
// temporary table, so these tests run on PGlite only (PostgreSQL keeps the parts inside the
// transaction; live-compaction.test.ts covers both).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes } from '../../../src/db/schema/index.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import {
  dropStagedState,
  STAGED_PART_BYTES,
  stageState,
  writeStagedState,
} from '../../../src/domain/documents/staged-state.ts';
import { NO_SLICES } from '../../../src/domain/documents/time-slices.ts';
import { type TestDatabase, testEngine } from '../../helpers/database.ts';
import { databaseWithOwner, insertNote } from './fixtures.ts';

let database: TestDatabase;
let owner: AuthContext;

beforeAll(async () => {
  ({ database, owner } = await databaseWithOwner());
});
afterAll(async () => database?.drop());

const bytesOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251);
const storedBytes = async (noteId: string) => {
  const [row] = await database.db.select({ doc: notes.blocksuite_doc }).from(notes).where(eq(notes.id, noteId));
  return row?.doc ? Buffer.from(row.doc) : null;
};

describe.skipIf(testEngine() === 'postgres')('a state staged before the transaction (PGlite)', () => {
  it('is written exactly, replacing parts an earlier run left behind', async () => {
    const note = await insertNote(database.db, owner);
    // An earlier run of the same note stopped after staging a longer state.
    await stageState(database.db, note.id, bytesOf(4 * STAGED_PART_BYTES, 1), NO_SLICES);
    const state = bytesOf(2 * STAGED_PART_BYTES + 17, 2);
    await stageState(database.db, note.id, state, NO_SLICES);
    await database.db.transaction((tx) => writeStagedState(tx, note.id, state.length));
    await dropStagedState(database.db, note.id);
    expect((await storedBytes(note.id))?.equals(Buffer.from(state))).toBe(true);
  });

  it('refuses to write a state with a part missing, and the stored state stays', async () => {
    const note = await insertNote(database.db, owner);
    const before = bytesOf(1000, 3);
    await database.db.update(notes).set({ blocksuite_doc: before }).where(eq(notes.id, note.id));
    const state = bytesOf(3 * STAGED_PART_BYTES, 4);
    await stageState(database.db, note.id, state, NO_SLICES);
    await database.db.execute(sql`delete from compaction_state_parts where note_id = ${note.id}::uuid and part = 1`);
    await expect(database.db.transaction((tx) => writeStagedState(tx, note.id, state.length))).rejects.toThrow(
      'staged state incomplete',
    );
    expect((await storedBytes(note.id))?.equals(Buffer.from(before))).toBe(true);
  });
});
