// CPU per acknowledged append of the group commit alone (update-appender.ts as the document
// service builds it), without sockets or Yjs: what each edit's durability costs this process and
// PostgreSQL at a given edit rate, and the append → commit latency.
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx node --experimental-strip-types --no-warnings=ExperimentalWarning bench/probes/append-cost.ts
// PROBE_RATE (400) appends per second spread over PROBE_NOTES (20) notes, Poisson arrivals, for
// PROBE_SECONDS (10); LOG_COMMIT_INTERVAL_MS (10) as the server's. The rows are the collab
// benchmark's edits (a few characters typed into a Y.Text and one entry pushed on a Y.Array, as
// bench/collab-worker.ts makes them; PROBE_BYTES=n: random bytes of that size instead), each with
// a session id. The pool is the server's (`openDatabase`, 10 connections, appender concurrency 2);
// TEST_DATABASE_URL=…?host=/var/run/postgresql reaches PostgreSQL over its Unix socket.
// CPU is read from process.cpuUsage and, for PostgreSQL, /proc: the probe database's backends (what
// bench/collab.ts counts) and, apart, the processes every database shares (postmaster, WAL writer,
// checkpointer, background writer; other sessions' work counts there too). So PostgreSQL must run
// on this machine. CPU time moves far less with the machine's load than wall time.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { createUpdateAppender } from '../../src/domain/documents/update-appender.ts';
import { postgresCpuSeconds, postgresSharedCpuSeconds } from './postgres-cpu.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { insertNote, insertUser } from '../../test/domain/documents/fixtures.ts';

const rate = Number(process.env.PROBE_RATE ?? 400);
const notesCount = Number(process.env.PROBE_NOTES ?? 20);
const seconds = Number(process.env.PROBE_SECONDS ?? 10);
const interval = Number(process.env.LOG_COMMIT_INTERVAL_MS ?? 10);
// PROBE_DRY=1: the arrivals alone (no append), to subtract what the load generator itself costs.
const dry = process.env.PROBE_DRY === '1';
// PROBE_NO_FK=1: the probe database without note_updates' foreign key to notes, to see what its
// check (a lookup and a key-share lock of the note's row per appended row) costs PostgreSQL.
const withoutForeignKey = process.env.PROBE_NO_FK === '1';
const fixedBytes = process.env.PROBE_BYTES ? Number(process.env.PROBE_BYTES) : undefined;

/** Updates of the collab benchmark's edit shape, made before the measurement. */
function benchmarkEdits(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const made: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => made.push(update));
  for (let index = 0; index < count; index += 1) {
    doc.transact(() => {
      const text = doc.getText('text');
      const typed = Math.random()
        .toString(36)
        .slice(2, 3 + Math.floor(Math.random() * 8));
      text.insert(Math.floor(Math.random() * (text.length + 1)), typed);
      doc.getArray<string>('edits').push([`0:${index % 100}:${index}@${Date.now()}`]);
    });
  }
  return made;
}
const updates = fixedBytes === undefined ? benchmarkEdits(2000) : [randomBytes(fixedBytes)];
const sessions = Array.from({ length: 10 }, () => randomUUID());

const database = await createTestDatabase({ maxConnections: 10 });
const databaseUrl = database.provisioned.databaseUrl;
if (!databaseUrl) throw new Error('set TEST_DATABASE_URL (PostgreSQL on this machine)');
const db = database.db;
const owner = await insertUser(db);
const notes: string[] = [];
for (let index = 0; index < notesCount; index += 1) notes.push((await insertNote(db, owner)).id);

const databaseName = new URL(databaseUrl).pathname.slice(1);
if (withoutForeignKey) {
  await db.execute(sql`alter table note_updates drop constraint note_updates_note_id_notes_id_fk`);
}

let commits = 0;
const appender = createUpdateAppender(db, {
  concurrency: 2,
  minCommitIntervalMs: interval,
  onCommit: () => {
    commits += 1;
  },
});
// Warm up: every connection opened and the statement prepared on it.
await Promise.all(notes.map((noteId, index) => appender.append(noteId, updates[index % updates.length]!, sessions[0])));
await appender.drain();

const latencies: number[] = [];
const cpuBefore = process.cpuUsage();
const pgBefore = await postgresCpuSeconds(db, databaseName);
const sharedBefore = await postgresSharedCpuSeconds(db);
commits = 0;
const started = performance.now();
let sent = 0;
const pending: Promise<void>[] = [];
await new Promise<void>((resolve) => {
  const next = () => {
    if (performance.now() - started >= seconds * 1000) return resolve();
    const at = performance.now();
    pending.push(
      (dry
        ? Promise.resolve()
        : appender.append(notes[sent % notesCount]!, updates[sent % updates.length]!, sessions[sent % sessions.length])
      ).then(() => {
        latencies.push(performance.now() - at);
      }),
    );
    sent += 1;
    setTimeout(next, -Math.log(1 - Math.random()) * (1000 / rate));
  };
  next();
});
await Promise.all(pending);
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const pg = (await postgresCpuSeconds(db, databaseName)) - pgBefore;
const shared = (await postgresSharedCpuSeconds(db)) - sharedBefore;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
const perAppend = (value: number) => ((value * 1e6) / sent).toFixed(0);
const perCommit = (value: number) => (commits === 0 ? null : ((value * 1e6) / commits).toFixed(0));
const perSecond = (value: number) => ((value * 1e3) / elapsed).toFixed(1);
const processSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({
    rate,
    interval,
    dry,
    foreignKey: !withoutForeignKey,
    seconds: Number(elapsed.toFixed(2)),
    appends: sent,
    rowBytes: Math.round(updates.reduce((sum, update) => sum + update.length, 0) / updates.length),
    commits,
    commitsPerSecond: Number((commits / elapsed).toFixed(1)),
    rowsPerCommit: Number((sent / commits).toFixed(2)),
    processCpuUsPerAppend: perAppend(processSeconds),
    postgresCpuUsPerAppend: perAppend(pg),
    postgresSharedCpuUsPerAppend: perAppend(shared),
    cpuUsPerCommit: { process: perCommit(processSeconds), backends: perCommit(pg), shared: perCommit(shared) },
    cpuMsPerSecond: { process: perSecond(processSeconds), backends: perSecond(pg), shared: perSecond(shared) },
    latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
  }),
);
await database.drop();
