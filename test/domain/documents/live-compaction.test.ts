// Compaction of a document loaded in this process starts from the document in memory. These tests
// tell the two paths apart by an edit the live document holds but the log does not (an update
// applied whose append has not committed): only the path from memory stores it.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, noteUpdates, noteVersions } from '../../../src/db/schema/index.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import { buildBlockSuiteDocument, readBlockSuiteDocument } from '../../../src/domain/blocksuite/index.ts';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.ts';
import {
  type CompactionHook,
  compactDocument,
  foldThreshold,
  stateWritesFor,
} from '../../../src/domain/documents/compaction.ts';
import { createCompactionScheduler } from '../../../src/domain/documents/compaction-scheduler.ts';
import { applyStoredState, mergeStoredState } from '../../../src/domain/documents/document-state.ts';
import { KEEP_MIN_BYTES, keepEncodedBase } from '../../../src/domain/documents/encoded-base.ts';
import type { LiveDocuments } from '../../../src/domain/documents/live-documents.ts';
import { markStoredState, md5Hex } from '../../../src/domain/documents/stored-state-marks.ts';
import { NO_SLICES } from '../../../src/domain/documents/time-slices.ts';
import { appendUpdateRows, appendUpdates, loadDocumentState } from '../../../src/domain/documents/update-log.ts';
import { decompressState, versionOnStoreHook } from '../../../src/domain/history/version-store.ts';
import { type TestDatabase, testEngine } from '../../helpers/database.ts';
import { databaseWithOwner, insertNote } from './fixtures.ts';

let database: TestDatabase;
let owner: AuthContext;

beforeAll(async () => {
  ({ database, owner } = await databaseWithOwner());
});
afterAll(async () => database?.drop());

/** `db` whose transactions run `before` first: what a compaction does before its transaction opens. */
function beforeEachTransaction(db: Db, before: () => void | Promise<void>): Db {
  return new Proxy(db, {
    get: (target, key, receiver) =>
      key === 'transaction'
        ? async (...args: Parameters<Db['transaction']>) => {
            await before();
            return target.transaction(...args);
          }
        : Reflect.get(target, key, receiver),
  });
}

/** One live document per name, as the collaboration server would hold it. */
function liveDocuments(): LiveDocuments & { docs: Map<string, Y.Doc> } {
  const docs = new Map<string, Y.Doc>();
  return {
    docs,
    find: async (name) => docs.get(name),
    applyLogged: async () => false,
  };
}

/** Loads the note into a fresh live document the way the persistence extension does. */
async function load(noteId: string): Promise<Y.Doc> {
  const state = await loadDocumentState(database.db, noteId);
  const doc = new Y.Doc();
  applyStoredState(doc, state!);
  markStoredState(doc, { rowVersion: state!.version!, docMd5: md5Hex(state!.stored) });
  return doc;
}

/** Runs `edit` on `doc` and answers the update it made. */
function edit(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | undefined;
  const listen = (u: Uint8Array) => {
    update = u;
  };
  doc.on('update', listen);
  change();
  doc.off('update', listen);
  if (!update) throw new Error('no update');
  return update;
}

/**
 * An edit applied to `doc` and never logged, made by a client of its own (an edit of the
 * document's own client would leave a gap in that client's clocks that later logged edits of it
 * depend on).
 */
function unlogged(doc: Y.Doc, change: (other: Y.Doc) => void): void {
  const other = new Y.Doc();
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  Y.applyUpdate(
    doc,
    edit(other, () => change(other)),
  );
}

const text = (doc: Y.Doc) => doc.getText('t');
const textOfState = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getText('t').toString();
};
const current = async (noteId: string) =>
  textOfState(mergeStoredState((await loadDocumentState(database.db, noteId))!));
const stored = async (noteId: string) => {
  const [row] = await database.db.select().from(notes).where(eq(notes.id, noteId));
  return row!;
};
const logCount = async (noteId: string) =>
  (await database.db.select({ id: noteUpdates.id }).from(noteUpdates).where(eq(noteUpdates.note_id, noteId))).length;

