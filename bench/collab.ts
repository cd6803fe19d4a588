// Collaboration load benchmark (issue 4): the same profile against this server (PostgreSQL,
// durable acknowledgements) and against a plain in-memory Hocuspocus 4, both in child processes,
// driven by real @hocuspocus/provider clients from this process.
//
//   profile : C clients over D documents, random small edits at R per second per client, T seconds
//   fan-out : edit on one client → seen by every other client of that document (p50/p95/p99)
//   ack     : edit → acknowledgement (SyncStatus; durable on this server)
//   cold    : a fresh provider's time to `synced` for a 1 MB and a 10 MB document (from PostgreSQL
//             vs from the plain server's memory)
//   append  : edit → ack of one small update on a 10 KB vs a 10 MB document
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { connectPostgres } from '../src/db/postgres-url.ts';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { SERVER_NODE_FLAGS } from '../src/runtime-flags.ts';
import type { WorkerAssignment, WorkerReport } from './collab-worker.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface CollabBenchOptions {
  clients: number;
  documents: number;
  editsPerSecond: number;
  seconds: number;
  /** An admin URL of a PostgreSQL server; a scratch database is created on it and dropped. */
  postgresUrl: string;
  coldLoadSizesMb: number[];
  coldLoadRepeats: number;
  appendSamples: number;
  /** Load-generator processes the clients are spread over. */
  workers: number;
  /** Which measurements to run (all by default). */
  parts: Array<'profile' | 'cold' | 'append'>;
  /**
   * Load profiles, each run against both servers: P1 is the one above (many edits), P2 many
   * mostly idle connections (1,000 clients over 100 documents at 0.2 edits/s each). Cold loads
   * and append costs run with the first profile only.
   */
  profiles: Array<'p1' | 'p2'>;
  /** Duration of P2 (long enough for a re-authentication round of every connection). */
  p2Seconds: number;
  /** Extra environment for this server (BENCH_SERVER_ENV="NAME=value,NAME=value"), for experiments. */
  serverEnv: Record<string, string>;
}

/** P2: many connections, few edits (what idle sockets cost). */
export const P2_PROFILE = { clients: 1000, documents: 100, editsPerSecond: 0.2 } as const;

