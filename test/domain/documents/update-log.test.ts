import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notes, noteUpdates } from '../../../src/db/schema/index.ts';
import { queryRows } from '../../../src/db/rows.ts';
import { compactDocument } from '../../../src/domain/documents/compaction.ts';
import { mergeStoredState } from '../../../src/domain/documents/document-state.ts';
import { createUpdateAppender } from '../../../src/domain/documents/update-appender.ts';
import {
  appendUpdateRows,
  appendUpdates,
  type LoggedUpdate,
  loadDocumentState,
  loadDocumentStateByCopy,
  type StoredDocumentState,
} from '../../../src/domain/documents/update-log.ts';
import { BinaryCopyFormatError, parseBinaryCopy } from '../../../src/db/binary-copy.ts';
import type { AuthContext } from '../../../src/domain/auth/auth-context.ts';
import { testEngine, type TestDatabase } from '../../helpers/database.ts';
import { databaseWithOwner, insertNote, textOf, typingSession } from './fixtures.ts';

let database: TestDatabase;
let owner: AuthContext;

beforeAll(async () => {
  ({ database, owner } = await databaseWithOwner());
});
afterAll(async () => database?.drop());

const logRows = async (noteId: string) =>
  database.db
    .select({ id: noteUpdates.id })
    .from(noteUpdates)
    .where(eq(noteUpdates.note_id, noteId))
    .orderBy(noteUpdates.id);

