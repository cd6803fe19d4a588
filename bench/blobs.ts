// Blob benchmark (docs/benchmarks.md, "Blobs"): upload and download of one large blob through the
// real server (a child process, as `npm start` runs it) against writing and reading the same bytes
// to a local file in the same run, and the server's peak RSS. PGlite by default; PostgreSQL when
// BENCH_DATABASE_URL names a server to create a scratch database on.
//   BENCH_ONLY=blobs npm run bench            (BENCH_BLOB_MIB=50, BENCH_BLOB_ROUNDS=3,
//                                              BENCH_SERVER_NODE_OPTIONS for the server process)
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { provisionDatabase } from '../test/helpers/database.ts';
import { spawnServer } from '../test/helpers/server.ts';

export interface BlobBenchResult {
  engine: 'PostgreSQL' | 'PGlite';
  mib: number;
  rounds: number;
  fileWriteMs: number;
  fileReadMs: number;
  uploadMs: number;
  downloadMs: number;
  /** Server RSS once started and warmed up, and its peak (VmHWM) after every transfer (MB). */
  serverRssStartMb: number;
  serverRssPeakMb: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const keyOf = (bytes: Uint8Array) =>
  createHash('sha256').update(bytes).digest('base64').replaceAll('+', '-').replaceAll('/', '_');

/** Resident set of a process now and at its peak, from /proc (Linux), in MB. */
function rssOf(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export async function runBlobBench(
  mib = Number(process.env.BENCH_BLOB_MIB ?? 50),
  rounds = Number(process.env.BENCH_BLOB_ROUNDS ?? 3),
): Promise<BlobBenchResult> {
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const database = await provisionDatabase();
  const server = await spawnServer({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: database.dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    BLOB_MAX_BYTES: String((mib + 1) * 1024 * 1024),
    // E.g. `--max-old-space-size=128`: a small heap makes the collector run early, so the peak shows
    // what the server holds rather than garbage it has not collected yet.
    ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
  });
  const pid = server.child.pid as number;
  const file = path.join(tmpdir(), `blob-bench-${process.pid}.bin`);
  try {
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench-password-1', full_name: 'B' }),
    });
    const token = ((await registered.json()) as { data: { access_token: string } }).data.access_token;
    const auth = { authorization: `Bearer ${token}` };

    // Warm-up: one small blob each way, so start-up allocations are not counted as the transfer's.
    const small = randomBytes(64 * 1024);
    await fetch(`${server.url}/api/v1/blobs/${keyOf(small)}`, { method: 'PUT', headers: auth, body: small });
    await (await fetch(`${server.url}/api/v1/blobs/${keyOf(small)}`, { headers: auth })).arrayBuffer();
    const start = rssOf(pid);

    const times = { write: [] as number[], read: [] as number[], upload: [] as number[], download: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const bytes = randomBytes(mib * 1024 * 1024);
      const key = keyOf(bytes);
      times.write.push(await timed(() => writeFile(file, bytes)));
      times.read.push(await timed(async () => void (await readFile(file))));
      times.upload.push(
        await timed(async () => {
          const response = await fetch(`${server.url}/api/v1/blobs/${key}`, {
            method: 'PUT',
            headers: { ...auth, 'content-type': 'application/octet-stream' },
            body: bytes,
          });
          if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
        }),
      );
      times.download.push(
        await timed(async () => {
          const response = await fetch(`${server.url}/api/v1/blobs/${key}`, { headers: auth });
          let received = 0;
          for await (const piece of response.body as ReadableStream<Uint8Array>) received += piece.byteLength;
          if (received !== bytes.length) throw new Error(`download gave ${received} of ${bytes.length} bytes`);
        }),
      );
    }
    return {
      engine: database.databaseUrl ? 'PostgreSQL' : 'PGlite',
      mib,
      rounds,
      fileWriteMs: median(times.write),
      fileReadMs: median(times.read),
      uploadMs: median(times.upload),
      downloadMs: median(times.download),
      serverRssStartMb: start.now,
      serverRssPeakMb: rssOf(pid).peak,
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(file, { force: true });
    await database.drop();
  }
}

export function printBlobBench(result: BlobBenchResult): void {
  const round = (value: number) => Math.round(value);
  console.log(`\n== Blobs: ${result.mib} MiB, ${result.engine}, median of ${result.rounds}`);
  console.table({
    'upload (PUT)': {
      ms: round(result.uploadMs),
      ratio: `${(result.uploadMs / result.fileWriteMs).toFixed(1)}× file write`,
    },
    'download (GET)': {
      ms: round(result.downloadMs),
      ratio: `${(result.downloadMs / result.fileReadMs).toFixed(1)}× file read`,
    },
    'file write': { ms: round(result.fileWriteMs), ratio: '' },
    'file read': { ms: round(result.fileReadMs), ratio: '' },
  });
  console.log(
    `server RSS: ${round(result.serverRssStartMb)} MB after start, peak ${round(result.serverRssPeakMb)} MB ` +
      `(+${round(result.serverRssPeakMb - result.serverRssStartMb)} MB for a ${result.mib} MiB blob)`,
  );
}