export function collabBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CollabBenchOptions {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    clients: number('BENCH_CLIENTS', 200),
    documents: number('BENCH_DOCS', 20),
    editsPerSecond: number('BENCH_RATE', 2),
    seconds: number('BENCH_SECONDS', 20),
    postgresUrl: env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    coldLoadSizesMb: (env.BENCH_COLD_MB ?? '1,10').split(',').map(Number),
    coldLoadRepeats: number('BENCH_COLD_REPEATS', 3),
    appendSamples: number('BENCH_APPEND_SAMPLES', 40),
    workers: number('BENCH_WORKERS', 2),
    parts: (env.BENCH_PARTS ?? 'profile,cold,append')
      .split(',')
      .filter((part): part is 'profile' | 'cold' | 'append' => ['profile', 'cold', 'append'].includes(part)),
    profiles: (env.BENCH_PROFILES ?? 'p1,p2')
      .split(',')
      .filter((profile): profile is 'p1' | 'p2' => profile === 'p1' || profile === 'p2'),
    p2Seconds: number('BENCH_P2_SECONDS', 40),
    serverEnv: Object.fromEntries(
      (env.BENCH_SERVER_ENV ?? '')
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
}

export interface Target {
  name: string;
  collabUrl: string;
  /** Several instances (bench/scale.ts): each document's clients alternate between them. */
  collabUrls?: string[];
  token: string;
  stop(): Promise<void>;
  /** The server process, for its CPU time during the profile. */
  pid?: number;
  /** Prometheus endpoint (this server only): commit batches during the profile. */
  metricsUrl?: string;
  /** Process ids of the PostgreSQL backends serving this server's database (this server only). */
  postgresBackends?: () => Promise<number[]>;
}

export interface ProfileResult {
  fanoutMs: { p50: number; p95: number; p99: number };
  deliveredPerSecond: number;
  ackMs: { p50: number; p95: number; p99: number };
  edits: number;
  /** Edits the generator actually made per second (C × R when it keeps up). */
  editsPerSecondSent: number;
  deliveries: number;
  errors: number;
  errorKinds: Record<string, number>;
}

export interface ServerDiagnostics {
  /** CPU seconds the server process used during the load profile. */
  cpuSeconds: number;
  /** CPU seconds of the PostgreSQL backends of the server's database during the profile (0: none). */
  postgresCpuSeconds: number;
  /** Microseconds of CPU per delivered update: server, PostgreSQL, both. */
  cpuPerDeliveryUs: { server: number; postgres: number; total: number };
  /**
   * The same, counting only the CPU spent until the last edit: without the 3 s after it, in
   * which this server stores (compacts) every document once its edits have paused.
   */
  cpuPerDeliveryWhileEditingUs: { server: number; postgres: number; total: number };
  /** Largest resident set of the server process sampled during the profile, MB. */
  peakRssMb: number;
  /** Log commits during the profile, their mean duration and rows per commit (this server). */
  commits?: number;
  meanCommitMs?: number;
  rowsPerCommit?: number;
  /** Log commits that took longer than 25 ms (what an acknowledgement's tail waits on). */
  slowCommits?: number;
  /** Compactions during the profile and their mean duration. */
  compactions?: number;
  meanCompactionMs?: number;
  /**
   * The server's event-loop delay over the profile (prom-client's default metrics, reset by the
   * scrape at its start), p99 and max ms: what an acknowledgement waits for besides its commit.
   */
  eventLoopDelayMs?: { p99: number; max: number };
  /** V8 heap used and committed, and memory outside the heap (buffers), at the profile's end, MB. */
  heapMb?: { used: number; total: number; external: number };
}

export interface TargetResult {
  profile: ProfileResult;
  diagnostics: ServerDiagnostics;
  coldLoadMs: Record<string, number>;
  appendMs: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function rssMbOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples, while a profile runs, the server's resident set and the CPU time of the PostgreSQL
 * backends of its database (pg_stat_activity; /proc of the same machine). Backends seen for the
 * first time count from zero, so a connection opened during the profile counts in full; a backend
 * that exits between two samples loses at most one interval. WAL writer, checkpointer and other
 * shared PostgreSQL processes serve every database of the server and are not counted.
 */
function startResourceSampler(target: Target, intervalMs = 250) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let peakRssMb = rssMbOf(target.pid);
  let stopped = false;
  const sample = async (initial: boolean) => {
    const rss = rssMbOf(target.pid);
    if (rss > peakRssMb || Number.isNaN(peakRssMb)) peakRssMb = rss;
    if (!target.postgresBackends) return;
    for (const pid of await target.postgresBackends()) {
      const cpu = cpuSecondsOf(pid);
      if (Number.isNaN(cpu)) continue;
      if (!first.has(pid)) first.set(pid, initial ? cpu : 0);
      last.set(pid, cpu);
    }
  };
  const started = sample(true);
  const loop = (async () => {
    await started;
    while (!stopped) {
      await sleep(intervalMs);
      await sample(false);
    }
  })();
  const postgresCpuSeconds = () => {
    let sum = 0;
    for (const [pid, cpu] of last) sum += cpu - (first.get(pid) ?? 0);
    return sum;
  };
  return {
    ready: started,
    /** PostgreSQL CPU seconds so far, after a fresh sample. */
    async current(): Promise<number> {
      await sample(false);
      return postgresCpuSeconds();
    },
    async stop(): Promise<{ postgresCpuSeconds: number; peakRssMb: number }> {
      stopped = true;
      await loop;
      await sample(false);
      return { postgresCpuSeconds: postgresCpuSeconds(), peakRssMb };
    },
  };
}

interface CommitCounters {
  sum: number;
  count: number;
  rows: number;
  within25ms: number;
  compactionSum: number;
  compactions: number;
  loopDelayP99: number;
  loopDelayMax: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

async function commitCounters(metricsUrl: string | undefined): Promise<CommitCounters | undefined> {
  if (!metricsUrl) return undefined;
  const text = await (await fetch(metricsUrl)).text();
  const value = (series: string) =>
    Number(new RegExp(`^${series.replace(/[{}.]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    sum: value('collab_update_append_duration_seconds_sum'),
    count: value('collab_update_append_duration_seconds_count'),
    rows: value('collab_updates_logged_total'),
    within25ms: value('collab_update_append_duration_seconds_bucket{le="0.025"}'),
    compactionSum: value('collab_store_duration_seconds_sum'),
    compactions: value('collab_store_duration_seconds_count'),
    loopDelayP99: value('nodejs_eventloop_lag_p99_seconds'),
    loopDelayMax: value('nodejs_eventloop_lag_max_seconds'),
    heapUsed: value('nodejs_heap_size_used_bytes'),
    heapTotal: value('nodejs_heap_size_total_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const median = (values: number[]) => percentile(values, 50);
const round = (value: number) => Math.round(value * 100) / 100;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

export function startChild(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; port: number }> {
  // BENCH_CPU_PROFILE_DIR=dir: each server writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
    : [];
  // BENCH_SERVER_NODE_ARGS="--trace-gc …": more Node/V8 flags for the servers (NODE_OPTIONS refuses V8's).
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...profile, ...extra, '--experimental-strip-types', '--no-warnings=ExperimentalWarning', ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = ready.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeAllListeners('data');
        // BENCH_SERVER_LOG=file: the servers' output from here on (e.g. with NODE_OPTIONS=--trace-gc).
        const logFile = process.env.BENCH_SERVER_LOG;
        if (logFile) {
          const sink = (chunk: Buffer) => appendFileSync(logFile, chunk);
          child.stdout?.on('data', sink);
          child.stderr?.on('data', sink);
        } else {
          child.stdout?.resume();
          child.stderr?.resume();
        }
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
}

async function startThisServer(postgresUrl: string, serverEnv: Record<string, string> = {}): Promise<Target> {
  const name = `fl_bench_${randomBytes(5).toString('hex')}`;
  const admin = connectPostgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-'));
  // As `npm start` runs it (plain Hocuspocus runs with Node's defaults, as it ships).
  const { child, port } = await startChild(
    [...SERVER_NODE_FLAGS, 'src/main.ts'],
    {
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: url.toString(),
      DATA_DIR: dataDir,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info',
      // Version history as the caller runs the benchmark (docs/benchmarks.md, "Version history").
      ...Object.fromEntries(
        ['HISTORY', 'HISTORY_INTERVAL_MINUTES'].flatMap((name) => {
          const value = process.env[name];
          return value === undefined ? [] : [[name, value]];
        }),
      ),
      ...serverEnv,
    },
    /"port":(\d+)[^\n]*"msg":"server listening"/,
  );
  const base = `http://127.0.0.1:${port}`;
  const registered = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${randomUUID()}@example.com`,
      password: `pw-${randomUUID()}`,
      full_name: 'Bench',
    }),
  });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
  const token = ((await registered.json()) as { data: { access_token: string } }).data.access_token;
  return {
    name: 'this server (PostgreSQL)',
    collabUrl: `ws://127.0.0.1:${port}/collab`,
    token,
    pid: child.pid,
    metricsUrl: `${base}/metrics`,
    postgresBackends: async () =>
      (await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${name}`).map((row) => row.pid),
    stop: async () => {
      await stopChild(child);
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startPlainHocuspocus(): Promise<Target> {
  const { child, port } = await startChild(['bench/plain-hocuspocus.ts'], {}, /"port":(\d+)/);
  return {
    name: 'plain Hocuspocus 4 (memory)',
    collabUrl: `ws://127.0.0.1:${port}`,
    token: 'unused',
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

interface BenchClient {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  doc: Y.Doc;
  destroy(): void;
}

function connect(
  target: Target,
  documentName: string,
  onClose?: (code: number) => void,
  doc = new Y.Doc(),
): BenchClient {
  const socket = new HocuspocusProviderWebsocket({
    url: target.collabUrl,
    WebSocketPolyfill: WebSocket,
    onClose: ({ event }) => onClose?.(event.code),
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: documentName,
    token: target.token,
    document: doc,
  });
  provider.attach();
  return {
    provider,
    socket,
    doc,
    destroy() {
      provider.destroy();
      socket.destroy();
    },
  };
}

/** Tracks edit → acknowledgement of one client: acks arrive in order, one per update sent. */
function trackAcks(client: BenchClient, samples: number[]) {
  const outstanding: number[] = [];
  let previous = client.provider.unsyncedChanges;
  client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    if (number < previous && outstanding.length > 0) samples.push(performance.now() - outstanding.shift()!);
    previous = number;
  });
  return { sent: () => outstanding.push(performance.now()) };
}

type WorkerMessage = { type: 'ready' } | { type: 'edited'; edits: number } | { type: 'report'; report: WorkerReport };

/** The load profile, its clients spread over worker processes (see collab-worker.ts). */
export async function runProfile(
  target: Target,
  options: Pick<CollabBenchOptions, 'clients' | 'documents' | 'editsPerSecond' | 'seconds' | 'workers'>,
  /** Called when the edits start, when the last edit is made, and once deliveries and acknowledgements have settled. */
  window?: { start(): Promise<void>; edited?(): Promise<void>; end(): Promise<void> },
): Promise<ProfileResult> {
  const run = randomUUID().slice(0, 8);
  const names = Array.from({ length: options.clients }, (_, index) => `bench-${run}-doc-${index % options.documents}`);
  const clientsPerDocument = new Map<string, number>();
  for (const name of names) clientsPerDocument.set(name, (clientsPerDocument.get(name) ?? 0) + 1);
  const workers = Array.from({ length: Math.max(1, Math.min(options.workers, options.clients)) }, () =>
    fork(path.join(ROOT, 'bench/collab-worker.ts'), [], {
      execArgv: ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'],
      stdio: 'inherit',
    }),
  );
  const next = (worker: ChildProcess, type: WorkerMessage['type']) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== type) return;
        worker.off('message', onMessage);
        resolve(message);
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) =>
        reject(new Error(`bench worker exited (${code ?? signal}) while waiting for '${type}'`)),
      );
    });
  try {
    const ready = workers.map((worker) => next(worker, 'ready'));
    workers.forEach((worker, workerIndex) => {
      const assignment: WorkerAssignment = {
        collabUrl: target.collabUrl,
        token: target.token,
        documents: names.filter((_, index) => index % workers.length === workerIndex),
        // The k-th client of a document goes to instance k mod n.
        collabUrls: target.collabUrls?.length
          ? names
              .map((_, index) => target.collabUrls![Math.floor(index / options.documents) % target.collabUrls!.length]!)
              .filter((_, index) => index % workers.length === workerIndex)
          : undefined,
        workerIndex,
        editsPerSecond: options.editsPerSecond,
      };
      worker.send({ type: 'assign', assignment });
    });
    await Promise.all(ready);
    const edited = workers.map((worker) => next(worker, 'edited'));
    await window?.start();
    const started = Date.now();
    for (const worker of workers)
      worker.send({ type: 'start', untilEpochMs: performance.timeOrigin + performance.now() + options.seconds * 1000 });
    await Promise.all(edited);
    const elapsedSeconds = (Date.now() - started) / 1000;
    await window?.edited?.();
    await sleep(3000);
    await window?.end();
    const reports = workers.map((worker) => next(worker, 'report'));
    for (const worker of workers) worker.send({ type: 'finish' });
    const collected = (await Promise.all(reports)).map((message) => (message as { report: WorkerReport }).report);

    const fanout = collected.flatMap((report) => report.fanout);
    const acks = collected.flatMap((report) => report.acks);
    const deliveries = collected.reduce((sum, report) => sum + report.deliveries, 0);
    const edits = collected.reduce((sum, report) => sum + report.edits, 0);
    let expectedDeliveries = 0;
    for (const report of collected) {
      for (const [name, count] of Object.entries(report.editsByDocument))
        expectedDeliveries += count * ((clientsPerDocument.get(name) ?? 1) - 1);
    }
    const errorKinds: Record<string, number> = {};
    for (const report of collected)
      for (const [kind, count] of Object.entries(report.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
    if (deliveries < expectedDeliveries) errorKinds['missing deliveries'] = expectedDeliveries - deliveries;
    const unacknowledged = collected.reduce((sum, report) => sum + report.unacknowledged, 0);
    if (unacknowledged > 0) errorKinds['unacknowledged edits'] = unacknowledged;
    return {
      fanoutMs: {
        p50: round(percentile(fanout, 50)),
        p95: round(percentile(fanout, 95)),
        p99: round(percentile(fanout, 99)),
      },
      deliveredPerSecond: round(deliveries / elapsedSeconds),
      ackMs: { p50: round(percentile(acks, 50)), p95: round(percentile(acks, 95)), p99: round(percentile(acks, 99)) },
      edits,
      editsPerSecondSent: round(edits / elapsedSeconds),
      deliveries,
      errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
      errorKinds,
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  }
}

/** A document of roughly `bytes` encoded size: paragraphs of text in a Y.XmlFragment-free layout. */
export function documentOfSize(bytes: number): Y.Doc {
  const doc = new Y.Doc();
  const paragraphs = doc.getArray<Y.Text>('paragraphs');
  const line = 'The quick brown fox jumps over the lazy dog while the collaboration server keeps every edit. ';
  doc.transact(() => {
    let size = 0;
    while (size < bytes) {
      const text = new Y.Text();
      text.insert(0, line.repeat(10));
      paragraphs.push([text]);
      size += line.length * 10 + 12;
    }
  });
  return doc;
}

async function seedDocument(target: Target, documentName: string, source: Y.Doc): Promise<BenchClient> {
  const seeder = connect(target, documentName, undefined, source);
  if (!(await waitFor(() => seeder.provider.isSynced && seeder.provider.unsyncedChanges === 0, 120_000)))
    throw new Error('seeding timed out');
  return seeder;
}

async function timeColdLoad(target: Target, documentName: string): Promise<number> {
  const started = performance.now();
  const reader = connect(target, documentName);
  if (!(await waitFor(() => reader.provider.isSynced, 120_000))) throw new Error('cold load timed out');
  const elapsed = performance.now() - started;
  reader.destroy();
  return elapsed;
}

async function runColdLoads(
  target: Target,
  options: CollabBenchOptions,
  durable: boolean,
): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const mb of options.coldLoadSizesMb) {
    const name = `cold-${mb}mb-${randomUUID().slice(0, 8)}`;
    const source = documentOfSize(mb * 1024 * 1024);
    const seeder = await seedDocument(target, name, source);
    // This server: let the seeder leave so the document is stored and unloaded; each read is then
    // a load from PostgreSQL. The plain server keeps documents only while someone is connected.
    if (durable) {
      seeder.destroy();
      await sleep(3000);
    }
    const samples: number[] = [];
    for (let repeat = 0; repeat < options.coldLoadRepeats; repeat += 1) {
      samples.push(await timeColdLoad(target, name));
      await sleep(durable ? 1500 : 200);
    }
    if (!durable) seeder.destroy();
    results[`${mb}MB`] = round(median(samples));
  }
  return results;
}