async function setUp() {
  const note = await insertNote(database.db, owner);
  const live = liveDocuments();
  const seed = new Y.Doc();
  await appendUpdates(database.db, note.id, [edit(seed, () => text(seed).insert(0, 'base'))]);
  await compactDocument(database.db, note.id);
  const doc = await load(note.id);
  live.docs.set(note.blocksuite_doc_id, doc);
  return { note, live, doc };
}

describe('compacting a live document', () => {
  it('stores the document in memory, deletes the log entries it holds and derives from it', async () => {
    const note = await insertNote(database.db, owner);
    const live = liveDocuments();
    const page = buildBlockSuiteDocument('Live title', ['first paragraph about [[Apollo]]', 'second']);
    await appendUpdates(database.db, note.id, [Y.encodeStateAsUpdate(page)]);
    await compactDocument(database.db, note.id);
    const doc = await load(note.id);
    live.docs.set(note.blocksuite_doc_id, doc);

    const paragraph = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
      (block) => block.get('sys:flavour') === 'affine:paragraph',
    );
    const logged = edit(doc, () => (paragraph!.get('prop:text') as Y.Text).insert(0, 'edited '));
    await appendUpdates(database.db, note.id, [logged]);
    // Applied, its append not committed yet: only the document in memory has it.
    edit(doc, () => (paragraph!.get('prop:text') as Y.Text).insert(0, 'unlogged '));

    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toMatchObject({
      status: 'compacted',
      mergedEntries: 1,
      skippedEntries: 0,
    });
    const row = await stored(note.id);
    expect(Buffer.from(row.blocksuite_doc!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(true);
    expect(await logCount(note.id)).toBe(0);
    const content = readBlockSuiteDocument(doc);
    expect(row.title).toBe('Live title');
    expect(row.blocksuite_snapshot).toEqual({ title: content.title, text: content.text, blocks: content.blocks });
    expect(row.blocksuite_snapshot!.text).toContain('unlogged edited first paragraph');
    // Re-storing with nothing logged changes no row.
    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toEqual({ status: 'unchanged' });
  });

  it('leaves in the log an entry the document does not hold yet (logged by another instance, not relayed)', async () => {
    const { note, live, doc } = await setUp();
    const mine = edit(doc, () => text(doc).insert(4, ' mine'));
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const theirs = edit(peer, () => text(peer).insert(0, 'theirs '));
    await appendUpdates(database.db, note.id, [mine, theirs]);

    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toMatchObject({
      status: 'compacted',
      mergedEntries: 1,
    });
    expect(await logCount(note.id)).toBe(1);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('base mine');
    expect(await current(note.id)).toBe('theirs base mine');

    // Once relayed, the next compaction folds it too.
    Y.applyUpdate(doc, theirs);
    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toMatchObject({ mergedEntries: 1 });
    expect(await logCount(note.id)).toBe(0);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('theirs base mine');
  });

  it('checks the entries logged between its read of the log and its transaction, and folds only those it holds', async () => {
    const { note, live, doc } = await setUp();
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(4, ' early'))]);
    const late = edit(doc, () => text(doc).insert(text(doc).length, ' late'));
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const theirs = edit(peer, () => text(peer).insert(0, 'theirs '));
    // The entries are checked before the transaction opens (on PGlite it holds the only
    // connection); these two commit after that read, just before the transaction opens.
    let opened = 0;
    const db = beforeEachTransaction(database.db, async () => {
      opened += 1;
      await appendUpdates(database.db, note.id, [late, theirs]);
    });

    expect(await compactDocument(db, note.id, 'binary', undefined, live)).toMatchObject({
      status: 'compacted',
      mergedEntries: 2,
    });
    expect(opened).toBe(1);
    // The late entry the document holds is folded; the one it lacks stays in the log.
    expect(await logCount(note.id)).toBe(1);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('base early late');
    expect(await current(note.id)).toBe('theirs base early late');
  });

  it('falls back to the database when the stored state changed under it, and returns once it holds it again', async () => {
    const { note, live, doc } = await setUp();
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const theirs = edit(peer, () => text(peer).insert(0, 'theirs '));
    await appendUpdates(database.db, note.id, [theirs]);
    // Another instance folds its entry into the stored state; this document has not received it.
    await compactDocument(database.db, note.id);
    const mine = edit(doc, () => text(doc).insert(4, ' mine'));
    await appendUpdates(database.db, note.id, [mine]);
    unlogged(doc, (other) => text(other).insert(0, 'unlogged '));

    await compactDocument(database.db, note.id, 'binary', undefined, live);
    // From the database: their entry kept, the unlogged edit absent.
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('theirs base mine');

    // Relayed at last: the next compaction (still from the database) finds the document holds
    // all it stored, and the one after that runs from memory again.
    Y.applyUpdate(doc, theirs);
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(text(doc).length, '!'))]);
    await compactDocument(database.db, note.id, 'binary', undefined, live);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('theirs base mine!');
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(text(doc).length, '?'))]);
    await compactDocument(database.db, note.id, 'binary', undefined, live);
    // From memory: the unlogged edit is stored.
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe(text(doc).toString());
    expect(text(doc).toString()).toContain('unlogged');
  });

  it('hands an entry that stays missing to the database path on the next compaction', async () => {
    const { note, live, doc } = await setUp();
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    edit(peer, () => text(peer).insert(0, 'lost '));
    // Depends on the edit before it, which nobody logged: Yjs keeps it pending, in memory too.
    const dependent = edit(peer, () => text(peer).insert(5, 'dependent '));
    Y.applyUpdate(doc, dependent);
    await appendUpdates(database.db, note.id, [dependent]);

    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toEqual({ status: 'unchanged' });
    expect(await logCount(note.id)).toBe(1);
    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toMatchObject({
      status: 'compacted',
      mergedEntries: 1,
    });
    expect(await logCount(note.id)).toBe(0);
  });

  it('stays in memory after a write of other columns of the note (same stored bytes)', async () => {
    const { note, live, doc } = await setUp();
    await database.db.update(notes).set({ is_pinned: true }).where(eq(notes.id, note.id));
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(4, ' more'))]);
    edit(doc, () => text(doc).insert(0, 'unlogged '));
    await compactDocument(database.db, note.id, 'binary', undefined, live);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe('unlogged base more');
  });

  /** A note whose live document's state is larger than one statement part (1 MiB), loaded live. */
  async function setUpLarge() {
    const note = await insertNote(database.db, owner);
    const live = liveDocuments();
    const page = buildBlockSuiteDocument(
      'Large',
      Array.from({ length: 4000 }, (_, i) => `Paragraph ${i} with words about plans and people`),
    );
    await appendUpdates(database.db, note.id, [Y.encodeStateAsUpdate(page)]);
    await compactDocument(database.db, note.id);
    const doc = await load(note.id);
    live.docs.set(note.blocksuite_doc_id, doc);
    const blocks = [...doc.getMap<Y.Map<unknown>>('blocks').values()];
    const last = blocks.filter((block) => block.get('sys:flavour') === 'affine:paragraph').at(-1);
    await appendUpdates(database.db, note.id, [edit(doc, () => (last!.get('prop:text') as Y.Text).insert(0, 'end '))]);
    return { note, live, doc };
  }

  it('writes a state larger than one statement part exactly', async () => {
    const { note, live, doc } = await setUpLarge();
    const result = await compactDocument(
      database.db,
      note.id,
      'binary',
      undefined,
      live,
      'fold',
      stateWritesFor(testEngine()),
    );
    expect(result).toMatchObject({ status: 'compacted', mergedEntries: 1 });
    if (result.status === 'compacted') expect(result.bytes).toBeGreaterThan(1024 * 1024);
    const row = await stored(note.id);
    expect(Buffer.from(row.blocksuite_doc!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(true);
    expect(row.blocksuite_snapshot!.text).toContain('end Paragraph 3999');
  });

  it("lets another document's append commit while it writes a large state, before its transaction ends", async () => {
    const { note, live, doc } = await setUpLarge();
    const other = await insertNote(database.db, owner);
    const dialect = new PgDialect();
    // The append starts when the first part of the state is written (a statement inserting into a
    // table of parts) and is not awaited by the compaction.
    let append: Promise<unknown> | undefined;
    let appended = false;
    let committedInside: boolean | undefined;
    const watchParts = <T extends Db>(target: T): T =>
      new Proxy(target, {
        get: (object, key, receiver) =>
          key === 'execute'
            ? (query: SQL) => {
                if (!append && /insert into compaction_(state_)?parts/.test(dialect.sqlToQuery(query).sql)) {
                  append = appendUpdates(database.db, other.id, [new Uint8Array([0, 0])]).then(() => {
                    appended = true;
                  });
                }
                return object.execute(query);
              }
            : Reflect.get(object, key, receiver),
      });
    const db = new Proxy(database.db, {
      get: (target, key, receiver) =>
        key === 'execute'
          ? watchParts(target).execute
          : key === 'transaction'
            ? (run: Parameters<Db['transaction']>[0]) =>
                target.transaction(async (tx) => {
                  const result = await run(watchParts(tx));
                  // PostgreSQL: the append runs on another connection of the pool, so it may be
                  // awaited here. PGlite: its one connection is this transaction's until it ends,
                  // so the append has committed only if the state was written before it opened.
                  if (testEngine() === 'postgres') await append;
                  committedInside = appended;
                  return result;
                })
            : Reflect.get(target, key, receiver),
    });

    const result = await compactDocument(db, note.id, 'binary', undefined, live, 'fold', stateWritesFor(testEngine()));
    await append;
    expect(result).toMatchObject({ status: 'compacted', mergedEntries: 1 });
    expect(append).toBeDefined();
    expect(committedInside).toBe(true);
    const row = await stored(note.id);
    expect(Buffer.from(row.blocksuite_doc!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(true);
    expect(await logCount(note.id)).toBe(0);
    expect(await logCount(other.id)).toBe(1);
  });

  it('reads a log larger than one read in parts and folds every entry it holds', async () => {
    const { note, live, doc } = await setUp();
    // Three entries of ~300 KB each: more than one read's worth before the transaction.
    const entries = [1, 2, 3].map((n) =>
      edit(doc, () => text(doc).insert(text(doc).length, String(n).repeat(300_000))),
    );
    await appendUpdates(database.db, note.id, entries);
    expect(await compactDocument(database.db, note.id, 'binary', undefined, live)).toMatchObject({
      status: 'compacted',
      mergedEntries: 3,
    });
    expect(await logCount(note.id)).toBe(0);
    expect(textOfState((await stored(note.id)).blocksuite_doc!)).toBe(text(doc).toString());
  });

  it("hands the hooks the state it is about to store before its transaction opens (a version's deflate starts there)", async () => {
    const { note, live, doc } = await setUp();
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(4, ' more'))]);
    let opened = 0;
    const db = beforeEachTransaction(database.db, () => {
      opened += 1;
    });
    const before: Array<{ opened: number; noteId: string; state: Uint8Array }> = [];
    const inside: Uint8Array[] = [];
    const hook: CompactionHook = {
      inTransaction: async (_tx, _note, document) => {
        inside.push(await document.state());
      },
      beforeTransaction: async (_db, noteId, state) => {
        before.push({ opened, noteId, state: await state() });
      },
    };
    await compactDocument(db, note.id, 'binary', [hook], live);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ opened: 0, noteId: note.id });
    // The very state the transaction stores and hands the hook inside it.
    expect(inside).toHaveLength(1);
    expect(before[0]!.state).toBe(inside[0]);
    expect(Buffer.from((await stored(note.id)).blocksuite_doc!).equals(Buffer.from(before[0]!.state))).toBe(true);
  });
});

