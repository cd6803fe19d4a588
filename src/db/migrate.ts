import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { connectPostgres } from './postgres-url.ts';
import type { DatabaseHandle, Db } from './client.ts';
import { queryRows } from './rows.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary constant shared by every instance: "the schema migration is running". */
const MIGRATION_LOCK_KEY = 7_204_118_311;

/**
 * Applies pending migrations. On PostgreSQL several instances may start together: the migrator
 * runs on its own single connection holding a session advisory lock, so the others wait and then
 * find nothing to do (two migrators racing on an empty database otherwise collide in pg_type).
 * PGlite is one session in one process (the data-dir lock keeps it so): no lock is needed there.
 */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
  if (handle.engine === 'pglite') {
    if (!handle.pglite) throw new Error('PGlite handle without engine');
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  const client = connectPostgres(handle.connectionString ?? '', { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

interface Journal {
  entries: Array<{ tag: string }>;
}

export function expectedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as Journal;
  return journal.entries.length;
}

/** True when every migration checked in under drizzle/ has been applied to this database. */
export async function migrationsAreCurrent(db: Db): Promise<boolean> {
  try {
    const rows = await queryRows<{ applied: number }>(
      db,
      sql`select count(*)::int as applied from drizzle.__drizzle_migrations`,
    );
    return (rows[0]?.applied ?? 0) >= expectedMigrationCount();
  } catch {
    return false;
  }
}
