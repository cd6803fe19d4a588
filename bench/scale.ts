// Scale-out benchmark (issue 8), measured side by side in one run:
//
//   profile : the collaboration load profile of bench/collab.ts (C clients over D documents, R edits
//             per second each) against one instance, one instance with the Redis relay on, and two
//             instances through Redis with each document's clients alternating between them, so
//             every edit crosses Redis to half its readers. Delivered updates/s and fan-out p99.
//   memory  : server memory slopes (live heap + buffers after a full GC forced through the V8
//             inspector, and RSS) per idle connection (1k connections over a few documents) and per
//             loaded document (100 documents of ~100 KB, one connection each; the per-connection
//             cost is subtracted for the net figure).
//
// Servers run as child processes on scratch PostgreSQL databases; Redis keys use a scratch prefix.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import postgres from 'postgres';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  collabBenchOptionsFromEnv,
  documentOfSize,
  profileWindowMarks,
  runProfile,
  startChild,
  stopChild,
  type CollabBenchOptions,
  type ProfileResult,
} from './collab.ts';

export interface ScaleBenchOptions {
  profile: CollabBenchOptions;
  redisUrl: string;
  idleConnections: number;
  /** Documents the idle connections are spread over. */
  idleDocuments: number;
  loadedDocuments: number;
  documentBytes: number;
  /** Measurement points after the baseline. */
  memorySteps: number;
  /** Each configuration's profile runs this many times, interleaved; medians are reported. */
  repeats: number;
  /**
   * Only the two-instance profile, and no memory part (BENCH_SCALE_TWO_ONLY=1): quick alternating
   * runs of two builds of the relay, read from each run's line (docs/benchmarks.md, "Scale-out").
   */
  twoOnly: boolean;
}

export function scaleBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ScaleBenchOptions {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    profile: collabBenchOptionsFromEnv(env),
    redisUrl: env.BENCH_REDIS_URL ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    idleConnections: number('BENCH_IDLE_CONNECTIONS', 1000),
    idleDocuments: number('BENCH_IDLE_DOCS', 10),
    loadedDocuments: number('BENCH_LOADED_DOCS', 100),
    documentBytes: number('BENCH_DOC_KB', 100) * 1024,
    memorySteps: number('BENCH_MEMORY_STEPS', 4),
    repeats: number('BENCH_REPEATS', 1),
    twoOnly: env.BENCH_SCALE_TWO_ONLY === '1',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 100) / 100;

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `fl_scale_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

interface Instance {
  child: ChildProcess;
  url: string;
  collabUrl: string;
  /** Set when started for memory measurements: the V8 inspector's port. */
  inspectPort: number | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startInstance(databaseUrl: string, env: Record<string, string>, inspect = false): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-scale-'));
  const inspectPort = inspect ? await freePort() : undefined;
  const { child, port } = await startChild(
    [...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []), 'src/main.ts'],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info',
      ...env,
    },
    /"port":(\d+)[^\n]*"msg":"server listening"/,
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    collabUrl: `ws://127.0.0.1:${port}/collab`,
    inspectPort,
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function registerToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `scale-${randomUUID()}@example.com`,
      password: `pw-${randomUUID()}`,
      full_name: 'Scale',
    }),
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: { access_token: string } }).data.access_token;
}

/** Starts one more instance on the same database and settings; stopped with the others. */
type StartAnother = () => Promise<Instance>;

/** N instances on one scratch database (with the Redis relay when `redis`), for the time of `use`. */
async function withInstances<T>(
  options: ScaleBenchOptions,
  count: number,
  redis: boolean,
  use: (instances: Instance[], token: string, startAnother: StartAnother) => Promise<T>,
  inspect = false,
): Promise<T> {
  const database = await createScratchDatabase(options.profile.postgresUrl);
  const shared = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...(redis ? { REDIS_URL: options.redisUrl, REDIS_PREFIX: `flbench-${randomBytes(4).toString('hex')}` } : {}),
  };
  const instances: Instance[] = [];
  const startAnother = async () => {
    const instance = await startInstance(database.url, shared, inspect);
    instances.push(instance);
    return instance;
  };
  try {
    // One after the other: the first runs the migrations.
    for (let index = 0; index < count; index += 1) await startAnother();
    return await use([...instances], await registerToken(instances[0]!.url), startAnother);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await database.drop();
  }
}