async function runAppendCost(target: Target, options: CollabBenchOptions): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const [label, bytes] of [
    ['10KB', 10 * 1024],
    ['10MB', 10 * 1024 * 1024],
  ] as const) {
    const name = `append-${label}-${randomUUID().slice(0, 8)}`;
    const client = await seedDocument(target, name, documentOfSize(bytes));
    const samples: number[] = [];
    const acks = trackAcks(client, samples);
    const text = client.doc.getText('appended');
    for (let i = 0; i < options.appendSamples; i += 1) {
      acks.sent();
      text.insert(text.length, 'x');
      await waitFor(() => client.provider.unsyncedChanges === 0, 10_000);
    }
    client.destroy();
    results[label] = round(median(samples));
  }
  return results;
}

/**
 * With BENCH_CPU_PROFILE_DIR: the measured window's start, last edit and end, appended to
 * `windows.jsonl` there as one line per server, in microseconds of the monotonic clock that V8's
 * CPU profiles time their samples with, so that a profile can be read over the window only
 * (start-up and module loading are otherwise most of it). Several servers (bench/scale.ts) share
 * one window.
 */
export function profileWindowMarks(servers: Array<{ pid?: number | undefined; name: string }>) {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  const times: Record<string, number> = {};
  return {
    mark(name: 'start' | 'edited' | 'end') {
      times[name] = Number(process.hrtime.bigint() / 1000n);
      if (dir && name === 'end')
        appendFileSync(
          path.join(dir, 'windows.jsonl'),
          servers.map((server) => `${JSON.stringify({ pid: server.pid, name: server.name, ...times })}\n`).join(''),
        );
    },
  };
}

