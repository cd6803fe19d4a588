// Every integration test gets a database of its own: a fresh PostgreSQL database on the server
// named by TEST_DATABASE_URL when it is set (CI runs the suite that way too), otherwise an
// embedded PGlite in a temporary directory. Both are dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { connectPostgres } from '../../src/db/postgres-url.ts';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';

export type TestEngine = 'postgres' | 'pglite';

export function testEngine(): TestEngine {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
}

export interface ProvisionedDatabase {
  /** Set on PostgreSQL; unset means PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

/** Creates an empty database (no migrations) and a temporary DATA_DIR. */
export async function provisionDatabase(): Promise<ProvisionedDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fl-test-'));
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    return { databaseUrl: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `fl_test_${randomBytes(6).toString('hex')}`;
  const admin = connectPostgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      const dropper = connectPostgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase {
  handle: DatabaseHandle;
  db: Db;
  provisioned: ProvisionedDatabase;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

export async function createTestDatabase(
  options: { migrate?: boolean; maxConnections?: number; onQuery?: () => void } = {},
): Promise<TestDatabase> {
  const provisioned = await provisionDatabase();
  const handle = await openDatabase({
    databaseUrl: provisioned.databaseUrl,
    dataDir: provisioned.dataDir,
    maxConnections: options.maxConnections ?? 5,
    onQuery: options.onQuery,
  });
  if (options.migrate ?? true) await runMigrations(handle);
  return {
    handle,
    db: handle.db,
    provisioned,
    drop: async () => {
      await handle.close();
      await provisioned.drop();
    },
  };
}

/**
 * Holds every insert into the update log until the returned function is called (and awaited): a
 * transaction locks `note_updates` against inserts (PostgreSQL), or holds the embedded database's
 * only connection (PGlite).
 */
export async function holdLogAppends(db: Db): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.transaction(async (tx) => {
    await tx.execute(sql`lock table note_updates in share mode`);
    locked();
    await released;
  });
  await Promise.race([lockTaken, holder]);
  return async () => {
    release();
    await holder;
  };
}
