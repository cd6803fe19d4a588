// Last-write-wins versioning of every entity, in one place: what a version is, how a client names
// the version it based a write on (REST `If-Match`, sync `base_version`), and what a stale write gets.
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../db/client.ts';
import { DomainError, fieldError } from './errors.ts';

export interface Versioned {
  sync_version: number;
  updated_at: Date;
}

/** `ETag` of an entity: weak, because two equal versions may serialize differently (key order). */
export function entityTag(version: number): string {
  return `W/"${version}"`;
}

const IF_MATCH = /^\s*(?:W\/)?"(\d{1,10})"\s*$/;

/**
 * The version an `If-Match` header names. Absent or `*` means "no precondition" (last write wins);
 * anything else that is not one of our tags is refused rather than silently ignored.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const match = IF_MATCH.exec(header);
  if (!match?.[1]) throw fieldError('If-Match', 'must be an entity tag such as W/"3"');
  return Number(match[1]);
}

export function syncConflict(current: Versioned, clientVersion: number): DomainError {
  return new DomainError('SYNC_CONFLICT', 'The entity changed since the version this write is based on', {
    server_version: current.sync_version,
    client_version: clientVersion,
    server_updated_at: current.updated_at.toISOString(),
  });
}

/** Throws SYNC_CONFLICT when the caller based its write on a version that is no longer current. */
export function assertCurrentVersion(current: Versioned, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== current.sync_version)
    throw syncConflict(current, expectedVersion);
}

/** A table whose rows carry a version (`syncMetadata()` in src/db/schema/columns.ts). */
export type VersionedTable = { sync_version: AnyPgColumn };

/** The version columns of a new row, written at `updatedAt`. */
export function firstVersion(updatedAt: Date): Versioned {
  return { sync_version: 1, updated_at: updatedAt };
}

/**
 * The version columns of an UPDATE that changes a row: every writer (REST, sync, document
 * extraction, import) bumps a row's version here. `updatedAt` is the time of the winning write:
 * the server clock for REST, the client's (clamped) time for sync pushes, the import's clock.
 */
export function bumpVersion(table: VersionedTable, updatedAt: Date): { sync_version: SQL; updated_at: Date } {
  return { sync_version: sql`${table.sync_version} + 1`, updated_at: updatedAt };
}

/**
 * Gives rows their first version back, at the given times, in one statement (rows already there
 * are not written). The import creates a note and then stores its document as every document store
 * does, which moves its version; for the user the note was created once, at the file's time.
 */
export async function restoreFirstVersions(
  tx: Tx,
  table: VersionedTable & { id: AnyPgColumn; updated_at: AnyPgColumn } & PgTable,
  rows: ReadonlyArray<{ id: string; updatedAt: Date }>,
): Promise<void> {
  if (rows.length === 0) return;
  const id = sql.identifier(table.id.name);
  const version = sql.identifier(table.sync_version.name);
  const updatedAt = sql.identifier(table.updated_at.name);
  const json = JSON.stringify(rows.map((row) => ({ id: row.id, updated_at: row.updatedAt })));
  await tx.execute(
    sql`update ${table} as t set ${version} = 1, ${updatedAt} = v.updated_at
        from jsonb_to_recordset(${json}::jsonb) as v(id uuid, updated_at timestamptz)
        where t.${id} = v.id and (t.${version} <> 1 or t.${updatedAt} <> v.updated_at)`,
  );
}

/**
 * The import's "as of" rule (docs/formats/framelord-export.md): a stored row changed after the
 * time the file says its record was current is newer than the file, and is kept. Without a time
 * (`asOf` null) the file wins.
 */
export function storedIsNewer(storedUpdatedAt: Date, asOf: Date | null): boolean {
  return asOf !== null && storedUpdatedAt.getTime() > asOf.getTime();
}

/**
 * docs/sync.md: a client's time is trusted only up to the server clock, so a device whose clock runs
 * fast cannot win every later conflict.
 */
export function clampClientTime(clientTime: Date, now: Date = new Date()): Date {
  return clientTime.getTime() > now.getTime() ? now : clientTime;
}

/** The stored side of a sync write decision: the row's version and who made its winning write. */
export interface StoredWrite extends Versioned {
  /** The device whose push made this version; null when it came through REST or a document store. */
  writerDeviceId: string | null;
}

export interface IncomingWrite {
  /** The version the device based its change on; undefined: decide by time alone. */
  baseVersion: number | undefined;
  /** Already clamped (clampClientTime). */
  clientTime: Date;
  deviceId: string;
}

/** `stale`: the write named a version that is no longer current (a won stale write is a `client_won` conflict). */
export type WriteDecision = { apply: true; stale: boolean } | { apply: false };

/**
 * Last-write-wins for a sync push (docs/sync.md). A write based on the current version applies: the
 * device saw everything before it. Otherwise the later time wins against the row's `updated_at`
 * (the time of its winning write); equal times go to the larger `device_id`, so every server and
 * device orders two writes the same way. A row last written outside sync holds no device and
 * loses the tie; a device tying with its own earlier write wins (it is that device's later edit).
 */
export function decideLastWriteWins(stored: StoredWrite, incoming: IncomingWrite): WriteDecision {
  if (incoming.baseVersion !== undefined && incoming.baseVersion === stored.sync_version)
    return { apply: true, stale: false };
  const stale = incoming.baseVersion !== undefined;
  const client = incoming.clientTime.getTime();
  const server = stored.updated_at.getTime();
  const wins =
    client > server ||
    (client === server && (stored.writerDeviceId === null || incoming.deviceId >= stored.writerDeviceId));
  return wins ? { apply: true, stale } : { apply: false };
}
