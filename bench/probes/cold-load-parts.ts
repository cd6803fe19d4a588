// Where the time of a cold load of a 10 MB document goes on this server, part by part:
// fetching the stored bytes from PostgreSQL (base64 vs hex), decoding them into a Y.Doc, and what
// plain Hocuspocus does too (encode the sync step 2, decode it on the client).
// Run: npm exec -- node --experimental-strip-types bench/probes/cold-load-parts.ts
import postgres from 'postgres';
import * as Y from 'yjs';
import { documentOfSize } from '../collab.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MB = Number(process.env.PROBE_MB ?? 10);
const REPEATS = 5;

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function time(label: string, run: () => unknown | Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  console.log(`${label.padEnd(48)} ${median(samples).toFixed(1)} ms`);
  return median(samples);
}

const source = documentOfSize(MB * 1024 * 1024);
const state = Y.encodeStateAsUpdate(source);
console.log(`document: ${(state.length / 1024 / 1024).toFixed(2)} MB`);
const sql = postgres(url, { max: 1, onnotice: () => {} });
await sql`create temporary table probe (b bytea)`;
await sql`insert into probe values (${Buffer.from(state)})`;

await time('fetch as base64 + Buffer.from', async () => {
  const [row] = await sql`select encode(b, 'base64') as b from probe`;
  return Buffer.from(row!.b as string, 'base64');
});
await time('fetch by COPY … TO STDOUT (FORMAT binary)', async () => {
  const stream = await sql`copy (select b from probe) to stdout (format binary)`.readable();
  const chunks: Buffer[] = [];
  // Not `for await`: postgres.js 3.4's copy stream never finishes an async iteration here.
  await new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return Buffer.concat(chunks);
});
await time('fetch as hex (postgres.js default decode)', async () => (await sql`select b from probe`)[0]!.b);
await time('decode into a Y.Doc (Y.applyUpdate)', () => Y.applyUpdate(new Y.Doc(), state));
await time("… with an 'update' listener (a Hocuspocus Document)", () => {
  const doc = new Y.Doc();
  doc.on('update', () => {});
  Y.applyUpdate(doc, state);
});
const loaded = new Y.Doc();
Y.applyUpdate(loaded, state);
await time('encode sync step 2 (encodeStateAsUpdate)', () => Y.encodeStateAsUpdate(loaded, new Uint8Array([0])));
await sql.end();
