// Large documents benchmark (docs/benchmarks.md, "Large documents"): a BlockSuite page of 10k and
// of 100k blocks, loaded through a real provider, then a small edit and a store (compaction),
// several times, while a provider on another document keeps editing. Reported by the server
// process (bench/large-docs-server.ts): store time, the longest event-loop delay during the store
// (monitorEventLoopDelay, 1 ms resolution), and its memory before and after the load.
// PGlite by default; PostgreSQL when BENCH_DATABASE_URL names a server to create a scratch
// database on. BENCH_LARGE_BLOCKS=10000,100000 and BENCH_LARGE_STORES=5 change the sizes and rounds.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type * as Y from 'yjs';
import { SERVER_NODE_FLAGS } from '../src/runtime-flags.ts';
import { connectProvider, type TestProvider, waitFor } from '../test/helpers/collab.ts';
import type { LargeDocsReply, LargeDocsRequest } from './large-docs-server.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface LargeDocsRow {
  blocks: number;
  stateMb: number;
  loadMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  /** The most RSS during the load, and during the stores (garbage not yet collected included). */
  peakRssLoadMb: number;
  peakRssStoresMb: number;
  /** After the stores (what a store keeps with a loaded document: the per-block readings). */
  rssAfterStoresMb: number;
  heapAfterStoresMb: number;
  storeMs: number[];
  loopMaxMs: number[];
  /** CPU time of the server's main thread during each store (all of its work, other documents too). */
  storeCpuMs: number[];
  /** The most CPU time of the server's main thread in one event-loop turn during each store. */
  turnCpuMaxMs: number[];
  /** Edits of the other document acknowledged during the stores, and the slowest acknowledgement. */
  busyEdits: number;
  busyAckMaxMs: number;
}

interface Server {
  child: ChildProcess;
  port: number;
  ask(request: LargeDocsRequest): Promise<LargeDocsReply>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = fork(path.join(ROOT, 'bench/large-docs-server.ts'), [], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    // The flags the server runs with (runtime-flags.ts: its heap's sizing decides when, and how
    // long, V8 collects during a store); BENCH_SERVER_ARGS: more (--cpu-prof, --trace-gc, …).
    execArgv: [
      ...SERVER_NODE_FLAGS,
      '--experimental-strip-types',
      '--no-warnings=ExperimentalWarning',
      '--expose-gc',
      ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: Array<(reply: LargeDocsReply) => void> = [];
  const ready = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.on('message', (reply: LargeDocsReply) => {
      if (reply.type === 'ready') resolve(reply.port);
      else queue.shift()?.(reply);
    });
  });
  const port = await ready;
  return {
    child,
    port,
    ask: (request) =>
      new Promise((resolve, reject) => {
        queue.push((reply) => (reply.type === 'error' ? reject(new Error(reply.message)) : resolve(reply)));
        child.send(request);
      }),
  };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.send({ type: 'stop' } satisfies LargeDocsRequest);
  await exited;
}

