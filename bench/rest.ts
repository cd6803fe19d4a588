// REST benchmark (issue 6): `GET /contacts?per_page=50` and `POST /contacts` at 32 connections
// (autocannon), against this server and against a bare node:http + postgres.js handler running the
// same SQL (bench/rest-bare-server.ts), in the same run, on the same PostgreSQL database holding
// 100k contacts for the benchmarked user and ~1M across 100 users. Both servers run in child
// processes; the load generator runs here. Also prints EXPLAIN (ANALYZE) of the list queries.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { count, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../src/db/schema/index.ts';
import type { Db } from '../src/db/client.ts';
import { listSelection, planList } from '../src/domain/resources/list.ts';
import { resourceFor } from '../src/domain/resources/registry.ts';
import { BENCH_CONTACT_BODY, BENCH_LIST_PATH, BENCH_LIST_QUERY } from './rest-workload.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface RestBenchOptions {
  /** Admin URL of a PostgreSQL server; a scratch database is created on it and dropped. */
  postgresUrl: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Users holding contacts, the benchmarked one included. */
  users: number;
  benchUserContacts: number;
  totalContacts: number;
  /** Measurements per target, alternating which goes first (the machine's load drifts). */
  rounds: number;
}

export function restBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RestBenchOptions {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    postgresUrl: env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    connections: number('BENCH_CONNECTIONS', 32),
    seconds: number('BENCH_REST_SECONDS', 15),
    warmupSeconds: number('BENCH_REST_WARMUP_SECONDS', 3),
    users: number('BENCH_REST_USERS', 100),
    benchUserContacts: number('BENCH_REST_USER_CONTACTS', 100_000),
    totalContacts: number('BENCH_REST_TOTAL_CONTACTS', 1_000_000),
    rounds: number('BENCH_REST_ROUNDS', 2),
  };
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server process CPU time per request (Linux /proc; NaN elsewhere): load-independent cost. */
  cpuMsPerRequest: number;
}

export interface ScenarioResult {
  name: string;
  api: LoadResult;
  bare: LoadResult;
  /** api / bare requests per second (target ≥ 0.7). */
  ratio: number;
}

