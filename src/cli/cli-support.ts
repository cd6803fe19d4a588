// What the data CLIs (import, export) share: the database from the same configuration as the
// server, the account by email, and errors printed for a person rather than as a stack trace.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type BlobService, createBlobService } from '../domain/blobs/blob-service.ts';
import { createDatabaseBlobStore } from '../domain/blobs/database-blob-store.ts';
import { eq } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase, type DatabaseHandle, type Db } from '../db/client.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { runMigrations } from '../db/migrate.ts';
import { users } from '../db/schema/index.ts';
import { normalizeEmail } from '../domain/auth/email.ts';
import { isDomainError } from '../domain/errors.ts';

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The command line parsed by `config`; a malformed one exits with status 2 and the usage line. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, 2);
  }
}

/** Opens the database the server uses (DATABASE_URL, else PGlite in DATA_DIR) and migrates it. */
export async function openCliDatabase(): Promise<DatabaseHandle> {
  const config = loadConfig();
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 2 });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new CliError(
        `${error.message}.\nThe embedded database in DATA_DIR can be opened by one process only, and the server holds it.\n` +
          'Stop the server first, or import through the running server instead: POST /api/v1/import (signed in, body = the export JSON).',
      );
    }
    throw error;
  }
  try {
    await runMigrations(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

export async function findUserIdByEmail(db: Db, email: string): Promise<string> {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.email, normalizeEmail(email)))
    .limit(1);
  if (!user) throw new CliError(`No account with the email ${email}. Register it first (POST /api/v1/auth/register).`);
  return user.id;
}

/** Runs a CLI body; any failure is printed as one readable message and a non-zero exit code. */
export async function runCli(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
  if (isDomainError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    if (Array.isArray(error.details) && error.details.length > 1) {
      for (const detail of error.details as Array<{ field?: string; message?: string }>)
        process.stderr.write(`  ${detail.field}: ${detail.message}\n`);
    }
    return 1;
  }
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

/** The blob store as the server builds it (same database, same BLOB_* limits), for import and export. */
export function cliBlobService(handle: DatabaseHandle): BlobService {
  return createBlobService(handle.db, createDatabaseBlobStore(handle), loadConfig().blobs);
}
