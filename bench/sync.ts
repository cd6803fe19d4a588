// Offline sync benchmark, on PostgreSQL, against the real server in a child process:
//
//   pull : 100k changes from an empty cursor, page after page (limit 1000): changes/s, and the
//          server's peak RSS (VmHWM) before and after, which shows whether pull pages or loads all
//   push : 10k contact creates in pushes of 500 from one device: changes/s
//   push-vs-rest : alternating rounds of one 500-change push and 500 single REST creates of the
//          same rows, side by side in one run (the ratio is what the push design is judged by)
//   sim  : the randomized multi-device simulation of test/sync with more runs than CI does
//
// BENCH_SYNC_PULL_CHANGES, BENCH_SYNC_PUSH_CHANGES, BENCH_SYNC_SIM_RUNS, BENCH_SYNC_VS_REST_ROUNDS change
// the sizes; BENCH_SYNC_PARTS (comma-separated: pull,push,push-vs-rest,sim) runs only those parts.
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
  versusRestRounds: number;
  parts: ReadonlySet<SyncBenchPart>;
  simulationSeed: number;
}

const SYNC_BENCH_PARTS = ['pull', 'push', 'push-vs-rest', 'sim'] as const;
type SyncBenchPart = (typeof SYNC_BENCH_PARTS)[number];

function partsFrom(value: string | undefined): ReadonlySet<SyncBenchPart> {
  if (!value) return new Set(SYNC_BENCH_PARTS);
  const asked = value.split(',').map((part) => part.trim());
  const unknown = asked.filter((part) => !(SYNC_BENCH_PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) throw new Error(`BENCH_SYNC_PARTS: unknown ${unknown.join(', ')}`);
  return new Set(asked as SyncBenchPart[]);
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
    versusRestRounds: number('BENCH_SYNC_VS_REST_ROUNDS', 3),
    parts: partsFrom(env.BENCH_SYNC_PARTS),
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
  pushVersusRest: { rounds: number; changes: number; pushMs: number[]; restMs: number[]; medianRatio: number };
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

const benchContact = (index: number) => ({
  full_name: `Pushed ${index}`,
  relationship_domain: 'business',
  relationship_role: 'client',
  tags: ['bench'],
});

/** `count` contact creates as push changes, numbered from `first`. */
function contactCreates(count: number, first: number) {
  return Array.from({ length: count }, (_, index) => ({
    mutation_id: randomUUID(),
    entity_type: 'contact' as const,
    entity_id: randomUUID(),
    operation: 'create' as const,
    data: benchContact(first + index),
    client_updated_at: new Date().toISOString(),
  }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * The same rows written two ways, alternating in one run so machine noise hits both alike: one push
 * of `pushBatch` creates, and `pushBatch` single REST creates one after the other (a client without
 * push would do that).
 */
async function benchPushVersusRest(
  server: SpawnedServer,
  options: SyncBenchOptions,
  log: (line: string) => void,
): Promise<SyncBenchResult['pushVersusRest']> {
  const { token } = await register(server.url);
  const sync = syncClient(server.url, token);
  const pushMs: number[] = [];
  const restMs: number[] = [];
  for (let round = 0; round < options.versusRestRounds; round += 1) {
    const changes = contactCreates(options.pushBatch, round * options.pushBatch * 2);
    let started = performance.now();
    const result = await sync.push('bench-device', changes);
    pushMs.push(performance.now() - started);
    if (result.successful.length !== changes.length) throw new Error(`push applied ${result.successful.length}`);
    started = performance.now();
    for (const one of contactCreates(options.pushBatch, round * options.pushBatch * 2 + options.pushBatch)) {
      const response = await request(server.url, 'POST', '/api/v1/contacts', {
        token,
        body: { id: one.entity_id, ...one.data },
      });
      if (response.status !== 201) throw new Error(`REST create answered ${response.status}`);
    }
    restMs.push(performance.now() - started);
    log(
      `push-vs-rest round ${round + 1}: push of ${options.pushBatch} ${Math.round(pushMs.at(-1) ?? 0)} ms, ${options.pushBatch} REST creates ${Math.round(restMs.at(-1) ?? 0)} ms`,
    );
  }
  const ratios = pushMs.map((ms, index) => (restMs[index] ?? Number.NaN) / ms);
  const result = {
    rounds: options.versusRestRounds,
    changes: options.pushBatch,
    pushMs: pushMs.map(Math.round),
    restMs: restMs.map(Math.round),
    medianRatio: Number(median(ratios).toFixed(1)),
  };
  log(
    `push-vs-rest: one push of ${result.changes} is ${result.medianRatio}× faster than ${result.changes} REST creates (median of ${result.rounds} rounds; ${Math.round((result.changes * 1000) / median(pushMs))} changes/s in a push)`,
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
    const changes = contactCreates(Math.min(options.pushBatch, options.pushChanges - done), done);
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
): Promise<Partial<SyncBenchResult>> {
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
    const result: Partial<SyncBenchResult> = {};
    if (options.parts.has('pull')) result.pull = await benchPull(server, db, options, log);
    if (options.parts.has('push')) result.push = await benchPush(server, options, log);
    if (options.parts.has('push-vs-rest')) result.pushVersusRest = await benchPushVersusRest(server, options, log);
    if (options.parts.has('sim')) {
      const simulationStarted = performance.now();
      await runSyncSimulation({ baseUrl: server.url, runs: options.simulationRuns, seed: options.simulationSeed });
      result.simulation = {
        runs: options.simulationRuns,
        seed: options.simulationSeed,
        seconds: (performance.now() - simulationStarted) / 1000,
      };
      log(
        `simulation: ${options.simulationRuns} runs (seed ${options.simulationSeed}) passed in ${result.simulation.seconds.toFixed(1)} s`,
      );
    }
    return result;
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
