// Several instances compact the same note (each holds it, or one only relays it): compaction must
// be single-writer per note across processes, or two of them would merge the same log rows twice
// and one could overwrite the other's newer state. Two connection pools play two instances. Only
// PostgreSQL has two sessions to race: PGlite is one process's single session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { compactDocument } from '../../src/domain/documents/compaction.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { appendUpdates, loadDocumentState } from '../../src/domain/documents/update-log.ts';
import { createTestDatabase, testEngine, type TestDatabase } from '../helpers/database.ts';
import { insertNote, insertUser } from '../domain/documents/fixtures.ts';

const onPostgres = testEngine() === 'postgres';

let database: TestDatabase;
let other: DatabaseHandle;
beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  other = await openDatabase({
    databaseUrl: database.provisioned.databaseUrl,
    dataDir: database.provisioned.dataDir,
    maxConnections: 5,
  });
});
afterAll(async () => {
  await other?.close();
  await database?.drop();
});

/** An update no other update depends on: one entry pushed by a client of its own. */
function independentUpdate(label: string, clientId: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  doc.getArray<string>('edits').push([label]);
  return Y.encodeStateAsUpdate(doc);
}

describe.runIf(onPostgres)('compaction across instances', () => {
  it('merges every log entry exactly once while two instances append and compact the same note', {
    timeout: 120_000,
  }, async () => {
    const owner = await insertUser(database.db);
    const note = await insertNote(database.db, owner);
    const instances = [database.handle, other];
    const TOTAL = 200;
    let merged = 0;
    let appended = 0;
    const appending = (async () => {
      for (let index = 0; index < TOTAL; index += 1) {
        await appendUpdates(instances[index % 2]!.db, note.id, [independentUpdate(`e${index}`, index + 1)]);
        appended += 1;
      }
    })();
    const compacting = instances.map(async (instance) => {
      while (appended < TOTAL) {
        const result = await compactDocument(instance.db, note.id);
        if (result.status === 'compacted') merged += result.mergedEntries;
      }
    });
    await Promise.all([appending, ...compacting]);
    for (const instance of instances) {
      const result = await compactDocument(instance.db, note.id);
      if (result.status === 'compacted') merged += result.mergedEntries;
    }

    expect(merged).toBe(TOTAL);
    const state = await loadDocumentState(database.db, note.id);
    expect(state!.log).toHaveLength(0);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, mergeStoredState(state!));
    expect(new Set(doc.getArray<string>('edits').toArray())).toEqual(
      new Set(Array.from({ length: TOTAL }, (_, index) => `e${index}`)),
    );
  });
});

describe.runIf(!onPostgres)('compaction across instances (PGlite)', () => {
  it('needs PostgreSQL: PGlite is one session, so there is no second instance to race', () => {
    expect(testEngine()).toBe('pglite');
  });
});