// --- memory -------------------------------------------------------------------------------------

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]) * 1024;
}

interface MemoryPoint {
  /** Connections or documents. */
  count: number;
  rss: number;
  /** V8 heap in use plus memory outside it (buffers) right after a full garbage collection. */
  live: number;
}

/** The V8 inspector of a server process: forces a full GC, then reads process.memoryUsage(). */
async function measureMemory(instance: Instance): Promise<Omit<MemoryPoint, 'count'>> {
  const targets = (await (await fetch(`http://127.0.0.1:${instance.inspectPort}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const answers = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id) answers.get(message.id)?.(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      answers.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await sleep(1000);
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const evaluated = (await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(evaluated.result.value) as { heapUsed: number; external: number };
    await sleep(500);
    return { rss: rssBytes(instance.child.pid!), live: usage.heapUsed + usage.external };
  } finally {
    ws.close();
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const numerator = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const denominator = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return numerator / denominator;
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

interface Client {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  destroy(): void;
}

function connect(collabUrl: string, token: string, name: string, doc = new Y.Doc()): Client {
  const socket = new HocuspocusProviderWebsocket({ url: collabUrl, WebSocketPolyfill: WebSocket });
  const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc, awareness: null });
  provider.attach();
  return {
    provider,
    socket,
    destroy() {
      provider.destroy();
      socket.destroy();
    },
  };
}

/** Opens clients in small batches (a stampede would measure the server's connect path instead). */
async function openClients(open: Array<() => Client>, into: Client[]): Promise<void> {
  for (let start = 0; start < open.length; start += 50) {
    const batch = open.slice(start, start + 50).map((make) => make());
    into.push(...batch);
    await waitFor(() => batch.every((client) => client.provider.isSynced), 120_000, 'clients to sync');
  }
}

export interface MemoryResult {
  points: MemoryPoint[];
  /** Slopes in bytes per connection or document. */
  livePerUnit: number;
  rssPerUnit: number;
}

function memoryResult(points: MemoryPoint[]): MemoryResult {
  return {
    points,
    livePerUnit: slope(points.map((point) => [point.count, point.live])),
    rssPerUnit: slope(points.map((point) => [point.count, point.rss])),
  };
}

async function recordPoint(
  instance: Instance,
  count: number,
  what: string,
  points: MemoryPoint[],
  log: (line: string) => void,
): Promise<void> {
  const point = { count, ...(await measureMemory(instance)) };
  points.push(point);
  log(`    ${count} ${what}: live ${mb(point.live)} MB, RSS ${mb(point.rss)} MB`);
}

async function memoryPerIdleConnection(options: ScaleBenchOptions, log: (line: string) => void): Promise<MemoryResult> {
  return withInstances(
    options,
    1,
    false,
    async ([instance], token) => {
      const names = Array.from({ length: options.idleDocuments }, (_, index) => `idle-${index}`);
      const clients: Client[] = [];
      // Load the documents first, so the slope counts connections only.
      await openClients(
        names.map((name) => () => connect(instance!.collabUrl, token, name)),
        clients,
      );
      const points: MemoryPoint[] = [];
      await recordPoint(instance!, clients.length, 'idle connections', points, log);
      const perStep = Math.ceil((options.idleConnections - clients.length) / options.memorySteps);
      try {
        while (clients.length < options.idleConnections) {
          const count = Math.min(perStep, options.idleConnections - clients.length);
          const offset = clients.length;
          await openClients(
            Array.from(
              { length: count },
              (_, index) => () => connect(instance!.collabUrl, token, names[(offset + index) % names.length]!),
            ),
            clients,
          );
          await recordPoint(instance!, clients.length, 'idle connections', points, log);
        }
      } finally {
        for (const client of clients) client.destroy();
      }
      return memoryResult(points);
    },
    true,
  );
}

async function memoryPerLoadedDocument(
  options: ScaleBenchOptions,
  log: (line: string) => void,
): Promise<MemoryResult & { documentBytes: number }> {
  return withInstances(
    options,
    1,
    false,
    async ([seeding], token, startAnother) => {
      const names = Array.from({ length: options.loadedDocuments }, (_, index) => `loaded-${index}`);
      const source = documentOfSize(options.documentBytes);
      const documentBytes = Y.encodeStateAsUpdate(source).length;
      // Seed every document through one process, then measure on a fresh one: the seeding process's
      // heap, grown by the uploads, would otherwise absorb the documents loaded afterwards.
      for (let start = 0; start < names.length; start += 10) {
        const seeders = names.slice(start, start + 10).map((name) => {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
          return connect(seeding!.collabUrl, token, name, doc);
        });
        await waitFor(
          () => seeders.every((seeder) => seeder.provider.isSynced && seeder.provider.unsyncedChanges === 0),
          120_000,
          'seeding',
        );
        for (const seeder of seeders) seeder.destroy();
      }
      await seeding!.stop();
      return measureLoadedDocuments(await startAnother(), token, names, options, log, documentBytes);
    },
    true,
  );
}

async function measureLoadedDocuments(
  instance: Instance,
  token: string,
  names: string[],
  options: ScaleBenchOptions,
  log: (line: string) => void,
  documentBytes: number,
): Promise<MemoryResult & { documentBytes: number }> {
  const loadedNow = async () =>
    Number(/^collab_loaded_documents (\S+)$/m.exec(await (await fetch(`${instance.url}/metrics`)).text())?.[1] ?? NaN);
  const clients: Client[] = [];
  const points: MemoryPoint[] = [];
  await recordPoint(instance, 0, 'loaded documents', points, log);
  const perStep = Math.ceil(names.length / options.memorySteps);
  try {
    while (clients.length < names.length) {
      const batch = names.slice(clients.length, clients.length + perStep);
      await openClients(
        batch.map((name) => () => connect(instance.collabUrl, token, name)),
        clients,
      );
      await recordPoint(instance, clients.length, 'loaded documents', points, log);
    }
    if ((await loadedNow()) !== names.length)
      throw new Error(`expected ${names.length} loaded documents, the server reports ${await loadedNow()}`);
  } finally {
    for (const client of clients) client.destroy();
  }
  return { ...memoryResult(points), documentBytes };
}

function medianOf(numbers: number[]): number {
  const values = [...numbers].sort((a, b) => a - b);
  return values.length % 2
    ? values[(values.length - 1) / 2]!
    : round((values[values.length / 2 - 1]! + values[values.length / 2]!) / 2);
}

/** CPU time (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Each figure's median over the runs; counts and errors summed. */
function medianProfile(runs: ProfileResult[]): ProfileResult {
  const median = (pick: (result: ProfileResult) => number) => medianOf(runs.map(pick));
  const errorKinds: Record<string, number> = {};
  for (const run of runs)
    for (const [kind, count] of Object.entries(run.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
  return {
    fanoutMs: {
      p50: median((r) => r.fanoutMs.p50),
      p95: median((r) => r.fanoutMs.p95),
      p99: median((r) => r.fanoutMs.p99),
    },
    deliveredPerSecond: median((r) => r.deliveredPerSecond),
    ackMs: { p50: median((r) => r.ackMs.p50), p95: median((r) => r.ackMs.p95), p99: median((r) => r.ackMs.p99) },
    edits: median((r) => r.edits),
    editsPerSecondSent: median((r) => r.editsPerSecondSent),
    deliveries: median((r) => r.deliveries),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    errorKinds,
  };
}

// --- report -------------------------------------------------------------------------------------

export interface ScaleBenchReport {
  options: Omit<ScaleBenchOptions, 'profile'> & { profile: Omit<CollabBenchOptions, 'postgresUrl'> };
  /** Medians over `repeats` interleaved runs (errors summed). */
  oneInstance: ProfileResult;
  oneInstanceWithRedis: ProfileResult;
  twoInstances: ProfileResult;
  /** CPU time of all server processes during the profile, per edit made (median over the runs). */
  serverCpuMsPerEdit: { oneInstance: number; oneInstanceWithRedis: number; twoInstances: number };
  ratios: Record<string, number>;
  /** KB per unit: `live` = heap + buffers after a full GC, `rss` = resident set; slopes. */
  memory: {
    perIdleConnection: { liveKb: number; rssKb: number };
    /** With its one connection. */
    perLoadedDocument: { liveKb: number; rssKb: number };
    /** Minus one idle connection's share. */
    perLoadedDocumentNet: { liveKb: number; rssKb: number };
    documentEncodedKb: number;
    idlePoints: MemoryPoint[];
    loadedPoints: MemoryPoint[];
  };
}

/** The full report; null with `twoOnly`, whose result is the lines logged per run. */
export async function runScaleBench(
  options: ScaleBenchOptions,
  log: (line: string) => void = console.log,
): Promise<ScaleBenchReport | null> {
  const { profile } = options;
  log(
    `scale bench: ${profile.clients} clients / ${profile.documents} docs / ${profile.editsPerSecond} edits/s each / ${profile.seconds} s`,
  );
  const configurations = [
    { label: 'one instance', count: 1, redis: false, runs: [] as ProfileResult[], cpu: [] as number[] },
    { label: 'one instance + Redis relay', count: 1, redis: true, runs: [] as ProfileResult[], cpu: [] as number[] },
    { label: 'two instances through Redis', count: 2, redis: true, runs: [] as ProfileResult[], cpu: [] as number[] },
  ];
  // Interleaved, so a change in the machine's load hits every configuration alike.
  for (let repeat = 1; repeat <= options.repeats; repeat += 1) {
    for (const configuration of options.twoOnly ? configurations.slice(2) : configurations) {
      const { result, cpuSeconds, editingCpuSeconds } = await withInstances(
        options,
        configuration.count,
        configuration.redis,
        async (instances, token) => {
          log(`  ${configuration.label}: load profile (run ${repeat} of ${options.repeats})…`);
          const cpuNow = () => instances.reduce((sum, instance) => sum + cpuSecondsOf(instance.child.pid!), 0);
          const before = cpuNow();
          // With BENCH_CPU_PROFILE_DIR, each instance's profile can be read over the edits alone.
          const marks = profileWindowMarks(
            instances.map((instance, index) => ({
              pid: instance.child.pid,
              name: `${configuration.label} #${index + 1}`,
            })),
          );
          let editing = { from: Number.NaN, to: Number.NaN };
          const result = await runProfile(
            {
              name: configuration.label,
              collabUrl: instances[0]!.collabUrl,
              collabUrls: instances.map((instance) => instance.collabUrl),
              token,
              stop: async () => {},
            },
            profile,
            {
              async start() {
                editing = { from: cpuNow(), to: Number.NaN };
                marks.mark('start');
              },
              async edited() {
                editing.to = cpuNow();
                marks.mark('edited');
              },
              async end() {
                marks.mark('end');
              },
            },
          );
          // Every server process together: what the work cost, whatever the machine's other load.
          return { result, cpuSeconds: cpuNow() - before, editingCpuSeconds: editing.to - editing.from };
        },
      );
      const cpuMsPerEdit = round((cpuSeconds * 1000) / result.edits);
      // Only while the edits run: without the clients' connects and loads before, nor the stores after.
      const editingCpuMsPerEdit = round((editingCpuSeconds * 1000) / result.edits);
      log(
        `    delivered/s ${result.deliveredPerSecond}, fan-out p50/p99 ${result.fanoutMs.p50}/${result.fanoutMs.p99} ms, server CPU ${cpuMsPerEdit} ms/edit (${editingCpuMsPerEdit} while editing), errors ${result.errors}`,
      );
      configuration.runs.push(result);
      configuration.cpu.push(cpuMsPerEdit);
    }
  }
  if (options.twoOnly) return null;
  const [oneInstance, oneInstanceWithRedis, twoInstances] = configurations.map((configuration) =>
    medianProfile(configuration.runs),
  ) as [ProfileResult, ProfileResult, ProfileResult];
  const [cpuOne, cpuOneWithRedis, cpuTwo] = configurations.map((configuration) => medianOf(configuration.cpu)) as [
    number,
    number,
    number,
  ];

  log('  memory per idle connection…');
  const idle = await memoryPerIdleConnection(options, log);
  log('  memory per loaded document…');
  const loaded = await memoryPerLoadedDocument(options, log);

  const ratio = (a: number, b: number) => round(a / b);
  const { postgresUrl: _omit, ...shownProfile } = profile;
  const report: ScaleBenchReport = {
    options: { ...options, profile: shownProfile },
    oneInstance,
    oneInstanceWithRedis,
    twoInstances,
    serverCpuMsPerEdit: { oneInstance: cpuOne, oneInstanceWithRedis: cpuOneWithRedis, twoInstances: cpuTwo },
    ratios: {
      'server CPU per edit (two/one)': ratio(cpuTwo, cpuOne),
      'delivered/s (two/one)': ratio(twoInstances.deliveredPerSecond, oneInstance.deliveredPerSecond),
      'fan-out p99 (two/one)': ratio(twoInstances.fanoutMs.p99, oneInstance.fanoutMs.p99),
      'fan-out p50 (two/one)': ratio(twoInstances.fanoutMs.p50, oneInstance.fanoutMs.p50),
      'ack p99 (two/one)': ratio(twoInstances.ackMs.p99, oneInstance.ackMs.p99),
      'delivered/s (one+Redis/one)': ratio(oneInstanceWithRedis.deliveredPerSecond, oneInstance.deliveredPerSecond),
      'fan-out p99 (one+Redis/one)': ratio(oneInstanceWithRedis.fanoutMs.p99, oneInstance.fanoutMs.p99),
    },
    memory: {
      perIdleConnection: { liveKb: round(idle.livePerUnit / 1024), rssKb: round(idle.rssPerUnit / 1024) },
      perLoadedDocument: { liveKb: round(loaded.livePerUnit / 1024), rssKb: round(loaded.rssPerUnit / 1024) },
      perLoadedDocumentNet: {
        liveKb: round((loaded.livePerUnit - idle.livePerUnit) / 1024),
        rssKb: round((loaded.rssPerUnit - idle.rssPerUnit) / 1024),
      },
      documentEncodedKb: round(loaded.documentBytes / 1024),
      idlePoints: idle.points,
      loadedPoints: loaded.points,
    },
  };
  log(formatReport(report));
  return report;
}

