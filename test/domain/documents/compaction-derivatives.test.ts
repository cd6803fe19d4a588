import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { notes } from '../../../src/db/schema/index.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import { compactDocument } from '../../../src/domain/documents/compaction.ts';
import { appendUpdates, loadDocumentState } from '../../../src/domain/documents/update-log.ts';
import { updateNoteFromDocument } from '../../../src/domain/notes/document-derivatives.ts';
import type { TestDatabase } from '../../helpers/database.ts';
import { databaseWithOwner, insertNote, textOf, typingSession } from './fixtures.ts';

// The derived-data hook belongs to another module; here only its contract with compaction matters.
vi.mock('../../../src/domain/notes/document-derivatives.ts', () => ({ updateNoteFromDocument: vi.fn(async () => {}) }));
const hook = vi.mocked(updateNoteFromDocument);

let database: TestDatabase;
let owner: AuthContext;

beforeAll(async () => {
  ({ database, owner } = await databaseWithOwner());
});
afterAll(async () => database?.drop());

describe('compaction and the derived-data hook', () => {
  it('hands the hook the note and the merged document, inside the compaction transaction', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [session.type('hello '), session.type('world')]);
    let seenDoc = '';
    hook.mockImplementationOnce(async (tx, hookNote, doc) => {
      seenDoc = doc.getText('t').toString();
      // The new state is already written in this transaction when the hook runs.
      const [row] = await tx.select({ doc: notes.blocksuite_doc }).from(notes).where(eq(notes.id, hookNote.id));
      expect(textOf(row!.doc!)).toBe('hello world');
      expect(hookNote).toEqual({ id: note.id, user_id: owner.userId, title: null });
    });
    await compactDocument(database.db, note.id);
    expect(seenDoc).toBe('hello world');
  });

  it('rolls the whole compaction back when the hook fails: state and log stay as they were', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [session.type('kept in the log')]);
    hook.mockRejectedValueOnce(new Error('extraction failed'));
    await expect(compactDocument(database.db, note.id)).rejects.toThrow('extraction failed');
    const state = await loadDocumentState(database.db, note.id);
    expect(state!.stored).toBeNull();
    expect(state!.log).toHaveLength(1);
    expect(await compactDocument(database.db, note.id)).toMatchObject({ status: 'compacted' });
    const after = await loadDocumentState(database.db, note.id);
    expect(after!.log).toHaveLength(0);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, after!.stored!);
    expect(doc.getText('t').toString()).toBe('kept in the log');
  });
});
