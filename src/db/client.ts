// One Drizzle schema, two engines: real PostgreSQL through postgres.js when DATABASE_URL is set,
// otherwise embedded PostgreSQL (PGlite) persisted in DATA_DIR.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { pgliteByteaTypes } from './pglite-bytea.ts';
import { connectPostgres } from './postgres-url.ts';

export type Schema = typeof schema;
/** Both drivers' databases, and their transactions, are this type: pass `tx` where `db` is asked. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type DatabaseEngine = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Db;
  engine: DatabaseEngine;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** postgres.js only: a fresh client that is not the pool (migrations under an advisory lock). */
  connectionString: string | undefined;
  /** PGlite only: the engine itself (a single session; see migrate.ts). */
  pglite: PGlite | undefined;
  /**
   * postgres.js only: runs `COPY (select) TO STDOUT (FORMAT binary)` and answers the raw stream
   * (read it with binary-copy.ts). The select is sent as it is: COPY takes no bind parameters, so
   * it must hold no untrusted text. PGlite hands bytea over as bytes already.
   */
  copyOut: ((select: string) => Promise<Buffer>) | undefined;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** In-memory PGlite for tests that need no files. */
  inMemory?: boolean;
  /** Called for every statement sent (the `db_queries_total` metric; tests use it to catch N+1 reads). */
  onQuery?: () => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const logger = options.onQuery ? { logQuery: options.onQuery } : undefined;
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10, logger);
  return openPglite(options.dataDir, options.inMemory ?? false, logger);
}

type QueryLogger = { logQuery: () => void } | undefined;

function openPostgres(url: string, maxConnections: number, logger: QueryLogger): DatabaseHandle {
  const client = connectPostgres(url, {
    max: maxConnections,
    onnotice: () => {},
    // A statement that cannot get a connection fails instead of queueing forever when the
    // database is unreachable, so callers (and the collaboration ack path) see the outage.
    connect_timeout: 10,
  });
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Db;
  return {
    db,
    engine: 'postgres',
    connectionString: url,
    pglite: undefined,
    copyOut: async (select) => {
      logger?.logQuery();
      const stream = await client.unsafe(`copy (${select}) to stdout (format binary)`).readable();
      // Events, not `for await`: postgres.js 3.4's copy stream never finishes an async iteration.
      return new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let ended = false;
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          ended = true;
          resolve(Buffer.concat(chunks));
        });
        stream.on('error', reject);
        stream.on('close', () => {
          if (!ended) reject(new Error('COPY stream closed before its end'));
        });
      });
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string, inMemory: boolean, logger: QueryLogger): Promise<DatabaseHandle> {
  let lock: DataDirLock | undefined;
  let engine: PGlite;
  // The contrib builds search's migration creates (docs/search.md); PGlite ships them, loaded here.
  const extensions = { btree_gin, pg_trgm, unaccent };
  if (inMemory) {
    engine = await PGlite.create({ extensions, ...pgliteByteaTypes });
  } else {
    const directory = path.resolve(dataDir, 'pglite');
    mkdirSync(directory, { recursive: true });
    // Two processes on one PGlite directory both open it and one silently loses its writes.
    lock = acquireDataDirLock(path.resolve(dataDir));
    engine = await PGlite.create({ dataDir: directory, extensions, ...pgliteByteaTypes });
  }
  const db = drizzlePglite(engine, { schema, logger }) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    connectionString: undefined,
    pglite: engine,
    copyOut: undefined,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await engine.close();
      lock?.release();
    },
  };
}
