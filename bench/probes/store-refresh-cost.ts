// CPU and statements per store of a small live document after a pause (mode `store`: the log is
// too small to fold, so the store refreshes the derived data from memory), on both sides: this
// process and the probe database's PostgreSQL backends. The documents have the collab benchmark's
// shape (a Y.Text typed into and a Y.Array of edit tags, bench/collab-worker.ts), which derives no
// title, text or links: what every store of P2 pays whatever it finds.
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx node --experimental-strip-types --no-warnings=ExperimentalWarning bench/probes/store-refresh-cost.ts
// PROBE_NOTES (100) documents of PROBE_EDITS (90) edits each, one store of each measured after one
// more edit; the version hook as services.ts wires it (a version every 10 minutes: none due in the
// measured stores), or with PROBE_VERSION=1 one due at every store (as at a document's first store).
import * as Y from 'yjs';
import { compactDocument } from '../../src/domain/documents/compaction.ts';
import type { LiveDocuments } from '../../src/domain/documents/live-documents.ts';
import { appendUpdates } from '../../src/domain/documents/update-log.ts';
import { versionOnStoreHook } from '../../src/domain/history/version-store.ts';
import { insertNote, insertUser } from '../../test/domain/documents/fixtures.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { postgresCpuSeconds } from './postgres-cpu.ts';

const count = Number(process.env.PROBE_NOTES ?? 100);
const editsEach = Number(process.env.PROBE_EDITS ?? 90);
const everyStore = process.env.PROBE_VERSION === '1';

let statements = 0;
const database = await createTestDatabase({ maxConnections: 10, onQuery: () => (statements += 1) });
const databaseUrl = database.provisioned.databaseUrl;
if (!databaseUrl) throw new Error('set TEST_DATABASE_URL (PostgreSQL on this machine)');
const db = database.db;
const hooks = [
  versionOnStoreHook({ enabled: true, intervalMinutes: everyStore ? 0 : 10, retentionDays: 30, minVersions: 20 }),
];
const owner = await insertUser(db);
const documents: Array<{ noteId: string; doc: Y.Doc; live: LiveDocuments }> = [];
for (let index = 0; index < count; index += 1) {
  const doc = new Y.Doc();
  const live: LiveDocuments = { find: async () => doc, applyLogged: async () => false };
  documents.push({ noteId: (await insertNote(db, owner)).id, doc, live });
}

const edit = async ({ noteId, doc }: { noteId: string; doc: Y.Doc }, sequence: number) => {
  let update: Uint8Array | undefined;
  const listen = (made: Uint8Array) => {
    update = made;
  };
  doc.on('update', listen);
  doc.transact(() => {
    doc.getText('text').insert(0, Math.random().toString(36).slice(2, 6));
    doc.getArray<string>('edits').push([`0:${sequence % 10}:${sequence}@${Date.now()}`]);
  });
  doc.off('update', listen);
  if (update) await appendUpdates(db, noteId, [update]);
};
const store = (entry: (typeof documents)[number]) =>
  compactDocument(db, entry.noteId, 'base64', hooks, entry.live, 'store');

for (const entry of documents) for (let sequence = 0; sequence < editsEach; sequence += 1) await edit(entry, sequence);
// The first store of each (from the database: nothing in memory is known stored yet), then an edit.
for (const entry of documents) await store(entry);
for (const entry of documents) await edit(entry, editsEach);

const databaseName = new URL(databaseUrl).pathname.slice(1);
const statuses: Record<string, number> = {};
const postgresBefore = await postgresCpuSeconds(db, databaseName);
const before = process.cpuUsage();
statements = 0;
for (const entry of documents) {
  const { status } = await store(entry);
  statuses[status] = (statuses[status] ?? 0) + 1;
}
const used = process.cpuUsage(before);
const counted = statements;
const postgres = (await postgresCpuSeconds(db, databaseName)) - postgresBefore;
const perStore = (seconds: number) => Number(((seconds * 1000) / count).toFixed(2));
console.log(
  JSON.stringify({
    stores: count,
    versionDue: everyStore,
    statuses,
    statementsPerStore: Number((counted / count).toFixed(2)),
    processCpuMsPerStore: perStore((used.user + used.system) / 1e6),
    postgresCpuMsPerStore: perStore(postgres),
  }),
);
await database.drop();
