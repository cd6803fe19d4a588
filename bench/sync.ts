// Offline sync benchmark (issue 7), on PostgreSQL, against the real server in a child process:
//
//   pull : 100k changes from an empty cursor, page after page (limit 1000): changes/s, and the
//          server's peak RSS (VmHWM) before and after, which shows whether pull pages or loads all
//   push : 10k contact creates in pushes of 500 from one device: changes/s
//   sim  : the randomized multi-device simulation of test/sync with more runs than CI does
//
// BENCH_SYNC_PULL_CHANGES, BENCH_SYNC_PUSH_CHANGES, BENCH_SYNC_SIM_RUNS change the sizes.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Db } from '../src/db/client.ts';
import * as schema from '../src/db/schema/index.ts';
import { request } from '../test/helpers/http.ts';
import { spawnServer, type SpawnedServer } from '../test/helpers/server.ts';
import { seedContactChanges } from '../test/sync/seed-changes.ts';
import { runSyncSimulation } from '../test/sync/simulation.ts';
import { syncClient } from '../test/sync/sync-client.ts';

export interface SyncBenchOptions {
  /** Admin URL of a PostgreSQL server; a scratch database is created on it and dropped. */
  postgresUrl: string;
  pullChanges: number;
  pullLimit: number;
  pushChanges: number;
  pushBatch: number;
  simulationRuns: number;
  simulationSeed: number;
}

export function syncBenchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SyncBenchOptions {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    postgresUrl: env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    pullChanges: number('BENCH_SYNC_PULL_CHANGES', 100_000),
    pullLimit: number('BENCH_SYNC_PULL_LIMIT', 1000),
    pushChanges: number('BENCH_SYNC_PUSH_CHANGES', 10_000),
    pushBatch: number('BENCH_SYNC_PUSH_BATCH', 500),
    simulationRuns: number('BENCH_SYNC_SIM_RUNS', 100),
    simulationSeed: number('BENCH_SYNC_SIM_SEED', Date.now() % 1_000_000),
  };
}

export interface SyncBenchResult {
  pull: {
    changes: number;
    pages: number;
    seconds: number;
    changesPerSecond: number;
    serverPeakRssMbBefore: number;
    serverPeakRssMbAfter: number;
  };
  push: {
    changes: number;
    batches: number;
    seconds: number;
    changesPerSecond: number;
    p50BatchMs: number;
    maxBatchMs: number;
  };
  simulation: { runs: number; seed: number; seconds: number };
}

/** The server process's peak resident set (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

async function register(url: string): Promise<{ token: string; userId: string }> {
  const response = await request(url, 'POST', '/api/v1/auth/register', {
    body: { email: `bench-${randomUUID()}@example.com`, password: `pw-${randomUUID()}`, full_name: 'Bench User' },
  });
  if (response.status !== 201) throw new Error(`register answered ${response.status}`);
  return { token: response.body.data.access_token, userId: response.body.data.user.id };
}

async function benchPull(
  server: SpawnedServer,
  db: Db,
  options: SyncBenchOptions,
  log: (line: string) => void,
): Promise<SyncBenchResult['pull']> {
  const { token, userId } = await register(server.url);
  await seedContactChanges(db, userId, options.pullChanges);
  const before = peakRssMb(server.child.pid as number);
  const sync = syncClient(server.url, token);
  const started = performance.now();
  let cursor: string | undefined;
  let changes = 0;
  let pages = 0;
  for (;;) {
    // Counted and dropped: the client holds one page at a time, like a device applying pages.
    const page = await sync.pull(cursor, options.pullLimit);
    changes += page.changes.length;
    pages += 1;
    cursor = page.cursor;
    if (!page.has_more) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = peakRssMb(server.child.pid as number);
  const result = {
    changes,
    pages,
    seconds,
    changesPerSecond: Math.round(changes / seconds),
    serverPeakRssMbBefore: before,
    serverPeakRssMbAfter: after,
  };
  log(
    `pull: ${changes} changes in ${pages} pages, ${seconds.toFixed(1)} s, ${result.changesPerSecond} changes/s; server peak RSS ${before} MB before, ${after} MB after`,
  );
  return result;
}

async function benchPush(
  server: SpawnedServer,
  options: SyncBenchOptions,
  log: (line: string) => void,
): Promise<SyncBenchResult['push']> {
  const { token } = await register(server.url);
  const sync = syncClient(server.url, token);
  const durations: number[] = [];
  const started = performance.now();
  for (let done = 0; done < options.pushChanges; done += options.pushBatch) {
    const changes = Array.from({ length: Math.min(options.pushBatch, options.pushChanges - done) }, (_, index) => ({
      mutation_id: randomUUID(),
      entity_type: 'contact',
      entity_id: randomUUID(),
      operation: 'create',
      data: {
        full_name: `Pushed ${done + index}`,
        relationship_domain: 'business',
        relationship_role: 'client',
        tags: ['bench'],
      },
      client_updated_at: new Date().toISOString(),
    }));
    const batchStarted = performance.now();
    const result = await sync.push('bench-device', changes);
    durations.push(performance.now() - batchStarted);
    if (result.successful.length !== changes.length)
      throw new Error(
        `push applied ${result.successful.length} of ${changes.length}: ${JSON.stringify(result.failed[0])}`,
      );
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...durations].sort((a, b) => a - b);
  const result = {
    changes: options.pushChanges,
    batches: durations.length,
    seconds,
    changesPerSecond: Math.round(options.pushChanges / seconds),
    p50BatchMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    maxBatchMs: Math.round(sorted.at(-1) ?? 0),
  };
  log(
    `push: ${result.changes} changes in ${result.batches} pushes of ${options.pushBatch}, ${seconds.toFixed(1)} s, ${result.changesPerSecond} changes/s (batch p50 ${result.p50BatchMs} ms, max ${result.maxBatchMs} ms)`,
  );
  return result;
}

export async function runSyncBench(
  options: SyncBenchOptions,
  log: (line: string) => void = console.log,
): Promise<SyncBenchResult> {
  const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
  const databaseName = `fl_bench_sync_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${databaseName}`);
  const url = new URL(options.postgresUrl);
  url.pathname = `/${databaseName}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  const db = drizzle(sql, { schema }) as unknown as Db;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-bench-sync-'));
  let server: SpawnedServer | undefined;
  try {
    server = await spawnServer({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info',
      DATABASE_URL: url.toString(),
    });
    log(`sync bench on PostgreSQL (${databaseName}), server pid ${server.child.pid}`);
    const pull = await benchPull(server, db, options, log);
    const push = await benchPush(server, options, log);
    const simulationStarted = performance.now();
    await runSyncSimulation({ baseUrl: server.url, runs: options.simulationRuns, seed: options.simulationSeed });
    const simulation = {
      runs: options.simulationRuns,
      seed: options.simulationSeed,
      seconds: (performance.now() - simulationStarted) / 1000,
    };
    log(`simulation: ${simulation.runs} runs (seed ${simulation.seed}) passed in ${simulation.seconds.toFixed(1)} s`);
    return { pull, push, simulation };
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    await admin.end({ timeout: 5 });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSyncBench(syncBenchOptionsFromEnv());
}
