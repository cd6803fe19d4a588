import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { migrationsAreCurrent, runMigrations } from '../../src/db/migrate.ts';
import { queryRows } from '../../src/db/rows.ts';
import { provisionDatabase, testEngine, type ProvisionedDatabase } from '../helpers/database.ts';
import { REPO_ROOT } from '../helpers/server.ts';

let provisioned: ProvisionedDatabase | undefined;
afterEach(async () => {
  await provisioned?.drop();
  provisioned = undefined;
});

function runMigrateCli(database: ProvisionedDatabase): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', 'src/db/migrate-cli.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          DATA_DIR: database.dataDir,
          ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('migrations', () => {
  it('migrating twice is a no-op', async () => {
    provisioned = await provisionDatabase();
    const handle = await openDatabase({ databaseUrl: provisioned.databaseUrl, dataDir: provisioned.dataDir });
    try {
      expect(await migrationsAreCurrent(handle.db)).toBe(false);
      await runMigrations(handle);
      const before = await queryRows<{ count: number }>(
        handle.db,
        sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
      );
      await runMigrations(handle);
      const after = await queryRows<{ count: number }>(
        handle.db,
        sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
      );
      expect(after).toEqual(before);
      expect(await migrationsAreCurrent(handle.db)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it.runIf(testEngine() === 'postgres')(
    'two processes migrating one empty PostgreSQL database at once both succeed',
    async () => {
      provisioned = await provisionDatabase();
      const results = await Promise.all([runMigrateCli(provisioned), runMigrateCli(provisioned)]);
      for (const result of results) expect(result.code, result.output).toBe(0);
      const handle = await openDatabase({ databaseUrl: provisioned.databaseUrl, dataDir: provisioned.dataDir });
      try {
        expect(await migrationsAreCurrent(handle.db)).toBe(true);
      } finally {
        await handle.close();
      }
    },
  );

  it.runIf(testEngine() === 'pglite')(
    'a second process on the same embedded database is refused, never both writing',
    async () => {
      provisioned = await provisionDatabase();
      const results = await Promise.all([runMigrateCli(provisioned), runMigrateCli(provisioned)]);
      const codes = results.map((result) => result.code).sort();
      // PGlite is one process's database: the second opener must fail loudly (two writers on one
      // directory silently lose commits). If they did not overlap, both succeed.
      if (codes[1] !== 0)
        expect(results.find((result) => result.code !== 0)?.output).toMatch(/DATA_DIR .* is in use by process \d+/);
      expect(codes[0]).toBe(0);
      const handle = await openDatabase({ databaseUrl: undefined, dataDir: provisioned.dataDir });
      try {
        expect(await migrationsAreCurrent(handle.db)).toBe(true);
      } finally {
        await handle.close();
      }
    },
  );
});