async function provision(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-large-'));
  const adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl)
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  const name = `fl_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post<T>(base: string, route: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: T }).data;
}

function firstParagraphText(doc: Y.Doc): Y.Text {
  for (const block of doc.getMap<Y.Map<unknown>>('blocks').values()) {
    if (block.get('sys:flavour') === 'affine:paragraph') return block.get('prop:text') as Y.Text;
  }
  throw new Error('no paragraph');
}

const acknowledged = (client: TestProvider, timeoutMs = 120_000) =>
  waitFor(() => client.provider.unsyncedChanges === 0, timeoutMs, 'acknowledgement');

export async function runLargeDocsBench(
  sizes = (process.env.BENCH_LARGE_BLOCKS ?? '10000,100000').split(',').map(Number),
  stores = Number(process.env.BENCH_LARGE_STORES ?? 5),
): Promise<LargeDocsRow[]> {
  const rows: LargeDocsRow[] = [];
  for (const blocks of sizes) {
    const database = await provision();
    const env = {
      ...database.env,
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: '0',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      // Stores only when the benchmark asks for one, so each is measured alone.
      STORE_DEBOUNCE_MS: '600000',
      STORE_MAX_DEBOUNCE_MS: '600000',
      // The default limits: a 100k-block page (1.5 M Yjs structs) fits MAX_DOCUMENT_STRUCTS (2 M).
      ...(process.env.HISTORY === undefined ? {} : { HISTORY: process.env.HISTORY }),
    };
    const email = `bench-${randomUUID()}@example.com`;
    const password = `pw-${randomUUID()}`;
    const large = `bench-large-${blocks}-${randomUUID()}`;
    const busy = `bench-busy-${randomUUID()}`;
    try {
      // Seeding builds the page in the server process: a fresh process measures the load.
      const seeder = await startServer(env);
      const registered = await post<{ user: { id: string }; contact_zero: { id: string } }>(
        `http://127.0.0.1:${seeder.port}`,
        '/api/v1/auth/register',
        { email, password, full_name: 'Bench' },
      );
      const seeded = await seeder.ask({
        type: 'seed',
        documentName: large,
        blocks,
        userId: registered.user.id,
        contactId: registered.contact_zero.id,
      });
      await stopServer(seeder);
      if (seeded.type !== 'seeded') throw new Error('seed failed');

      const server = await startServer(env);
      const base = `http://127.0.0.1:${server.port}`;
      const collabUrl = `ws://127.0.0.1:${server.port}/collab`;
      const { access_token: token } = await post<{ access_token: string }>(base, '/api/v1/auth/login', {
        email,
        password,
      });
      const other = connectProvider(collabUrl, busy, token);
      await waitFor(() => other.provider.isSynced, 30_000, 'busy document synced');
      const before = await server.ask({ type: 'memory' });
      const loadStarted = performance.now();
      const client = connectProvider(collabUrl, large, token);
      await waitFor(() => client.provider.isSynced, 600_000, 'large document synced');
      const loadMs = performance.now() - loadStarted;
      const after = await server.ask({ type: 'memory' });
      if (before.type !== 'memory' || after.type !== 'memory') throw new Error('no memory figures');

      // The other document: one edit every 20 ms, each timed to its acknowledgement.
      let busyEdits = 0;
      let busyAckMaxMs = 0;
      let editing = true;
      const busyText = other.doc.getText('t');
      const editLoop = (async () => {
        while (editing) {
          const sent = performance.now();
          busyText.insert(busyText.length, 'x');
          await acknowledged(other, 60_000);
          busyAckMaxMs = Math.max(busyAckMaxMs, performance.now() - sent);
          busyEdits += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();

      const storeMs: number[] = [];
      const loopMaxMs: number[] = [];
      const turnCpuMaxMs: number[] = [];
      const storeCpuMs: number[] = [];
      const text = firstParagraphText(client.doc);
      for (let round = 0; round < stores; round += 1) {
        text.insert(0, `edit ${round} `);
        await acknowledged(client);
        const stored = await server.ask({ type: 'store', documentName: large });
        if (stored.type !== 'stored' || !stored.ok) throw new Error('store failed');
        storeMs.push(stored.ms);
        loopMaxMs.push(stored.loopMaxMs);
        turnCpuMaxMs.push(stored.turnCpuMaxMs);
        storeCpuMs.push(stored.cpuMs);
      }
      editing = false;
      await editLoop;
      const afterStores = await server.ask({ type: 'memory' });
      if (afterStores.type !== 'memory') throw new Error('no memory figures');
      client.destroy();
      other.destroy();
      await stopServer(server);
      rows.push({
        blocks,
        stateMb: seeded.bytes / 2 ** 20,
        loadMs,
        rssBeforeMb: before.rssMb,
        rssAfterMb: after.rssMb,
        heapBeforeMb: before.heapUsedMb,
        heapAfterMb: after.heapUsedMb,
        peakRssLoadMb: after.peakRssMb,
        peakRssStoresMb: afterStores.peakRssMb,
        rssAfterStoresMb: afterStores.rssMb,
        heapAfterStoresMb: afterStores.heapUsedMb,
        storeMs,
        loopMaxMs,
        turnCpuMaxMs,
        storeCpuMs,
        busyEdits,
        busyAckMaxMs,
      });
    } finally {
      await database.drop();
    }
  }
  return rows;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export function printLargeDocsBench(rows: LargeDocsRow[], engine: string): void {
  console.log(`\n== Large documents (${engine}): store after a small edit, another document edited meanwhile`);
  console.table(
    rows.map((row) => ({
      blocks: row.blocks,
      'state MB': Number(row.stateMb.toFixed(1)),
      'load ms': Math.round(row.loadMs),
      'RSS before → after load MB': `${Math.round(row.rssBeforeMb)} → ${Math.round(row.rssAfterMb)}`,
      'heap before → after load → after stores MB': `${Math.round(row.heapBeforeMb)} → ${Math.round(row.heapAfterMb)} → ${Math.round(row.heapAfterStoresMb)}`,
      'RSS after stores MB': Math.round(row.rssAfterStoresMb),
      'peak RSS load, stores MB': `${Math.round(row.peakRssLoadMb)}, ${Math.round(row.peakRssStoresMb)}`,
      'store ms (median)': Math.round(median(row.storeMs)),
      'store ms (all)': row.storeMs.map((ms) => Math.round(ms)).join(' '),
      'store main-thread CPU ms (median)': Math.round(median(row.storeCpuMs)),
      'store main-thread CPU ms (all)': row.storeCpuMs.map((ms) => Math.round(ms)).join(' '),
      'loop delay max ms (all)': row.loopMaxMs.map((ms) => Math.round(ms)).join(' '),
      'CPU of one loop turn max ms (all)': row.turnCpuMaxMs.map((ms) => Math.round(ms)).join(' '),
      'other doc: edits, ack max ms': `${row.busyEdits}, ${Math.round(row.busyAckMaxMs)}`,
    })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printLargeDocsBench(await runLargeDocsBench(), process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite');
}