describe('work after the commit (a version)', () => {
  it('runs after the transaction committed, with the stored state, and is handed over when the run defers it', async () => {
    const { note, live, doc } = await setUp();
    await appendUpdates(database.db, note.id, [edit(doc, () => text(doc).insert(4, ' later'))]);
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const seen: Array<{ committed: boolean; handed: number }> = [];
    const deferred: Array<Promise<unknown>> = [];
    const hook: CompactionHook = {
      afterCommit: async (db, hooked, stored) => {
        const state = await stored.state();
        // Read through the database, not the transaction: only a committed store is seen here.
        const [row] = await db.select({ doc: notes.blocksuite_doc }).from(notes).where(eq(notes.id, hooked.id));
        seen.push({ committed: Buffer.from(row!.doc!).equals(Buffer.from(state)), handed: deferred.length });
        await gate;
      },
    };
    const result = await compactDocument(
      database.db,
      note.id,
      'binary',
      [hook],
      live,
      'fold',
      'in-transaction',
      (work) => deferred.push(work(async () => {})),
    );
    // The run answered with its work handed over, not done.
    expect(result).toMatchObject({ status: 'compacted' });
    expect(deferred).toHaveLength(1);
    open();
    await deferred[0];
    expect(seen).toEqual([{ committed: true, handed: 1 }]);
  });
});

