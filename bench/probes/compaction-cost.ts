// CPU and statements per compaction of a small BlockSuite document after a text edit: what the
// store after each pause in a document's edits costs this process and PostgreSQL.
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npm exec -- node --experimental-strip-types --no-warnings bench/probes/compaction-cost.ts
// PostgreSQL's share is read from /proc for the backends of the probe's database, so the server
// must run on this machine. CPU time, not wall time: it moves far less with the machine's load.
// PROBE_NOTES (40) notes, PROBE_ROUNDS (5) edits and compactions of each; the database path of
// compaction (the store of a document not loaded here), with the version-history hook.
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { type CompactionHook, compactDocument } from '../../src/domain/documents/compaction.ts';
import { appendUpdates } from '../../src/domain/documents/update-log.ts';
import { takeVersionOnStore } from '../../src/domain/history/version-store.ts';
import { postgresCpuSeconds } from './postgres-cpu.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { insertNote, insertUser } from '../../test/domain/documents/fixtures.ts';
import { setFirstParagraph } from '../../test/history/blocksuite-edits.ts';

const notesCount = Number(process.env.PROBE_NOTES ?? 40);
const rounds = Number(process.env.PROBE_ROUNDS ?? 5);
let statements = 0;
const database = await createTestDatabase({
  maxConnections: 2,
  onQuery: () => {
    statements += 1;
  },
});
const databaseUrl = database.provisioned.databaseUrl;
if (!databaseUrl) throw new Error('set TEST_DATABASE_URL (PostgreSQL on this machine)');
const db = database.db;
const policy = { enabled: true, intervalMinutes: 10, retentionDays: 30, minVersions: 20 };
const hooks: CompactionHook[] = [
  { inTransaction: (tx, note, stored) => takeVersionOnStore(tx, note, stored.state, policy, stored.sessionId) },
];
const owner = await insertUser(db);
const docs: Array<{ id: string; doc: Y.Doc }> = [];
for (let index = 0; index < notesCount; index += 1) {
  const note = await insertNote(db, owner);
  const doc = buildBlockSuiteDocument(`Plan ${index}`, ['See [[Alpha]] and [[Beta]]', 'second paragraph']);
  await appendUpdates(db, note.id, [Y.encodeStateAsUpdate(doc)]);
  await compactDocument(db, note.id, 'base64', hooks);
  docs.push({ id: note.id, doc });
}

const databaseName = new URL(databaseUrl).pathname.slice(1);

let serverMicros = 0;
let postgresSeconds = 0;
let counted = 0;
let wallMs = 0;
for (let round = 0; round < rounds; round += 1) {
  for (const [index, { id, doc }] of docs.entries()) {
    const updates: Uint8Array[] = [];
    const listen = (update: Uint8Array) => updates.push(update);
    doc.on('update', listen);
    setFirstParagraph(doc, `See [[Alpha]] and [[Beta]] round ${round} note ${index}`);
    doc.off('update', listen);
    await appendUpdates(db, id, updates);
    const pgBefore = await postgresCpuSeconds(db, databaseName);
    const before = statements;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await compactDocument(db, id, 'base64', hooks);
    wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    counted += statements - before;
    serverMicros += used.user + used.system;
    postgresSeconds += (await postgresCpuSeconds(db, databaseName)) - pgBefore;
  }
}
const compactions = notesCount * rounds;
const round1 = (value: number) => Math.round(value * 10) / 10;
console.log(
  JSON.stringify({
    compactions,
    statementsEach: round1(counted / compactions),
    serverCpuUsEach: round1(serverMicros / compactions),
    postgresCpuUsEach: round1((postgresSeconds * 1e6) / compactions),
    wallMsEach: round1(wallMs / compactions),
  }),
);
await database.drop();
