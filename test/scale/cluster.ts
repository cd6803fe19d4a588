// Two (or more) real server processes on ONE PostgreSQL database and one Redis, as deployed
// behind a balancer. Only PostgreSQL can be shared by processes: PGlite is one process's database.
import { randomBytes } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { notes, noteUpdates } from '../../src/db/schema/index.ts';
import { mergeStoredState } from '../../src/domain/documents/document-state.ts';
import { loadDocumentState } from '../../src/domain/documents/update-log.ts';
import { provisionDatabase, type ProvisionedDatabase } from '../helpers/database.ts';
import { spawnServer, testEnvironment, type SpawnedServer } from '../helpers/server.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  instances: SpawnedServer[];
  database: ProvisionedDatabase;
  /** The test's own connection to the shared database. */
  db: DatabaseHandle;
  prefix: string;
  /** Starts one more instance on the same database, Redis and prefix. */
  spawn(extraEnv?: Record<string, string>): Promise<SpawnedServer>;
  /** Kills every instance, deletes the prefix's Redis keys, drops the database. */
  destroy(): Promise<void>;
}

/** A Redis key prefix no other test run shares. */
export const uniquePrefix = (name: string) => `fltest-${name}-${randomBytes(4).toString('hex')}`;

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Starts `size` instances at once (they race for the migrations, which an advisory lock orders). */
export async function startCluster(
  size: number,
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  const database = await provisionDatabase();
  if (!database.databaseUrl) throw new Error('a cluster needs PostgreSQL (TEST_DATABASE_URL)');
  const prefix = uniquePrefix(name);
  const env = {
    ...testEnvironment(database),
    // Shared by every instance: a token issued by one is honoured by all.
    JWT_SECRET: randomBytes(32).toString('hex'),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    ...extraEnv,
  };
  const instances: SpawnedServer[] = [];
  const spawn = async (more: Record<string, string> = {}) => {
    const instance = await spawnServer({ ...env, ...more }, 90_000);
    instances.push(instance);
    return instance;
  };
  const db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, maxConnections: 2 });
  try {
    await Promise.all(Array.from({ length: size }, () => spawn()));
  } catch (error) {
    for (const instance of instances) instance.child.kill('SIGKILL');
    await db.close();
    await database.drop();
    throw error;
  }
  return {
    instances,
    database,
    db,
    prefix,
    spawn,
    async destroy() {
      for (const instance of instances) instance.child.kill('SIGKILL');
      await Promise.all(instances.map((instance) => instance.exited));
      await db.close();
      await deleteRedisKeys(prefix);
      await database.drop();
    },
  };
}

export async function noteIdOf(db: DatabaseHandle, documentName: string): Promise<string | undefined> {
  const [note] = await db.db.select({ id: notes.id }).from(notes).where(eq(notes.blocksuite_doc_id, documentName));
  return note?.id;
}

export async function logLength(db: DatabaseHandle, noteId: string): Promise<number> {
  const [row] = await db.db
    .select({ entries: count() })
    .from(noteUpdates)
    .where(and(eq(noteUpdates.note_id, noteId)));
  return Number(row?.entries ?? 0);
}

/** The document a fresh load would show: stored state + log. */
export async function storedDoc(db: DatabaseHandle, noteId: string): Promise<Y.Doc> {
  const state = await loadDocumentState(db.db, noteId);
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, mergeStoredState(state));
  return doc;
}

/** One Prometheus sample, e.g. `metric(text, 'errors_total', {code: 'NOT_FOUND'})`; NaN when absent. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map<string, string>();
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) present.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return Number.NaN;
}

/** Points a provider's socket at another instance: its next reconnect lands there, as behind a balancer. */
export function redirectOnClose(
  socket: { configuration: { url: string }; on(event: 'close', listener: () => void): unknown },
  url: string,
): void {
  socket.on('close', () => {
    socket.configuration.url = url;
  });
}
