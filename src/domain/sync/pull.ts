// POST /sync/pull: one page of the caller's change feed after their cursor, each change carrying
// the entity exactly as GET shows it. The feed's numbers follow commit order (change-feed.ts), so
// "everything after the cursor" never skips a change committed after the pull that made the cursor.
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { syncChanges, userChangeCounters } from '../../db/schema/index.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { fieldError } from '../errors.ts';
import { findEntities, weighEntities, type Entity } from '../resources/index.ts';
import type { EntityType } from '../entity-types.ts';
import { DEFAULT_PAGE_BYTES, PageBudget } from '../page-budget.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { assertSchemaVersionSupported, SERVER_SCHEMA_VERSION } from './schema-version.ts';

export const DEFAULT_PULL_LIMIT = 500;
export const MAX_PULL_LIMIT = 1000;
/** A page also ends once its changes pass this many bytes (as JSON), keeping at least one change. */
export const DEFAULT_PULL_PAGE_BYTES = DEFAULT_PAGE_BYTES;
/** At most this many changes' entities are loaded at a time (fewer when their stored lengths say so). */
const ENTITY_CHUNK = 100;

export interface PullOptions {
  maxPageBytes?: number;
  /** Called with the entities each step loaded, before the budget cuts them (tests, diagnostics). */
  onChunkLoaded?: (entities: ReadonlyMap<string, Entity>) => void;
}

export interface PullRequest {
  cursor?: string | null | undefined;
  limit?: number | undefined;
  schema_version?: number | undefined;
}

export interface PulledChange {
  entity_type: EntityType;
  entity_id: string;
  operation: 'upsert' | 'archive' | 'delete';
  /** The entity as GET shows it (also for `archive`); null for `delete` (the row was purged). */
  data: Entity | null;
  sync_version: number;
}

export interface PullResult {
  changes: PulledChange[];
  cursor: string;
  has_more: boolean;
  sync_timestamp: string;
  schema_version: number;
}

export async function pullChanges(
  db: Db,
  auth: AuthContext,
  request: PullRequest,
  options: PullOptions = {},
): Promise<PullResult> {
  assertSchemaVersionSupported(request.schema_version);
  const after = decodeCursor(request.cursor);
  const limit = Math.min(request.limit ?? DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT);
  const budget = new PageBudget(options.maxPageBytes ?? DEFAULT_PULL_PAGE_BYTES);
  const syncTimestamp = new Date().toISOString();

  // One page and one more row, to know whether another page follows; never the whole feed.
  const rows = await db
    .select({ entity_type: syncChanges.entity_type, entity_id: syncChanges.entity_id, seq: syncChanges.seq })
    .from(syncChanges)
    .where(and(eq(syncChanges.user_id, auth.userId), gt(syncChanges.seq, after)))
    .orderBy(asc(syncChanges.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  if (page.length === 0) await assertCursorIssued(db, auth.userId, after);

  // Entities are read after the feed rows, so each is at least as new as the change that names
  // it; one that changed again meanwhile is sent again with its later number.
  // Loaded a chunk at a time, each as large as the remaining budget allows by the entities' stored
  // lengths (their data URLs, attachments, a note's document), weighed first without loading
  // them: a page that ends early never loads the entities it leaves out (list.ts does the same).
  const weights = await weighEntitiesByType(db, auth, page);
  const weight = (row: FeedRow) => weights.get(`${row.entity_type}:${row.entity_id}`) ?? 0;
  const changes: PulledChange[] = [];
  let lastSeq = after;
  let cutShort = false;
  while (changes.length < page.length && !cutShort) {
    const chunk = budget.nextChunk(page, changes.length, weight, ENTITY_CHUNK);
    if (chunk.length === 0) {
      cutShort = true;
      break;
    }
    const entities = await loadEntitiesByType(db, auth, chunk);
    options.onChunkLoaded?.(entities);
    for (const row of chunk) {
      const entity = entities.get(`${row.entity_type}:${row.entity_id}`) ?? null;
      const change: PulledChange = {
        entity_type: row.entity_type as EntityType,
        entity_id: row.entity_id,
        // A change whose entity no longer exists is a purge (docs/sync.md, "Deletes"): the feed
        // keeps the purged entity's entry, so a cursor from before the purge still meets it.
        operation: entity === null ? 'delete' : entity.is_archived === true ? 'archive' : 'upsert',
        data: entity,
        sync_version: entity === null ? 0 : Number(entity.sync_version),
      };
      if (!budget.admit(change)) {
        cutShort = true;
        break;
      }
      changes.push(change);
      lastSeq = Number(row.seq);
    }
  }
  return {
    changes,
    cursor: encodeCursor(lastSeq),
    has_more: rows.length > limit || cutShort,
    sync_timestamp: syncTimestamp,
    schema_version: SERVER_SCHEMA_VERSION,
  };
}

interface FeedRow {
  entity_type: string;
  entity_id: string;
  seq: number | string;
}

/** The page's changes by entity type, `type` → ids. */
function idsByType(page: ReadonlyArray<{ entity_type: string; entity_id: string }>): Map<EntityType, string[]> {
  const byType = new Map<EntityType, string[]>();
  for (const row of page) {
    const type = row.entity_type as EntityType;
    const ids = byType.get(type) ?? [];
    ids.push(row.entity_id);
    byType.set(type, ids);
  }
  return byType;
}

/** What each entity of the page would load, by stored length, keyed `type:id`: one query per type. */
async function weighEntitiesByType(db: Db, auth: AuthContext, page: readonly FeedRow[]): Promise<Map<string, number>> {
  const weights = new Map<string, number>();
  for (const [type, ids] of idsByType(page)) {
    for (const [id, bytes] of await weighEntities(db, auth, type, ids)) weights.set(`${type}:${id}`, bytes);
  }
  return weights;
}

/** One query per entity type present in the chunk (and per nested set), not one per change. */
async function loadEntitiesByType(db: Db, auth: AuthContext, chunk: readonly FeedRow[]): Promise<Map<string, Entity>> {
  const entities = new Map<string, Entity>();
  for (const [type, ids] of idsByType(chunk)) {
    for (const [id, entity] of await findEntities(db, auth, type, ids)) entities.set(`${type}:${id}`, entity);
  }
  return entities;
}

/**
 * A cursor past the user's last change was not issued for this account's data (another account's,
 * or a database restored from an older backup): following it would silently skip changes.
 */
async function assertCursorIssued(db: Db, userId: string, after: number): Promise<void> {
  if (after === 0) return;
  const [counter] = await db
    .select({ last_seq: userChangeCounters.last_seq })
    .from(userChangeCounters)
    .where(eq(userChangeCounters.user_id, userId));
  if (after > Number(counter?.last_seq ?? 0))
    throw fieldError('cursor', 'is ahead of your changes; pull again without a cursor');
}
