// Peak memory of the server process answering GET /api/v1/export/archive, against the archive's
// size (docs/benchmarks.md, "Archive memory"):
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npm exec -- node --experimental-strip-types --no-warnings bench/probes/archive-memory.ts
// PostgreSQL only: with PGlite the database itself lives in the server process.
// ARCHIVE_NOTES (default 300) notes, each with a document of ARCHIVE_NOTE_KB (default 64) KB of
// text left in the update log (the archive merges it with the stored state), and ARCHIVE_BLOBS
// (default 4) blobs of ARCHIVE_BLOB_MB (default 25) MB of random bytes. The peak is the kernel's
// VmHWM of the server, reset (clear_refs) after the account is built, so it is the archive's alone.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import postgres from 'postgres';
import * as Y from 'yjs';
import { blobKeyOf } from '../../src/domain/blobs/blob-key.ts';
import { provisionDatabase } from '../../test/helpers/database.ts';
import { spawnServer, testEnvironment } from '../../test/helpers/server.ts';

const noteCount = Number(process.env.ARCHIVE_NOTES ?? 300);
const noteBytes = Number(process.env.ARCHIVE_NOTE_KB ?? 64) * 1024;
const blobCount = Number(process.env.ARCHIVE_BLOBS ?? 4);
const blobBytes = Number(process.env.ARCHIVE_BLOB_MB ?? 25) * 1_000_000;
if (!process.env.TEST_DATABASE_URL) throw new Error('set TEST_DATABASE_URL (PostgreSQL)');

const kib = (field: string, pid: number) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const database = await provisionDatabase();
const server = await spawnServer(testEnvironment(database));
const { child } = server;
const sql = postgres(database.databaseUrl as string, { max: 1, onnotice: () => {} });
try {
  const url = `${server.url}/api/v1`;
  const call = async (method: string, route: string, body?: unknown, token?: string) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { data: { id: string; access_token: string } };
  };
  const account = await call('POST', '/auth/register', {
    email: `archive-${Date.now()}@example.com`,
    password: 'correct horse battery',
    full_name: 'Archiver',
  });
  const token = account.data.access_token;
  for (let index = 0; index < noteCount; index += 1) {
    const note = await call('POST', '/notes', { title: `Note ${index}` }, token);
    // An edit as the collaboration server logs it; random text, so compression does not hide it.
    const doc = new Y.Doc();
    doc.getText('text').insert(0, randomBytes((noteBytes * 3) / 4).toString('base64'));
    await sql`insert into note_updates (note_id, "update") values (${note.data.id}, ${Y.encodeStateAsUpdate(doc)})`;
  }
  for (let index = 0; index < blobCount; index += 1) {
    const bytes = randomBytes(blobBytes);
    const response = await fetch(`${url}/blobs/${blobKeyOf(bytes)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (response.status !== 201) throw new Error(`blob upload: ${response.status} ${await response.text()}`);
  }
  const pid = child.pid as number;
  // Settle, then reset the peak so it measures the archive alone.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = kib('VmRSS', pid);
  const started = performance.now();
  const response = await fetch(`${url}/export/archive`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`archive: ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body as ReadableStream<Uint8Array>) bytes += chunk.byteLength;
  const seconds = (performance.now() - started) / 1000;
  const peak = kib('VmHWM', pid);
  console.log(
    JSON.stringify({
      notes: noteCount,
      note_kb: noteBytes / 1024,
      blobs: blobCount,
      blob_mb: blobBytes / 1_000_000,
      archive_mb: Math.round(bytes / 1e6),
      rss_before_mb: Math.round(before / 1024),
      peak_rss_mb: Math.round(peak / 1024),
      peak_over_before_mb: Math.round((peak - before) / 1024),
      seconds: Number(seconds.toFixed(1)),
    }),
  );
} finally {
  await sql.end();
  child.kill('SIGTERM');
  await server.exited;
  await database.drop();
}
