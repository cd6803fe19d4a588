// Statements one compaction sends (the store after every pause in a document's edits, so what
// costs the database most under collaboration; docs/benchmarks.md, "Hot path"). Counted through
// the same hook as the db_queries_total metric; BEGIN and COMMIT are not statements here.
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../src/db/client.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import { buildBlockSuiteDocument, normalizeTitle } from '../../../src/domain/blocksuite/index.ts';
import { compactDocument } from '../../../src/domain/documents/compaction.ts';
import { appendUpdates } from '../../../src/domain/documents/update-log.ts';
import { notes } from '../../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { setFirstParagraph, setTitle } from '../../history/blocksuite-edits.ts';
import { insertNote, insertUser } from './fixtures.ts';

let database: TestDatabase;
let handle: DatabaseHandle;
let statements = 0;
let owner: AuthContext;

beforeAll(async () => {
  database = await createTestDatabase({
    maxConnections: 2,
    onQuery: () => {
      statements += 1;
    },
  });
  handle = database.handle;
  owner = await insertUser(handle.db);
});
afterAll(async () => database?.drop());

/** Statements sent by `call`. */
async function statementsOf(call: () => Promise<unknown>): Promise<number> {
  const before = statements;
  await call();
  return statements - before;
}

/** Logs what `change` does to `doc`, as an editor's update would be. */
async function logEdit(noteId: string, doc: Y.Doc, change: () => void): Promise<void> {
  const updates: Uint8Array[] = [];
  const listen = (update: Uint8Array) => updates.push(update);
  doc.on('update', listen);
  change();
  doc.off('update', listen);
  await appendUpdates(handle.db, noteId, updates);
}

describe('statements per compaction', () => {
  it('a text edit that leaves title, references, topics and blobs alone: the log, the state and the diffs, no more', async () => {
    const [target] = await handle.db
      .insert(notes)
      .values({
        user_id: owner.userId,
        author_contact_id: owner.contactZeroId,
        blocksuite_doc_id: `target-${Math.random()}`,
        title: 'Alpha',
        title_normalized: normalizeTitle('Alpha'),
      })
      .returning();
    expect(target).toBeDefined();
    const note = await insertNote(handle.db, owner);
    const doc = buildBlockSuiteDocument('Plan', ['See [[Alpha]] and [[Beta]]', 'second']);
    await appendUpdates(handle.db, note.id, [Y.encodeStateAsUpdate(doc)]);
    expect(await compactDocument(handle.db, note.id)).toMatchObject({ status: 'compacted' });

    await logEdit(note.id, doc, () => setFirstParagraph(doc, 'See [[Alpha]] and [[Beta]] today'));
    const textEdit = await statementsOf(async () =>
      expect(await compactDocument(handle.db, note.id)).toMatchObject({ status: 'compacted' }),
    );
    // Lock, log, state, merged rows, stored derivatives, snapshot, search parts (read, write),
    // links, change feed. (15 when each diff read its own rows and links took two statements.)
    expect(textEdit, `${textEdit} statements for a text edit`).toBeLessThanOrEqual(10);

    // The same content again (an edit undone by the next): the snapshot, search parts and change
    // feed are not written.
    await logEdit(note.id, doc, () => setFirstParagraph(doc, 'See [[Alpha]] and [[Beta]] today'));
    const sameContent = await statementsOf(() => compactDocument(handle.db, note.id));
    // Lock, log, state, merged rows, stored derivatives, snapshot (compared, not written), links. (12 before.)
    expect(sameContent, `${sameContent} statements when nothing derived changed`).toBeLessThanOrEqual(7);

    // A title change still re-resolves the links that name the old or new title.
    await logEdit(note.id, doc, () => setTitle(doc, 'Plan B'));
    const [row] = await handle.db.select({ title: notes.title }).from(notes).where(eqId(note.id));
    expect(row?.title).toBe('Plan');
    await compactDocument(handle.db, note.id);
    const [renamed] = await handle.db.select({ title: notes.title }).from(notes).where(eqId(note.id));
    expect(renamed?.title).toBe('Plan B');
  });
});

const eqId = (id: string) => eq(notes.id, id);
