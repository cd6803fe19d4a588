// CPU per acknowledged append of the group commit alone (update-appender.ts as the document
// service builds it), without sockets or Yjs: what each edit's durability costs this process and
// PostgreSQL at a given edit rate, and the append → commit latency.
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx node --experimental-strip-types --no-warnings=ExperimentalWarning bench/probes/append-cost.ts
// PROBE_RATE (400) appends per second spread over PROBE_NOTES (20) notes, Poisson arrivals, for
// PROBE_SECONDS (10); LOG_COMMIT_INTERVAL_MS (10) as the server's. CPU is read from
// process.cpuUsage and, for PostgreSQL, /proc of the probe database's backends (so PostgreSQL must
// run on this machine): CPU time moves far less with the machine's load than wall time.
import { randomBytes } from 'node:crypto';
import { createUpdateAppender } from '../../src/domain/documents/update-appender.ts';
import { postgresCpuSeconds } from './postgres-cpu.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { insertNote, insertUser } from '../../test/domain/documents/fixtures.ts';

const rate = Number(process.env.PROBE_RATE ?? 400);
const notesCount = Number(process.env.PROBE_NOTES ?? 20);
const seconds = Number(process.env.PROBE_SECONDS ?? 10);
const interval = Number(process.env.LOG_COMMIT_INTERVAL_MS ?? 10);
// PROBE_DRY=1: the arrivals alone (no append), to subtract what the load generator itself costs.
const dry = process.env.PROBE_DRY === '1';

const database = await createTestDatabase({ maxConnections: 2 });
const databaseUrl = database.provisioned.databaseUrl;
if (!databaseUrl) throw new Error('set TEST_DATABASE_URL (PostgreSQL on this machine)');
const db = database.db;
const owner = await insertUser(db);
const notes: string[] = [];
for (let index = 0; index < notesCount; index += 1) notes.push((await insertNote(db, owner)).id);

const databaseName = new URL(databaseUrl).pathname.slice(1);

let commits = 0;
const appender = createUpdateAppender(db, {
  concurrency: 2,
  minCommitIntervalMs: interval,
  onCommit: () => {
    commits += 1;
  },
});
// Warm up: every connection opened and the statement prepared on it.
await Promise.all(notes.map((noteId) => appender.append(noteId, randomBytes(40))));
await appender.drain();

const latencies: number[] = [];
const cpuBefore = process.cpuUsage();
const pgBefore = await postgresCpuSeconds(db, databaseName);
commits = 0;
const started = performance.now();
let sent = 0;
const pending: Promise<void>[] = [];
await new Promise<void>((resolve) => {
  const next = () => {
    if (performance.now() - started >= seconds * 1000) return resolve();
    const at = performance.now();
    pending.push(
      (dry ? Promise.resolve() : appender.append(notes[sent % notesCount]!, randomBytes(40))).then(() => {
        latencies.push(performance.now() - at);
      }),
    );
    sent += 1;
    setTimeout(next, -Math.log(1 - Math.random()) * (1000 / rate));
  };
  next();
});
await Promise.all(pending);
const cpu = process.cpuUsage(cpuBefore);
const pg = (await postgresCpuSeconds(db, databaseName)) - pgBefore;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
const perAppend = (value: number) => ((value * 1e6) / sent).toFixed(0);
console.log(
  JSON.stringify({
    rate,
    interval,
    dry,
    appends: sent,
    commits,
    rowsPerCommit: Number((sent / commits).toFixed(2)),
    processCpuUsPerAppend: perAppend((cpu.user + cpu.system) / 1e6),
    postgresCpuUsPerAppend: perAppend(pg),
    latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
  }),
);
await database.drop();