describe('a store and the version of the store before it', () => {
  it('runs a store asked while that version is pending first; the version follows it, once, with what it stored', async () => {
    const { note, live, doc, paragraph } = await setUpPage('Versioned', ['first']);
    const hook = versionOnStoreHook({ enabled: true, intervalMinutes: 10, retentionDays: 30, minVersions: 20 });
    const scheduler = createCompactionScheduler({
      compact: (noteId, mode, defer) =>
        compactDocument(database.db, noteId, 'binary', [hook], live, mode, 'in-transaction', defer),
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
    });
    const versions = () =>
      database.db.select({ state: noteVersions.state }).from(noteVersions).where(eq(noteVersions.note_id, note.id));
    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(0, 'one '))]);
    // The store answers at its commit; its version (one is due) starts behind it.
    expect(await scheduler.compactNow(note.id, 'store')).toBe(true);
    // The next edit's store, asked at once: it runs before that version, not behind it.
    edit(doc, () => paragraph.insert(0, 'two '));
    expect(await scheduler.compactNow(note.id, 'store')).toBe(true);
    expect(await versions()).toHaveLength(0);
    expect((await stored(note.id)).blocksuite_snapshot!.text).toContain('two one first');
    await scheduler.flushAll();
    // One version (the second store's finds it younger than the interval), taken after both.
    const taken = await versions();
    expect(taken).toHaveLength(1);
    expect(textOfPage(await decompressState(taken[0]!.state, 1 << 20))).toContain('two one first');
    scheduler.stop();
  });
});