async function benchTarget(
  target: Target,
  options: CollabBenchOptions,
  durable: boolean,
  log: (line: string) => void,
): Promise<TargetResult> {
  const skipped: ProfileResult = {
    fanoutMs: { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN },
    deliveredPerSecond: Number.NaN,
    ackMs: { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN },
    edits: 0,
    editsPerSecondSent: 0,
    deliveries: 0,
    errors: 0,
    errorKinds: {},
  };
  log(`  ${target.name}: load profile…`);
  // Measured from the first edit until deliveries and acknowledgements have settled: connecting
  // (authentication, document loads) is not part of what an update costs.
  let cpuBefore = Number.NaN;
  let cpuAfter = Number.NaN;
  let cpuEdited = Number.NaN;
  let postgresEdited = Number.NaN;
  let commitsBefore: CommitCounters | undefined;
  let commitsAfter: CommitCounters | undefined;
  let sampler: ReturnType<typeof startResourceSampler> | undefined;
  let resources = { postgresCpuSeconds: Number.NaN, peakRssMb: Number.NaN };
  const marks = profileWindowMarks([target]);
  const profile = options.parts.includes('profile')
    ? await runProfile(target, options, {
        async start() {
          commitsBefore = await commitCounters(target.metricsUrl);
          sampler = startResourceSampler(target);
          await sampler.ready;
          cpuBefore = cpuSecondsOf(target.pid);
          marks.mark('start');
        },
        async edited() {
          cpuEdited = cpuSecondsOf(target.pid);
          marks.mark('edited');
          postgresEdited = (await sampler?.current()) ?? Number.NaN;
        },
        async end() {
          cpuAfter = cpuSecondsOf(target.pid);
          marks.mark('end');
          resources = (await sampler?.stop()) ?? resources;
          commitsAfter = await commitCounters(target.metricsUrl);
        },
      })
    : skipped;
  const cpuSeconds = cpuAfter - cpuBefore;
  const perDelivery = (seconds: number) => round((seconds * 1e6) / profile.deliveries);
  const diagnostics: ServerDiagnostics = {
    cpuSeconds: round(cpuSeconds),
    postgresCpuSeconds: round(resources.postgresCpuSeconds),
    cpuPerDeliveryUs: {
      server: perDelivery(cpuSeconds),
      postgres: perDelivery(resources.postgresCpuSeconds),
      total: perDelivery(cpuSeconds + resources.postgresCpuSeconds),
    },
    peakRssMb: round(resources.peakRssMb),
    cpuPerDeliveryWhileEditingUs: {
      server: perDelivery(cpuEdited - cpuBefore),
      postgres: perDelivery(postgresEdited),
      total: perDelivery(cpuEdited - cpuBefore + postgresEdited),
    },
  };
  if (commitsBefore && commitsAfter) {
    const commits = commitsAfter.count - commitsBefore.count;
    diagnostics.commits = commits;
    diagnostics.meanCommitMs = round(((commitsAfter.sum - commitsBefore.sum) / commits) * 1000);
    diagnostics.rowsPerCommit = round((commitsAfter.rows - commitsBefore.rows) / commits);
    diagnostics.slowCommits = commits - (commitsAfter.within25ms - commitsBefore.within25ms);
    diagnostics.compactions = commitsAfter.compactions - commitsBefore.compactions;
    diagnostics.meanCompactionMs = round(
      ((commitsAfter.compactionSum - commitsBefore.compactionSum) / diagnostics.compactions) * 1000,
    );
    diagnostics.eventLoopDelayMs = {
      p99: round(commitsAfter.loopDelayP99 * 1000),
      max: round(commitsAfter.loopDelayMax * 1000),
    };
    const mb = (bytes: number) => round(bytes / 1024 / 1024);
    diagnostics.heapMb = {
      used: mb(commitsAfter.heapUsed),
      total: mb(commitsAfter.heapTotal),
      external: mb(commitsAfter.external),
    };
  }
  log(`  ${target.name}: cold loads…`);
  const coldLoadMs = options.parts.includes('cold') ? await runColdLoads(target, options, durable) : {};
  log(`  ${target.name}: append cost…`);
  const appendMs = options.parts.includes('append') ? await runAppendCost(target, options) : {};
  return { profile, diagnostics, coldLoadMs, appendMs };
}

