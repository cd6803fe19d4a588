// The trash (docs/history-and-trash.md): what a user archived, of every type, newest first;
// purging one row or all of them now; and the retention purge of rows archived longer than
// TRASH_RETENTION_DAYS. Restoring stays the resource layer's `PATCH {is_archived: false}`.
import { and, eq, getTableName, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import { isUuid } from '../uuid.ts';
import { resourceFor } from '../resources/index.ts';
import { ENTITY_TYPES, type EntityType } from '../entity-types.ts';
import { purgeableCondition, purgeEntities, type PurgeHook } from './purge.ts';

export const DEFAULT_TRASH_PER_PAGE = 20;
export const MAX_TRASH_PER_PAGE = 100;
/** Rows purged per transaction by the retention job and by "empty the trash". */
const PURGE_BATCH = 200;

/** The column a trash entry shows as its title. */
const TITLE_COLUMN: Record<EntityType, string> = {
  contact: 'full_name',
  note: 'title',
  task: 'title',
  interaction: 'summary',
  folder: 'name',
  group: 'name',
  project: 'name',
  pipeline_template: 'name',
  pipeline_item: 'label',
  topic: 'label',
};

export interface TrashEntry {
  entity_type: EntityType;
  id: string;
  title: string | null;
  archived_at: string | null;
}

export interface TrashPage {
  data: TrashEntry[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface TrashService {
  list(auth: AuthContext, query: { type?: EntityType; page?: number; per_page?: number }): Promise<TrashPage>;
  /** Purges one archived row of the caller now. */
  purge(auth: AuthContext, entityType: string, id: string): Promise<number>;
  /** Purges every archived row of the caller; answers how many entities went. */
  empty(auth: AuthContext): Promise<number>;
  /** Purges rows archived longer than `retentionDays` (all users; the periodic job). */
  purgeExpired(): Promise<number>;
  /** Called inside every purge's transaction before the rows go (e.g. a blob store). */
  addPurgeHook(hook: PurgeHook): void;
}

const columnOf = (type: EntityType, name: string) =>
  (resourceFor(type).definition.table as unknown as Record<string, AnyPgColumn>)[name] as AnyPgColumn;

function archivedRows(type: EntityType, where: SQL): SQL {
  const table = resourceFor(type).definition.table;
  const title = sql.identifier(TITLE_COLUMN[type]);
  return sql`select ${type}::text as entity_type, id, ${title}::text as title, archived_at
             from ${sql.identifier(getTableName(table))} where is_archived = true and ${where}`;
}

export function createTrashService(db: Db, retentionDays: number): TrashService {
  const hooks: PurgeHook[] = [];

  /** Purges the given archived, purgeable rows of one type, in one transaction. */
  const purgeBatch = (type: EntityType, ids: string[]) =>
    db.transaction((tx) => purgeEntities(tx, new Map([[type, ids]]), hooks));

  /** Ids of archived, purgeable rows of `type` matching `where`, one batch at a time. */
  const nextBatch = async (type: EntityType, where: SQL): Promise<string[]> => {
    const table = resourceFor(type).definition.table;
    const rows = await db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(columnOf(type, 'is_archived'), true), where, purgeableCondition(type)))
      .limit(PURGE_BATCH);
    return rows.map((row) => String(row.id));
  };

  const purgeAll = async (where: (type: EntityType) => SQL): Promise<number> => {
    let total = 0;
    for (const type of ENTITY_TYPES) {
      for (;;) {
        const ids = await nextBatch(type, where(type));
        if (ids.length === 0) break;
        total += await purgeBatch(type, ids);
        if (ids.length < PURGE_BATCH) break;
      }
    }
    return total;
  };

  return {
    async list(auth, query) {
      const page = query.page ?? 1;
      const perPage = Math.min(query.per_page ?? DEFAULT_TRASH_PER_PAGE, MAX_TRASH_PER_PAGE);
      const types = query.type ? [query.type] : [...ENTITY_TYPES];
      const union = sql.join(
        types.map((type) => archivedRows(type, sql`user_id = ${auth.userId}::uuid`)),
        sql` union all `,
      );
      const [rows, totals] = await Promise.all([
        queryRows<{ entity_type: EntityType; id: string; title: string | null; archived_at: Date | string | null }>(
          db,
          sql`select * from (${union}) trash
              order by archived_at desc nulls last, entity_type, id
              limit ${perPage}::int offset ${(page - 1) * perPage}::int`,
        ),
        queryRows<{ total: string | number }>(db, sql`select count(*) as total from (${union}) trash`),
      ]);
      const total = Number(totals[0]?.total ?? 0);
      return {
        data: rows.map((row) => ({
          entity_type: row.entity_type,
          id: row.id,
          title: row.title,
          archived_at: row.archived_at === null ? null : new Date(row.archived_at).toISOString(),
        })),
        page,
        per_page: perPage,
        total,
        total_pages: Math.ceil(total / perPage),
      };
    },

    async purge(auth, entityType, id) {
      const resource = resourceFor(entityType);
      const type = resource.definition.entityType;
      const name = resource.definition.name;
      if (!isUuid(id)) throw notFound(name);
      const table = resource.definition.table;
      const [row] = await db
        .select({
          is_archived: columnOf(type, 'is_archived'),
          protected: purgeableCondition(type) ? sql<boolean>`not (${purgeableCondition(type)})` : sql<boolean>`false`,
        })
        .from(table)
        .where(and(eq(table.id, id), eq(table.user_id, auth.userId)));
      if (!row) throw notFound(name);
      if (row.protected === true) throw forbidden(`This ${type} can never be deleted`);
      if (row.is_archived !== true)
        throw conflict(`Only an archived ${type} can be deleted for good; archive it first`);
      return purgeBatch(type, [id]);
    },

    empty: (auth) => purgeAll((type) => eq(columnOf(type, 'user_id'), auth.userId)),

    purgeExpired: () =>
      purgeAll(
        (type) =>
          sql`(${columnOf(type, 'archived_at')} < now() - make_interval(days => ${retentionDays}::int) or (${columnOf(type, 'archived_at')} is null and ${retentionDays}::int = 0))`,
      ),

    addPurgeHook(hook) {
      hooks.push(hook);
    },
  };
}