/** A BlockSuite page stored and loaded live, and its first paragraph's text. */
async function setUpPage(title: string, paragraphs: string[]) {
  const note = await insertNote(database.db, owner);
  const live = liveDocuments();
  await appendUpdates(database.db, note.id, [Y.encodeStateAsUpdate(buildBlockSuiteDocument(title, paragraphs))]);
  await compactDocument(database.db, note.id);
  const doc = await load(note.id);
  live.docs.set(note.blocksuite_doc_id, doc);
  const first = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
    (block) => block.get('sys:flavour') === 'affine:paragraph',
  );
  return { note, live, doc, paragraph: first!.get('prop:text') as Y.Text };
}

/** A hook that records what each run hands it, asking for the state only when `wantState`. */
function recordingHook(wantState: boolean) {
  const calls: Array<{ state?: Uint8Array; sessionId: string | null }> = [];
  const hook: CompactionHook = {
    inTransaction: async (_tx, _note, stored) => {
      calls.push({ state: wantState ? await stored.state() : undefined, sessionId: await stored.sessionId() });
    },
  };
  return { calls, hook };
}

describe('storing a live document while it is edited (mode store)', () => {
  it('refreshes the derived data from memory and leaves a small log and the stored state alone', async () => {
    const { note, live, doc, paragraph } = await setUpPage('Before', ['about [[Apollo]]']);
    const storedBefore = (await stored(note.id)).blocksuite_doc!;
    const session = randomUUID();
    await appendUpdateRows(database.db, [
      { noteId: note.id, update: edit(doc, () => paragraph.insert(0, 'logged ')), sessionId: session },
    ]);
    edit(doc, () => paragraph.insert(0, 'unlogged '));
    const { calls, hook } = recordingHook(true);

    expect(await compactDocument(database.db, note.id, 'binary', [hook], live, 'store')).toMatchObject({
      status: 'refreshed',
      logEntries: 1,
    });
    const row = await stored(note.id);
    expect(Buffer.from(row.blocksuite_doc!).equals(Buffer.from(storedBefore))).toBe(true);
    expect(await logCount(note.id)).toBe(1);
    const content = readBlockSuiteDocument(doc);
    expect(row.blocksuite_snapshot).toEqual({ title: content.title, text: content.text, blocks: content.blocks });
    expect(row.blocksuite_snapshot!.text).toContain('unlogged logged about');
    // A version holds the whole document (encoded for it) and names the device of the newest entry it holds.
    expect(calls).toHaveLength(1);
    expect(Buffer.from(calls[0]!.state!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(true);
    expect(calls[0]!.sessionId).toBe(session);

    // Nothing changed since: nothing to do, no hook.
    expect(await compactDocument(database.db, note.id, 'binary', [hook], live, 'store')).toEqual({
      status: 'unchanged',
    });
    expect(calls).toHaveLength(1);

    // A rename reaches the title at the next store; the log still grows only by what was logged.
    const root = [...doc.getMap<Y.Map<unknown>>('blocks').values()].find(
      (block) => block.get('sys:flavour') === 'affine:page',
    );
    const rename = edit(doc, () => {
      const title = root!.get('prop:title') as Y.Text;
      title.delete(0, title.length);
      title.insert(0, 'After');
    });
    await appendUpdates(database.db, note.id, [rename]);
    expect(await compactDocument(database.db, note.id, 'binary', [hook], live, 'store')).toMatchObject({
      status: 'refreshed',
      logEntries: 2,
    });
    expect((await stored(note.id)).title).toBe('After');
    expect(await logCount(note.id)).toBe(2);

    // A fold (the store when the document leaves memory) stores it all, from memory.
    expect(await compactDocument(database.db, note.id, 'binary', [], live, 'fold')).toMatchObject({
      status: 'compacted',
      mergedEntries: 2,
    });
    expect(await logCount(note.id)).toBe(0);
    expect(Buffer.from((await stored(note.id)).blocksuite_doc!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(
      true,
    );
  });

  it('folds once the log passes an eighth of the stored state, and at least 256 KiB', async () => {
    expect(foldThreshold(0)).toBe(256 * 1024);
    expect(foldThreshold(8 * 1024 * 1024)).toBe(1024 * 1024);
    const { note, live, doc, paragraph } = await setUpPage('Folded', ['short']);
    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(0, 'x'.repeat(200 * 1024)))]);
    expect(await compactDocument(database.db, note.id, 'binary', [], live, 'store')).toMatchObject({
      status: 'refreshed',
    });
    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(0, 'y'.repeat(100 * 1024)))]);
    expect(await compactDocument(database.db, note.id, 'binary', [], live, 'store')).toMatchObject({
      status: 'compacted',
      mergedEntries: 2,
    });
    expect(await logCount(note.id)).toBe(0);
    expect(textOfPage((await stored(note.id)).blocksuite_doc!)).toContain('yyyxxx');
  });

  it('hands its hooks, before the transaction opens, the state they then get inside (asked for, not encoded otherwise)', async () => {
    const { note, live, doc, paragraph } = await setUpPage('Early', ['first']);
    let opened = 0;
    const db = beforeEachTransaction(database.db, () => {
      opened += 1;
    });
    const before: Array<{ opened: number; noteId: string; state?: Uint8Array }> = [];
    const inside: Array<Uint8Array | undefined> = [];
    const hookAsking = (ask: boolean): CompactionHook => ({
      inTransaction: async (_tx, _note, document) => {
        inside.push(ask ? await document.state() : undefined);
      },
      beforeTransaction: async (_db, noteId, state) => {
        before.push({ opened, noteId, state: ask ? await state() : undefined });
      },
    });

    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(0, 'asked '))]);
    expect(await compactDocument(db, note.id, 'binary', [hookAsking(true)], live, 'store')).toMatchObject({
      status: 'refreshed',
    });
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ opened: 0, noteId: note.id });
    // The very bytes the hook gets inside the transaction (a deflate started on them is found there).
    expect(inside).toHaveLength(1);
    expect(before[0]!.state).toBe(inside[0]);
    expect(textOfPage(before[0]!.state!)).toBe('asked first');

    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(0, 'not '))]);
    expect(await compactDocument(db, note.id, 'binary', [hookAsking(false)], live, 'store')).toMatchObject({
      status: 'refreshed',
    });
    expect(before).toHaveLength(2);
    expect(before[1]).toMatchObject({ opened: 1, noteId: note.id, state: undefined });
  });

  it('takes a version over the loaded bytes (a large document): the same document, its loaded structs copied', async () => {
    const { note, live, doc, paragraph } = await setUpPage(
      'Large',
      Array.from({ length: 4500 }, (_, i) => `Paragraph ${i} marker-${i}-end`),
    );
    const loaded = (await stored(note.id)).blocksuite_doc!;
    expect(loaded.length).toBeGreaterThanOrEqual(KEEP_MIN_BYTES);
    // What the document service does once the persistence extension has loaded it.
    keepEncodedBase(doc, loaded, NO_SLICES);
    const marker = Buffer.from('marker-0-end');
    await appendUpdates(database.db, note.id, [
      edit(doc, () => {
        paragraph.delete(paragraph.length - 'marker-0-end'.length, 'marker-0-end'.length);
        paragraph.insert(9, ' edited');
      }),
    ]);
    const { calls, hook } = recordingHook(true);

    expect(await compactDocument(database.db, note.id, 'binary', [hook], live, 'store')).toMatchObject({
      status: 'refreshed',
    });
    const version = calls[0]!.state!;
    // Copied from the loaded bytes: the deleted text is still there, and deleted.
    expect(Buffer.from(version).includes(marker)).toBe(true);
    expect(Buffer.from(Y.encodeStateAsUpdate(doc)).includes(marker)).toBe(false);
    const restored = new Y.Doc();
    Y.applyUpdate(restored, version);
    expect(Y.equalSnapshots(Y.snapshot(restored), Y.snapshot(doc))).toBe(true);
    expect(readBlockSuiteDocument(restored)).toEqual(readBlockSuiteDocument(doc));
    expect(textOfPage(version)).toContain('Paragraph edited 0 ');
    // The stored state is untouched, and a fold still stores Yjs's own encoding of the document.
    expect(Buffer.from((await stored(note.id)).blocksuite_doc!).equals(Buffer.from(loaded))).toBe(true);
    expect(await compactDocument(database.db, note.id, 'binary', [], live, 'fold')).toMatchObject({
      status: 'compacted',
    });
    expect(Buffer.from((await stored(note.id)).blocksuite_doc!).equals(Buffer.from(Y.encodeStateAsUpdate(doc)))).toBe(
      true,
    );
  });

  it('folds from the database when the stored state changed under it (another instance stored it)', async () => {
    const { note, live, doc, paragraph } = await setUpPage('Shared', ['base']);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
    const peerParagraph = [...peer.getMap<Y.Map<unknown>>('blocks').values()].find(
      (block) => block.get('sys:flavour') === 'affine:paragraph',
    )!;
    await appendUpdates(database.db, note.id, [
      edit(peer, () => (peerParagraph.get('prop:text') as Y.Text).insert(0, 'theirs ')),
    ]);
    await compactDocument(database.db, note.id);
    await appendUpdates(database.db, note.id, [edit(doc, () => paragraph.insert(4, ' mine'))]);
    unlogged(doc, (other) => {
      const block = [...other.getMap<Y.Map<unknown>>('blocks').values()].find(
        (b) => b.get('sys:flavour') === 'affine:paragraph',
      )!;
      (block.get('prop:text') as Y.Text).insert(0, 'unlogged ');
    });

    expect(await compactDocument(database.db, note.id, 'binary', [], live, 'store')).toMatchObject({
      status: 'compacted',
    });
    expect(await logCount(note.id)).toBe(0);
    const row = await stored(note.id);
    expect(row.blocksuite_snapshot!.text).toBe('theirs base mine');
    expect(textOfPage(row.blocksuite_doc!)).toBe('theirs base mine');
  });
});

const textOfPage = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return readBlockSuiteDocument(doc).text;
};
