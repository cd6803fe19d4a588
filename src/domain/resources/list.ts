import { and, asc, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { ownedBy } from '../ownership.ts';
import { parseInput } from '../validation.ts';
import type { Entity } from './definition.ts';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE, type ListQuery } from './list-query.ts';
import { presentRows } from './present.ts';
import type { Resource } from './resource.ts';

export interface ListPage {
  data: Entity[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

export interface ListPlan {
  where: SQL;
  orderBy: SQL[];
  limit: number;
  offset: number;
  page: number;
  perPage: number;
  includeAttachments: boolean;
}

/** The SQL pieces of a list request: exposed so the benchmark and EXPLAIN tests run the very same query. */
export function planList(resource: Resource, auth: AuthContext, rawQuery: unknown): ListPlan {
  const query = parseInput(resource.listQuery, rawQuery) as ListQuery;
  const { definition } = resource;
  const columns = resource.schemas.columns;
  const table = definition.table;
  const page = query.page ?? 1;
  const perPage = Math.min(query.per_page ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);

  const conditions: SQL[] = [ownedBy(table, auth.userId)];
  if (query.include_archived !== 'true') conditions.push(eq(columns.is_archived as AnyPgColumn, false));
  for (const [name, filter] of Object.entries(definition.filters ?? {})) {
    if (query[name] !== undefined) conditions.push(filter.where(query[name], auth));
  }
  const term = query.search?.trim();
  if (term && definition.search) conditions.push(definition.search.where(term));

  // Ties are broken by id in the opposite direction, which is the order a backward scan of the
  // (user_id, updated_at desc, id) index yields: both directions of the default sort are index order.
  const direction = query.order ?? 'desc';
  const orderBy: SQL[] = [];
  let tieDirection: 'asc' | 'desc' = direction === 'asc' ? 'desc' : 'asc';
  if (query.sort) {
    orderBy.push(sortKey(columns[query.sort] as AnyPgColumn, direction));
  } else if (term && definition.search?.rank) {
    orderBy.push(desc(definition.search.rank(term)), sortKey(columns.updated_at as AnyPgColumn, 'desc'));
    tieDirection = 'asc';
  } else {
    orderBy.push(sortKey(columns.updated_at as AnyPgColumn, direction));
  }
  orderBy.push(sortKey(table.id, tieDirection));

  return {
    where: and(...conditions) as SQL,
    orderBy,
    limit: perPage,
    offset: (page - 1) * perPage,
    page,
    perPage,
    includeAttachments: query.include === 'attachments',
  };
}

/**
 * PostgreSQL reads an index in order only when NULLS placement matches too, even for NOT NULL
 * columns. The listing indexes hold `updated_at DESC NULLS LAST` (drizzle-kit's rendering of
 * `.desc()`) and `id ASC NULLS LAST`, so those sort the way a forward or backward scan yields;
 * nullable columns keep NULLs last in both directions, which is what "due soonest" expects.
 */
function sortKey(column: AnyPgColumn, direction: 'asc' | 'desc'): SQL {
  if (column.name === 'updated_at')
    return direction === 'desc' ? sql`${column} desc nulls last` : sql`${column} asc nulls first`;
  if (column.notNull) return direction === 'desc' ? desc(column) : asc(column);
  return direction === 'desc' ? sql`${column} desc nulls last` : sql`${column} asc nulls last`;
}

export function listSelection(resource: Resource): Record<string, AnyPgColumn> {
  return Object.fromEntries(
    resource.schemas.listColumns.map((name) => [name, resource.schemas.columns[name] as AnyPgColumn]),
  );
}

export async function listResource(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  rawQuery: unknown,
): Promise<ListPage> {
  const plan = planList(resource, auth, rawQuery);
  const table = resource.definition.table;
  const [rows, totals] = await Promise.all([
    db
      .select(listSelection(resource))
      .from(table)
      .where(plan.where)
      .orderBy(...plan.orderBy)
      .limit(plan.limit)
      .offset(plan.offset),
    db.select({ total: count() }).from(table).where(plan.where),
  ]);
  const total = Number(totals[0]?.total ?? 0);
  const data = await presentRows(db, resource, rows as Record<string, unknown>[], {
    detail: false,
    includeAttachments: plan.includeAttachments,
  });
  return { data, page: plan.page, per_page: plan.perPage, total, total_pages: Math.ceil(total / plan.perPage) };
}