describe('the update log', () => {
  it('stores a batch of several notes byte for byte, in order, whatever the bytes (pool and transaction)', async () => {
    const writers: Array<(entries: LoggedUpdate[]) => Promise<number[]>> = [
      (entries) => appendUpdateRows(database.db, entries),
      // The prepared statement on a transaction's connection, and again on the pool's once prepared there.
      (entries) => database.db.transaction((tx) => appendUpdateRows(tx, entries)),
      (entries) => appendUpdateRows(database.db, entries),
    ];
    for (const write of writers) await expectBatchStoredExactly(write);
  });

  async function expectBatchStoredExactly(write: (entries: LoggedUpdate[]) => Promise<number[]>) {
    const first = await insertNote(database.db, owner);
    const second = await insertNote(database.db, owner);
    // Quotes, backslashes, braces, commas and NUL: what an array literal or hex escaping could mangle.
    const awkward = new Uint8Array([0, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x5c, 0x78, 0xff, 0x0a]);
    const large = new Uint8Array(70_000).map((_, index) => (index * 7) % 256);
    const view = new Uint8Array(large.buffer, 3, 5);
    const ids = await write([
      { noteId: first.id, update: awkward, sessionId: owner.sessionId },
      { noteId: second.id, update: large },
      { noteId: first.id, update: view, sessionId: 'not-a-session' },
    ]);
    expect(ids).toHaveLength(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const firstLog = (await loadDocumentState(database.db, first.id))!.log;
    expect(firstLog.map((entry) => entry.id)).toEqual([ids[0], ids[2]]);
    expect(Buffer.from(firstLog[0]!.update).equals(Buffer.from(awkward))).toBe(true);
    expect(Buffer.from(firstLog[1]!.update).equals(Buffer.from(view))).toBe(true);
    const secondLog = (await loadDocumentState(database.db, second.id))!.log;
    expect(Buffer.from(secondLog[0]!.update).equals(Buffer.from(large))).toBe(true);
    // Each row's device: a session id as given, anything but a UUID as none.
    const sessions = await queryRows<{ id: string | number; session_id: string | null }>(
      database.db,
      sql`select id, session_id from note_updates where id = any(${`{${ids.join(',')}}`}::bigint[]) order by id`,
    );
    expect(sessions.map((row) => row.session_id)).toEqual([owner.sessionId, null, null]);
  }

  it('loads as the stored state followed by the log in id order', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    const ids = await appendUpdates(database.db, note.id, [session.type('one '), session.type('two ')]);
    await appendUpdates(database.db, note.id, [session.type('three')]);
    expect(ids).toHaveLength(2);
    const state = await loadDocumentState(database.db, note.id);
    expect(state?.stored).toBeNull();
    expect(state?.log.map((entry) => entry.id)).toEqual((await logRows(note.id)).map((row) => Number(row.id)));
    expect(state!.log.every((entry) => entry.update instanceof Uint8Array)).toBe(true);
    expect(textOf(mergeStoredState(state!))).toBe('one two three');
  });

  it('reads the same bytes whether bytea travels raw or as base64', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [session.type('stored ')]);
    await compactDocument(database.db, note.id, 'base64');
    await appendUpdates(database.db, note.id, [session.type('and logged')]);
    const binary = await loadDocumentState(database.db, note.id, 'binary');
    const base64 = await loadDocumentState(database.db, note.id, 'base64');
    expect([...base64!.stored!]).toEqual([...binary!.stored!]);
    expect(base64!.log.map((entry) => [entry.id, [...entry.update]])).toEqual(
      binary!.log.map((entry) => [entry.id, [...entry.update]]),
    );
    expect(textOf(mergeStoredState(base64!))).toBe('stored and logged');
  });

  it.runIf(testEngine() === 'postgres')(
    'reads the same state through a binary COPY, for a stored note, a log-only note and no note',
    async () => {
      const copyOut = database.handle.copyOut!;
      const same = (a: StoredDocumentState | null, b: StoredDocumentState | null) => {
        expect(a === null).toBe(b === null);
        if (!a || !b) return;
        expect(a.stored === null ? null : [...a.stored]).toEqual(b.stored === null ? null : [...b.stored]);
        expect(a.log.map((entry) => [entry.id, [...entry.update]])).toEqual(
          b.log.map((entry) => [entry.id, [...entry.update]]),
        );
      };
      const stored = await insertNote(database.db, owner);
      const session = typingSession();
      await appendUpdates(database.db, stored.id, [session.type('stored ')]);
      await compactDocument(database.db, stored.id, 'base64');
      await appendUpdates(database.db, stored.id, [session.type('and '), session.type('logged')]);
      const copied = await loadDocumentStateByCopy(copyOut, stored.id);
      same(copied, await loadDocumentState(database.db, stored.id, 'base64'));
      expect(textOf(mergeStoredState(copied!))).toBe('stored and logged');

      const logOnly = await insertNote(database.db, owner);
      await appendUpdates(database.db, logOnly.id, [typingSession(2).type('only logged')]);
      same(
        await loadDocumentStateByCopy(copyOut, logOnly.id),
        await loadDocumentState(database.db, logOnly.id, 'base64'),
      );
      expect((await loadDocumentStateByCopy(copyOut, logOnly.id))!.stored).toBeNull();

      expect(await loadDocumentStateByCopy(copyOut, '00000000-0000-4000-8000-000000000000')).toBeNull();
      // COPY takes no parameters, so anything but a UUID never reaches the statement.
      expect(await loadDocumentStateByCopy(copyOut, "x'; drop table notes; --")).toBeNull();
    },
  );

  it('refuses a truncated or foreign binary COPY stream', () => {
    const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
    const row = Buffer.from([0, 1, 0, 0, 0, 3, 1, 2, 3]);
    const trailer = Buffer.from([0xff, 0xff]);
    expect(
      parseBinaryCopy(Buffer.concat([header, row, trailer])).map((fields) => fields.map((field) => [...field!])),
    ).toEqual([[[1, 2, 3]]]);
    expect(() => parseBinaryCopy(Buffer.concat([header, row]))).toThrow(BinaryCopyFormatError);
    expect(() => parseBinaryCopy(Buffer.concat([header, row.subarray(0, 7)]))).toThrow(BinaryCopyFormatError);
    expect(() => parseBinaryCopy(Buffer.from('select 1'))).toThrow(BinaryCopyFormatError);
  });

  it('answers null for a note that does not exist', async () => {
    expect(await loadDocumentState(database.db, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('compacts stored state + log into blocksuite_doc and deletes exactly the merged rows, in one transaction', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [session.type('alpha '), session.type('beta ')]);
    const first = await compactDocument(database.db, note.id);
    expect(first).toMatchObject({ status: 'compacted', mergedEntries: 2, skippedEntries: 0 });
    expect(await logRows(note.id)).toHaveLength(0);

    await appendUpdates(database.db, note.id, [session.type('gamma')]);
    const second = await compactDocument(database.db, note.id);
    expect(second).toMatchObject({ status: 'compacted', mergedEntries: 1 });
    const [row] = await database.db.select({ doc: notes.blocksuite_doc }).from(notes).where(eq(notes.id, note.id));
    expect(textOf(row!.doc!)).toBe('alpha beta gamma');
    expect(Y.encodeStateVectorFromUpdate(row!.doc!)).toEqual(Y.encodeStateVector(session.doc));
  });

  it('leaves every row as it is when there is nothing to compact', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [session.type('once')]);
    await compactDocument(database.db, note.id);
    const [before] = await queryRows<{ xmin: string; updated_at: Date }>(
      database.db,
      sql`select xmin::text as xmin, updated_at from notes where id = ${note.id}`,
    );
    expect(await compactDocument(database.db, note.id)).toEqual({ status: 'unchanged' });
    const [after] = await queryRows<{ xmin: string; updated_at: Date }>(
      database.db,
      sql`select xmin::text as xmin, updated_at from notes where id = ${note.id}`,
    );
    expect(after).toEqual(before);
  });

  it('skips an undecodable log entry instead of refusing to load or compact the document', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession();
    await appendUpdates(database.db, note.id, [
      session.type('kept '),
      new Uint8Array([1, 200, 7, 7]),
      session.type('also kept'),
    ]);
    const state = await loadDocumentState(database.db, note.id);
    expect(textOf(mergeStoredState(state!))).toBe('kept also kept');
    expect(await compactDocument(database.db, note.id)).toMatchObject({
      status: 'compacted',
      mergedEntries: 3,
      skippedEntries: 1,
    });
    expect(textOf((await loadDocumentState(database.db, note.id))!.stored!)).toBe('kept also kept');
  });

  it('reports a missing note without writing', async () => {
    expect(await compactDocument(database.db, '00000000-0000-4000-8000-000000000000')).toEqual({ status: 'missing' });
  });

  it('group-commits concurrent appends of many documents into few transactions, resolving each only once committed', async () => {
    const documents = await Promise.all([1, 2, 3, 4].map(() => insertNote(database.db, owner)));
    const commits: number[] = [];
    const appender = createUpdateAppender(database.db, { onCommit: (entries) => commits.push(entries.length) });
    const sessions = documents.map((_, index) => typingSession(index + 10));
    const appends: Promise<void>[] = [];
    for (let round = 0; round < 25; round += 1) {
      for (const [index, note] of documents.entries())
        appends.push(appender.append(note.id, sessions[index]!.type(`${round},`)));
    }
    await Promise.all(appends);
    expect(commits.reduce((a, b) => a + b, 0)).toBe(100);
    expect(commits.length).toBeLessThan(100);
    for (const [index, note] of documents.entries()) {
      const state = await loadDocumentState(database.db, note.id);
      expect(state!.log).toHaveLength(25);
      expect(textOf(mergeStoredState(state!))).toBe(sessions[index]!.doc.getText('t').toString());
    }
    await appender.drain();
  });

  it('spaces commits by the minimum interval under load, and commits a lone append at once', async () => {
    const note = await insertNote(database.db, owner);
    const session = typingSession(30);
    const starts: number[] = [];
    // A lone append after a quiet period does not wait for the interval. The interval is long
    // here so that a slow commit on a loaded machine cannot pass for a wait.
    const patient = createUpdateAppender(database.db, { minCommitIntervalMs: 10_000 });
    const lone = performance.now();
    await patient.append(note.id, session.type('lone,'));
    expect(performance.now() - lone).toBeLessThan(5000);
    await patient.drain();

    const appender = createUpdateAppender(database.db, {
      minCommitIntervalMs: 40,
      onCommit: (_entries, seconds) => starts.push(performance.now() - seconds * 1000),
    });

    // Forty appends, one every 5 ms or so: at most one commit per 40 ms of it, far fewer than forty.
    const appends: Promise<void>[] = [];
    const began = performance.now();
    for (let index = 0; index < 40; index += 1) {
      appends.push(appender.append(note.id, session.type(`${index},`)));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(appends);
    expect(starts.length).toBeLessThanOrEqual(Math.ceil((performance.now() - began) / 40) + 1);
    expect(starts.length).toBeLessThan(40);
    for (let index = 1; index < starts.length; index += 1)
      expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(38);
    expect(textOf(mergeStoredState((await loadDocumentState(database.db, note.id))!))).toBe(
      session.doc.getText('t').toString(),
    );
    await appender.drain();
  });

  it("commits small entries ahead of large ones queued before them, each note's entries in order", async () => {
    const [large, small, mixed] = await Promise.all([1, 2, 3].map(() => insertNote(database.db, owner)));
    const commits: string[][] = [];
    const appender = createUpdateAppender(database.db, {
      largeEntryBytes: 1000,
      onCommit: (entries) => commits.push(entries.map((entry) => (entry.update.length >= 1000 ? 'L' : 's'))),
    });
    const heavy = typingSession(40);
    const light = typingSession(41);
    const both = typingSession(42);
    // Appended in one turn: they all wait for the first commit, which starts right after it.
    const appends = [
      appender.append(small!.id, light.type('first,')),
      appender.append(large!.id, heavy.type('x'.repeat(5000))),
      appender.append(mixed!.id, both.type('y'.repeat(5000))),
      appender.append(small!.id, light.type('second,')),
      // Behind its own note's large entry: it must not commit first.
      appender.append(mixed!.id, both.type('after,')),
      appender.append(large!.id, heavy.type('x'.repeat(5000))),
    ];
    await Promise.all(appends);
    // The first commit: the two small entries of the note with no large one, not the large ones
    // queued between them, nor the small one queued behind its own note's large entry.
    expect(commits[0]).toEqual(['s', 's']);
    expect(commits.flat()).toHaveLength(6);
    for (const [note, session] of [
      [large!, heavy],
      [small!, light],
      [mixed!, both],
    ] as const) {
      const state = await loadDocumentState(database.db, note.id);
      // In id order, each note's entries are in the order appended: the text reads as typed.
      expect(textOf(mergeStoredState(state!))).toBe(session.doc.getText('t').toString());
    }
    const mixedIds = (await logRows(mixed!.id)).map((row) => Number(row.id));
    expect(mixedIds).toEqual([...mixedIds].sort((a, b) => a - b));
    await appender.drain();
  });

  it('fails only the append whose note is gone, not the others sharing its commit', async () => {
    const kept = await insertNote(database.db, owner);
    const session = typingSession();
    const appender = createUpdateAppender(database.db);
    const results = await Promise.allSettled([
      appender.append(kept.id, session.type('a')),
      appender.append('00000000-0000-4000-8000-000000000001', session.type('b')),
      appender.append(kept.id, session.type('c')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await logRows(kept.id)).length).toBe(2);
  });

  it.runIf(testEngine() === 'postgres')(
    'never deletes a log row that committed after the compaction read the log',
    async () => {
      const note = await insertNote(database.db, owner);
      const session = typingSession();
      const early = session.type('early ');
      const late = session.type('late');
      // A second connection opens a transaction that takes a log id first and commits last.
      const other = postgres(database.provisioned.databaseUrl!, { max: 1, onnotice: () => {} });
      try {
        const reserved = other.reserve();
        const connection = await reserved;
        await connection`begin`;
        await connection`insert into note_updates (note_id, "update") values (${note.id}, ${Buffer.from(early)})`;
        await appendUpdates(database.db, note.id, [late]);
        expect(await compactDocument(database.db, note.id)).toMatchObject({ status: 'compacted', mergedEntries: 1 });
        await connection`commit`;
        connection.release();
        const state = await loadDocumentState(database.db, note.id);
        expect(state!.log).toHaveLength(1);
        expect(textOf(mergeStoredState(state!))).toBe('early late');
      } finally {
        await other.end();
      }
    },
  );
});