export interface CollabBenchReport {
  /** 'p1' or 'p2' (CollabBenchOptions.profiles). */
  profile: 'p1' | 'p2';
  options: Omit<CollabBenchOptions, 'postgresUrl'>;
  ours: TargetResult;
  plain: TargetResult;
  ratios: Record<string, number>;
  targets: Record<string, { value: number; limit: string; met: boolean }>;
}

/** Every profile in `options.profiles`, each against plain Hocuspocus and then this server. */
export async function runCollabBench(
  options: CollabBenchOptions,
  log: (line: string) => void = console.log,
): Promise<CollabBenchReport[]> {
  const reports: CollabBenchReport[] = [];
  for (const [index, profile] of options.profiles.entries()) {
    const profileOptions: CollabBenchOptions =
      profile === 'p2' ? { ...options, ...P2_PROFILE, seconds: options.p2Seconds } : { ...options };
    // Cold loads and append costs do not depend on the profile: measured once.
    if (index > 0) profileOptions.parts = profileOptions.parts.filter((part) => part === 'profile');
    reports.push(await runCollabBenchProfile(profile, profileOptions, log));
  }
  return reports;
}

async function runCollabBenchProfile(
  profile: 'p1' | 'p2',
  options: CollabBenchOptions,
  log: (line: string) => void,
): Promise<CollabBenchReport> {
  log(
    `collab bench ${profile.toUpperCase()}: ${options.clients} clients / ${options.documents} docs / ${options.editsPerSecond} edits/s each / ${options.seconds} s`,
  );
  const plainTarget = await startPlainHocuspocus();
  let plain: TargetResult;
  try {
    plain = await benchTarget(plainTarget, options, false, log);
  } finally {
    await plainTarget.stop();
  }
  const oursTarget = await startThisServer(options.postgresUrl, options.serverEnv);
  let ours: TargetResult;
  try {
    ours = await benchTarget(oursTarget, options, true, log);
  } finally {
    await oursTarget.stop();
  }
  const ratio = (a: number, b: number) => round(a / b);
  const ratios: Record<string, number> = {
    'delivered/s (ours/plain)': ratio(ours.profile.deliveredPerSecond, plain.profile.deliveredPerSecond),
    'fan-out p99 (ours/plain)': ratio(ours.profile.fanoutMs.p99, plain.profile.fanoutMs.p99),
    'fan-out p50 (ours/plain)': ratio(ours.profile.fanoutMs.p50, plain.profile.fanoutMs.p50),
    'ack p99 (ours/plain)': ratio(ours.profile.ackMs.p99, plain.profile.ackMs.p99),
    'CPU/delivery server (ours/plain)': ratio(
      ours.diagnostics.cpuPerDeliveryUs.server,
      plain.diagnostics.cpuPerDeliveryUs.server,
    ),
    'CPU/delivery server+PG (ours/plain)': ratio(
      ours.diagnostics.cpuPerDeliveryUs.total,
      plain.diagnostics.cpuPerDeliveryUs.total,
    ),
    'CPU/delivery server+PG until the last edit (ours/plain)': ratio(
      ours.diagnostics.cpuPerDeliveryWhileEditingUs.total,
      plain.diagnostics.cpuPerDeliveryWhileEditingUs.total,
    ),
    'peak RSS (ours/plain)': ratio(ours.diagnostics.peakRssMb, plain.diagnostics.peakRssMb),
  };
  for (const size of Object.keys(ours.coldLoadMs))
    ratios[`cold load ${size} (ours/plain)`] = ratio(ours.coldLoadMs[size]!, plain.coldLoadMs[size]!);
  if (ours.appendMs['10MB'] !== undefined)
    ratios['append 10MB/10KB doc (ours)'] = ratio(ours.appendMs['10MB']!, ours.appendMs['10KB']!);
  const targets: CollabBenchReport['targets'] = {};
  const target = (name: string, value: number, limit: string, met: boolean) => {
    targets[name] = { value, limit, met };
  };
  // Only the targets of the parts that ran (BENCH_PARTS).
  if (options.parts.includes('profile')) {
    const delivered = ratios['delivered/s (ours/plain)']!;
    target('delivered throughput ≥ 0.9× plain', delivered, '≥ 0.9', delivered >= 0.9);
    const p99 = ratios['fan-out p99 (ours/plain)']!;
    target('p99 fan-out ≤ 1.5× plain', p99, '≤ 1.5', p99 <= 1.5);
    const p50 = ratios['fan-out p50 (ours/plain)']!;
    target('p50 fan-out ≤ 1.1× plain', p50, '≤ 1.1', p50 <= 1.1);
    target('zero errors', ours.profile.errors, '= 0', ours.profile.errors === 0);
    target('edit → durable ack p99 ≤ 30 ms', ours.profile.ackMs.p99, '≤ 30 ms', ours.profile.ackMs.p99 <= 30);
    const cpu = ratios['CPU/delivery server+PG (ours/plain)']!;
    target('CPU per delivery (server + PostgreSQL) ≤ 1.15× plain', cpu, '≤ 1.15', cpu <= 1.15);
    if (profile === 'p2') {
      const rss = ratios['peak RSS (ours/plain)']!;
      target('peak RSS ≤ 1.5× plain', rss, '≤ 1.5', rss <= 1.5);
    }
  }
  if (ratios['cold load 10MB (ours/plain)'] !== undefined) {
    const cold = ratios['cold load 10MB (ours/plain)']!;
    target('cold load 10 MB ≤ 1.5× plain', cold, '≤ 1.5', cold <= 1.5);
  }
  const { postgresUrl: _omit, ...shown } = options;
  const report: CollabBenchReport = { profile, options: shown, ours, plain, ratios, targets };
  log(formatReport(report));
  return report;
}