function formatReport(report: ScaleBenchReport): string {
  const columns = [report.oneInstance, report.oneInstanceWithRedis, report.twoInstances];
  const row = (label: string, values: unknown[]) =>
    `  ${label.padEnd(30)}${values.map((value) => String(value).padStart(20)).join('')}`;
  const triple = (pick: (result: ProfileResult) => { p50: number; p95: number; p99: number }) =>
    columns.map((result) => `${pick(result).p50}/${pick(result).p95}/${pick(result).p99}`);
  const { memory } = report;
  return [
    '',
    row('', ['one instance', 'one + Redis relay', 'two via Redis']),
    row(
      'delivered updates/s',
      columns.map((result) => result.deliveredPerSecond),
    ),
    row(
      'fan-out p50/p95/p99 ms',
      triple((result) => result.fanoutMs),
    ),
    row(
      'edit → ack p50/p95/p99 ms',
      triple((result) => result.ackMs),
    ),
    row(
      'edits sent (per second)',
      columns.map((result) => `${result.edits} (${result.editsPerSecondSent})`),
    ),
    row('server CPU ms per edit', [
      report.serverCpuMsPerEdit.oneInstance,
      report.serverCpuMsPerEdit.oneInstanceWithRedis,
      report.serverCpuMsPerEdit.twoInstances,
    ]),
    row(
      'errors',
      columns.map((result) => `${result.errors} ${result.errors ? JSON.stringify(result.errorKinds) : ''}`.trim()),
    ),
    '',
    '  ratios:',
    ...Object.entries(report.ratios).map(([name, value]) => `    ${name.padEnd(32)} ${value}`),
    '',
    '  memory (slopes; live = V8 heap + buffers after a full GC, RSS = resident set):',
    `    per idle connection            live ${memory.perIdleConnection.liveKb} KB, RSS ${memory.perIdleConnection.rssKb} KB`,
    `    per loaded document            live ${memory.perLoadedDocument.liveKb} KB, RSS ${memory.perLoadedDocument.rssKb} KB (with its connection)`,
    `                                   live ${memory.perLoadedDocumentNet.liveKb} KB, RSS ${memory.perLoadedDocumentNet.rssKb} KB net; the document encodes to ${memory.documentEncodedKb} KB`,
    `    idle points (n: live/RSS MB)   ${memory.idlePoints.map((point) => `${point.count}: ${mb(point.live)}/${mb(point.rss)}`).join(', ')}`,
    `    loaded points (n: live/RSS MB) ${memory.loadedPoints.map((point) => `${point.count}: ${mb(point.live)}/${mb(point.rss)}`).join(', ')}`,
    '',
  ].join('\n');
}
