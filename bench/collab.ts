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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import postgres from 'postgres';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
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
}

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
  /** Log commits during the profile, their mean duration and rows per commit (this server). */
  commits?: number;
  meanCommitMs?: number;
  rowsPerCommit?: number;
  /** Log commits that took longer than 25 ms (what an acknowledgement's tail waits on). */
  slowCommits?: number;
  /** Compactions during the profile and their mean duration. */
  compactions?: number;
  meanCompactionMs?: number;
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

interface CommitCounters {
  sum: number;
  count: number;
  rows: number;
  within25ms: number;
  compactionSum: number;
  compactions: number;
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
  const child = spawn(
    process.execPath,
    [...profile, '--experimental-strip-types', '--no-warnings=ExperimentalWarning', ...args],
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
        child.stdout?.resume();
        child.stderr?.resume();
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

async function startThisServer(postgresUrl: string): Promise<Target> {
  const name = `fl_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-'));
  const { child, port } = await startChild(
    ['src/main.ts'],
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
export async function runProfile(target: Target, options: CollabBenchOptions): Promise<ProfileResult> {
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
    const started = Date.now();
    for (const worker of workers)
      worker.send({ type: 'start', untilEpochMs: performance.timeOrigin + performance.now() + options.seconds * 1000 });
    await Promise.all(edited);
    const elapsedSeconds = (Date.now() - started) / 1000;
    await sleep(3000);
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
  const cpuBefore = cpuSecondsOf(target.pid);
  const commitsBefore = await commitCounters(target.metricsUrl);
  const profile = options.parts.includes('profile') ? await runProfile(target, options) : skipped;
  const diagnostics: ServerDiagnostics = { cpuSeconds: round(cpuSecondsOf(target.pid) - cpuBefore) };
  const commitsAfter = await commitCounters(target.metricsUrl);
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
  }
  log(`  ${target.name}: cold loads…`);
  const coldLoadMs = options.parts.includes('cold') ? await runColdLoads(target, options, durable) : {};
  log(`  ${target.name}: append cost…`);
  const appendMs = options.parts.includes('append') ? await runAppendCost(target, options) : {};
  return { profile, diagnostics, coldLoadMs, appendMs };
}

export interface CollabBenchReport {
  options: Omit<CollabBenchOptions, 'postgresUrl'>;
  ours: TargetResult;
  plain: TargetResult;
  ratios: Record<string, number>;
  targets: Record<string, { value: number; limit: string; met: boolean }>;
}

export async function runCollabBench(
  options: CollabBenchOptions,
  log: (line: string) => void = console.log,
): Promise<CollabBenchReport> {
  log(
    `collab bench: ${options.clients} clients / ${options.documents} docs / ${options.editsPerSecond} edits/s each / ${options.seconds} s`,
  );
  const plainTarget = await startPlainHocuspocus();
  let plain: TargetResult;
  try {
    plain = await benchTarget(plainTarget, options, false, log);
  } finally {
    await plainTarget.stop();
  }
  const oursTarget = await startThisServer(options.postgresUrl);
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
  };
  for (const size of Object.keys(ours.coldLoadMs))
    ratios[`cold load ${size} (ours/plain)`] = ratio(ours.coldLoadMs[size]!, plain.coldLoadMs[size]!);
  ratios['append 10MB/10KB doc (ours)'] = ratio(ours.appendMs['10MB']!, ours.appendMs['10KB']!);
  const targets: CollabBenchReport['targets'] = {};
  // Only the targets of the parts that ran (BENCH_PARTS).
  if (options.parts.includes('profile')) {
    targets['delivered throughput ≥ 0.9× plain'] = {
      value: ratios['delivered/s (ours/plain)']!,
      limit: '≥ 0.9',
      met: ratios['delivered/s (ours/plain)']! >= 0.9,
    };
    targets['p99 fan-out ≤ 1.5× plain'] = {
      value: ratios['fan-out p99 (ours/plain)']!,
      limit: '≤ 1.5',
      met: ratios['fan-out p99 (ours/plain)']! <= 1.5,
    };
    targets['zero errors'] = { value: ours.profile.errors, limit: '= 0', met: ours.profile.errors === 0 };
    targets['edit → durable ack p99 ≤ 50 ms'] = {
      value: ours.profile.ackMs.p99,
      limit: '≤ 50 ms',
      met: ours.profile.ackMs.p99 <= 50,
    };
  }
  if (ratios['cold load 10MB (ours/plain)'] !== undefined) {
    targets['cold load 10 MB ≤ 1.5× plain'] = {
      value: ratios['cold load 10MB (ours/plain)']!,
      limit: '≤ 1.5',
      met: ratios['cold load 10MB (ours/plain)']! <= 1.5,
    };
  }
  const { postgresUrl: _omit, ...shown } = options;
  const report: CollabBenchReport = { options: shown, ours, plain, ratios, targets };
  log(formatReport(report));
  return report;
}

function formatReport(report: CollabBenchReport): string {
  const row = (label: string, ours: unknown, plain: unknown) =>
    `  ${label.padEnd(28)} ${String(ours).padStart(14)} ${String(plain).padStart(14)}`;
  const { ours, plain } = report;
  const lines = [
    '',
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
    row(
      'log commits (mean ms, rows)',
      `${ours.diagnostics.commits} (${ours.diagnostics.meanCommitMs}, ${ours.diagnostics.rowsPerCommit})`,
      '-',
    ),
    row('log commits over 25 ms', ours.diagnostics.slowCommits, '-'),
    row('compactions (mean ms)', `${ours.diagnostics.compactions} (${ours.diagnostics.meanCompactionMs})`, '-'),
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