function formatReport(report: CollabBenchReport): string {
  const row = (label: string, ours: unknown, plain: unknown) =>
    `  ${label.padEnd(28)} ${String(ours).padStart(14)} ${String(plain).padStart(14)}`;
  const { ours, plain } = report;
  const lines = [
    '',
    `  ${report.profile.toUpperCase()}`,
    row('', 'ours (PG)', 'plain (memory)'),
    row(
      'fan-out p50 / p95 / p99 ms',
      `${ours.profile.fanoutMs.p50}/${ours.profile.fanoutMs.p95}/${ours.profile.fanoutMs.p99}`,
      `${plain.profile.fanoutMs.p50}/${plain.profile.fanoutMs.p95}/${plain.profile.fanoutMs.p99}`,
    ),
    row('delivered updates/s', ours.profile.deliveredPerSecond, plain.profile.deliveredPerSecond),
    row(
      'edit → ack p50 / p95 / p99 ms',
      `${ours.profile.ackMs.p50}/${ours.profile.ackMs.p95}/${ours.profile.ackMs.p99}`,
      `${plain.profile.ackMs.p50}/${plain.profile.ackMs.p95}/${plain.profile.ackMs.p99}`,
    ),
    row(
      'edits sent (per second)',
      `${ours.profile.edits} (${ours.profile.editsPerSecondSent})`,
      `${plain.profile.edits} (${plain.profile.editsPerSecondSent})`,
    ),
    row('server CPU s during profile', ours.diagnostics.cpuSeconds, plain.diagnostics.cpuSeconds),
    row('PostgreSQL backends CPU s', ours.diagnostics.postgresCpuSeconds, plain.diagnostics.postgresCpuSeconds),
    row(
      'CPU µs/delivery srv/PG/sum',
      `${ours.diagnostics.cpuPerDeliveryUs.server}/${ours.diagnostics.cpuPerDeliveryUs.postgres}/${ours.diagnostics.cpuPerDeliveryUs.total}`,
      `${plain.diagnostics.cpuPerDeliveryUs.server}/${plain.diagnostics.cpuPerDeliveryUs.postgres}/${plain.diagnostics.cpuPerDeliveryUs.total}`,
    ),
    row(
      '… until the last edit',
      `${ours.diagnostics.cpuPerDeliveryWhileEditingUs.server}/${ours.diagnostics.cpuPerDeliveryWhileEditingUs.postgres}/${ours.diagnostics.cpuPerDeliveryWhileEditingUs.total}`,
      `${plain.diagnostics.cpuPerDeliveryWhileEditingUs.server}/${plain.diagnostics.cpuPerDeliveryWhileEditingUs.postgres}/${plain.diagnostics.cpuPerDeliveryWhileEditingUs.total}`,
    ),
    row('peak RSS MB during profile', ours.diagnostics.peakRssMb, plain.diagnostics.peakRssMb),
    row(
      'log commits (mean ms, rows)',
      `${ours.diagnostics.commits} (${ours.diagnostics.meanCommitMs}, ${ours.diagnostics.rowsPerCommit})`,
      '-',
    ),
    row('log commits over 25 ms', ours.diagnostics.slowCommits, '-'),
    row('compactions (mean ms)', `${ours.diagnostics.compactions} (${ours.diagnostics.meanCompactionMs})`, '-'),
    row(
      'event-loop delay p99 / max ms',
      `${ours.diagnostics.eventLoopDelayMs?.p99} / ${ours.diagnostics.eventLoopDelayMs?.max}`,
      '-',
    ),
    row(
      'heap used / committed / external MB at the end',
      `${ours.diagnostics.heapMb?.used} / ${ours.diagnostics.heapMb?.total} / ${ours.diagnostics.heapMb?.external}`,
      '-',
    ),
    row(
      'errors',
      `${ours.profile.errors} ${JSON.stringify(ours.profile.errorKinds)}`,
      `${plain.profile.errors} ${JSON.stringify(plain.profile.errorKinds)}`,
    ),
    ...Object.keys(ours.coldLoadMs).map((size) =>
      row(`cold load ${size} ms (median)`, ours.coldLoadMs[size], plain.coldLoadMs[size]),
    ),
    ...Object.keys(ours.appendMs).map((size) =>
      row(`small edit ack on ${size} doc ms`, ours.appendMs[size], plain.appendMs[size]),
    ),
    '',
    '  ratios:',
    ...Object.entries(report.ratios).map(([name, value]) => `    ${name.padEnd(34)} ${value}`),
    '',
    '  targets:',
    ...Object.entries(report.targets).map(
      ([name, target]) => `    ${target.met ? 'MET ' : 'MISS'} ${name} (${target.value})`,
    ),
    '',
  ];
  return lines.join('\n');
}