export interface RestBenchResult {
  options: RestBenchOptions;
  contacts: { benchUser: number; total: number; users: number };
  scenarios: ScenarioResult[];
  explain: { list: string; count: string };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a script on this Node; resolves once its output matches `readyLine` (at once without one). */
function spawnChild(
  script: string,
  env: Record<string, string>,
  readyLine?: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', path.join(ROOT, script)],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  if (!readyLine) return Promise.resolve({ child, output: () => output });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 120_000);
    const onData = () => {
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the API server did not become ready');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** User + system CPU of a process in ms, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function load(
  url: string,
  options: { method: 'GET' | 'POST'; token: string; body?: string; connections: number; seconds: number; pid?: number },
): Promise<LoadResult> {
  const cpuBefore = processCpuMs(options.pid);
  const result = await autocannon({
    url,
    method: options.method,
    connections: options.connections,
    duration: options.seconds,
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    ...(options.body ? { body: options.body } : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerRequest: (processCpuMs(options.pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

/** Mean throughput over the rounds; the worst p99 (a tail is not averaged away). */
function averageOf(runs: readonly LoadResult[]): LoadResult {
  const mean = (pick: (run: LoadResult) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return {
    requestsPerSecond: mean((run) => run.requestsPerSecond),
    p50Ms: mean((run) => run.p50Ms),
    p99Ms: Math.max(...runs.map((run) => run.p99Ms)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    cpuMsPerRequest: mean((run) => run.cpuMsPerRequest),
  };
}

/** 100 users' contacts with generate_series: the benchmarked user's, then the others' share of the total. */
async function seed(client: postgres.Sql, options: RestBenchOptions, userId: string): Promise<void> {
  const others = options.users - 1;
  const perOther = others > 0 ? Math.ceil((options.totalContacts - options.benchUserContacts) / others) : 0;
  await client`insert into users (email, full_name) select 'bench-other-' || g || '@example.com', 'Bench ' || g from generate_series(1, ${others}::int) g`;
  await client`
    insert into contacts (user_id, full_name, email, company, relationship_domain, relationship_role, tags, sync_version, created_at, updated_at)
    select u.id, 'Contact ' || g, 'c' || g || '@example.com', 'Company ' || (g % 997),
           (array['business','personal','hybrid'])[1 + g % 3], 'client', array['t' || (g % 50)], 1,
           now() - g * interval '1 second', now() - g * interval '1 second'
    from users u cross join generate_series(1, ${perOther}::int) g where u.email like 'bench-other-%'`;
  // Contact Zero is the benchmarked user's first contact.
  await client`
    insert into contacts (user_id, full_name, email, company, relationship_domain, relationship_role, tags, sync_version, created_at, updated_at)
    select ${userId}::uuid, 'Contact ' || g, 'c' || g || '@example.com', 'Company ' || (g % 997),
           (array['business','personal','hybrid'])[1 + g % 3], 'client', array['t' || (g % 50)], 1,
           now() - g * interval '1 second', now() - g * interval '1 second'
    from generate_series(1, ${options.benchUserContacts - 1}::int) g`;
  await client`vacuum analyze contacts`;
}

async function explainLists(client: postgres.Sql, userId: string): Promise<{ list: string; count: string }> {
  const db = drizzle(client, { schema }) as unknown as Db;
  const contacts = resourceFor('contact');
  const plan = planList(
    contacts,
    { userId, contactZeroId: userId, sessionId: userId, email: 'bench@example.com' },
    BENCH_LIST_QUERY,
  );
  const page = db
    .select(listSelection(contacts))
    .from(contacts.definition.table)
    .where(plan.where)
    .orderBy(...plan.orderBy)
    .limit(plan.limit)
    .offset(plan.offset);
  const total = db.select({ total: count() }).from(contacts.definition.table).where(plan.where);
  const text = async (statement: typeof page | typeof total) =>
    ((await db.execute(sql`explain (analyze, buffers) ${statement}`)) as unknown as Array<Record<string, string>>)
      .map((row) => Object.values(row)[0])
      .join('\n');
  return { list: await text(page), count: await text(total) };
}

export async function runRestBench(
  options: RestBenchOptions,
  log: (line: string) => void = console.log,
): Promise<RestBenchResult> {
  const databaseName = `fl_bench_rest_${randomBytes(4).toString('hex')}`;
  const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  const url = new URL(options.postgresUrl);
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-rest-'));
  const client = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const children: ChildProcess[] = [];
  try {
    const apiPort = await freePort();
    const api = await spawnChild('src/main.ts', {
      DATABASE_URL: databaseUrl,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: dataDir,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      // e.g. BENCH_API_NODE_OPTIONS=--cpu-prof to profile the server under load.
      ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
    });
    children.push(api.child);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitReady(apiUrl).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${api.output()}`);
    });

    const email = `bench-user-${randomUUID()}@example.com`;
    const registered = await fetch(`${apiUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: `pw-${randomUUID()}`, full_name: 'Bench User' }),
    });
    if (registered.status !== 201)
      throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
    const { data } = (await registered.json()) as {
      data: { user: { id: string }; contact_zero: { id: string }; access_token: string };
    };
    const token = data.access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };

    log(
      `seeding ${options.benchUserContacts} contacts for the benchmarked user, ${options.totalContacts} across ${options.users} users…`,
    );
    const seedStarted = performance.now();
    await seed(client, options, data.user.id);
    const [totals] = await client<Array<{ mine: string; total: string }>>`
      select count(*) filter (where user_id = ${data.user.id}) as mine, count(*) as total from contacts`;
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const barePort = await freePort();
    const bare = await spawnChild(
      'bench/rest-bare-server.ts',
      {
        DATABASE_URL: databaseUrl,
        PORT: String(barePort),
        BENCH_USER_ID: data.user.id,
        BENCH_SESSION_ID: claims.sid,
        BENCH_CONTACT_ZERO_ID: data.contact_zero.id,
        BENCH_EMAIL: email,
      },
      /bare listening/,
    );
    children.push(bare.child);
    const bareUrl = `http://127.0.0.1:${barePort}`;

    const scenarios: ScenarioResult[] = [];
    const workloads = [
      { name: `GET ${BENCH_LIST_PATH}`, method: 'GET' as const, path: BENCH_LIST_PATH, body: undefined },
      {
        name: 'POST /api/v1/contacts',
        method: 'POST' as const,
        path: '/api/v1/contacts',
        body: JSON.stringify(BENCH_CONTACT_BODY),
      },
    ];
    for (const workload of workloads) {
      const request = { method: workload.method, token, body: workload.body, connections: options.connections };
      const measure = async (base: string, pid: number | undefined) => {
        await load(`${base}${workload.path}`, { ...request, seconds: options.warmupSeconds });
        return load(`${base}${workload.path}`, { ...request, seconds: options.seconds, pid });
      };
      const apiRuns: LoadResult[] = [];
      const bareRuns: LoadResult[] = [];
      for (let round = 0; round < options.rounds; round += 1) {
        const order = round % 2 === 0 ? (['api', 'bare'] as const) : (['bare', 'api'] as const);
        for (const target of order) {
          if (target === 'api') apiRuns.push(await measure(apiUrl, api.child.pid));
          else bareRuns.push(await measure(bareUrl, bare.child.pid));
        }
      }
      const apiResult = averageOf(apiRuns);
      const bareResult = averageOf(bareRuns);
      const scenario = {
        name: workload.name,
        api: apiResult,
        bare: bareResult,
        ratio: apiResult.requestsPerSecond / bareResult.requestsPerSecond,
      };
      scenarios.push(scenario);
      log(
        `${scenario.name}: api ${apiRuns.map((run) => run.requestsPerSecond.toFixed(0)).join('/')} req/s p99 ${apiResult.p99Ms} ms · ` +
          `bare ${bareRuns.map((run) => run.requestsPerSecond.toFixed(0)).join('/')} req/s p99 ${bareResult.p99Ms} ms · ratio ${scenario.ratio.toFixed(2)}`,
      );
    }
    const explain = await explainLists(client, data.user.id);
    return {
      options,
      contacts: { benchUser: Number(totals?.mine ?? 0), total: Number(totals?.total ?? 0), users: options.users },
      scenarios,
      explain,
    };
  } finally {
    for (const child of children) await stopChild(child);
    await client.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.end({ timeout: 5 });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printRestBench(result: RestBenchResult): void {
  console.log(
    `\nREST benchmark: ${result.options.connections} connections, ${result.options.rounds} × ${result.options.seconds} s per target (alternating order)`,
  );
  console.log(
    `contacts: ${result.contacts.benchUser} for the benchmarked user, ${result.contacts.total} across ${result.contacts.users} users`,
  );
  console.table(
    result.scenarios.map((scenario) => ({
      request: scenario.name,
      'api req/s': Math.round(scenario.api.requestsPerSecond),
      'api p99 ms': scenario.api.p99Ms,
      'bare req/s': Math.round(scenario.bare.requestsPerSecond),
      'bare p99 ms': scenario.bare.p99Ms,
      'api/bare': Number(scenario.ratio.toFixed(2)),
      'cpu ms/req (api, bare)': `${scenario.api.cpuMsPerRequest.toFixed(2)}, ${scenario.bare.cpuMsPerRequest.toFixed(2)}`,
      'non-2xx/errors (api, bare)': `${scenario.api.non2xx + scenario.api.errors}, ${scenario.bare.non2xx + scenario.bare.errors}`,
    })),
  );
  console.log(`\nEXPLAIN (ANALYZE, BUFFERS) — page of GET ${BENCH_LIST_PATH}\n${result.explain.list}`);
  console.log(`\nEXPLAIN (ANALYZE, BUFFERS) — its total count\n${result.explain.count}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printRestBench(await runRestBench(restBenchOptionsFromEnv()));
}
