import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { longValueBytes, shortValue } from '../long-values.ts';
import { ownedBy } from '../ownership.ts';
import { DEFAULT_PAGE_BYTES, PageBudget } from '../page-budget.ts';
import { parseInput } from '../validation.ts';
import type { Entity, Row } from './definition.ts';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE, type ListQuery } from './list-query.ts';
import { presentRows } from './present.ts';
import type { Resource } from './resource.ts';

export interface ListPage {
  data: Entity[];
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
  /** Index of the page's first row in the whole list. */
  offset: number;
  /** Where the next page starts (`offset`), null after the last row. */
  next_offset: number | null;
  /** Rows follow this page: more pages, or this one was cut short by the byte budget. */
  has_more: boolean;
}

export interface ListOptions {
  /** A page ends once its entities pass this many bytes of JSON (at least one entity). */
  maxPageBytes?: number;
}

/** The stored length of the page's deferred columns and requested bodies, per row. */
const BYTES = '__bytes';

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
  const perPage = Math.min(query.per_page ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
  const offset = query.offset ?? ((query.page ?? 1) - 1) * perPage;
  const page = Math.floor(offset / perPage) + 1;

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
    offset,
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

/** Columns that may hold a data URL of up to 10 MB: read after the page is cut by their length. */
function deferredColumns(resource: Resource): string[] {
  const listed = new Set(resource.schemas.listColumns);
  return (resource.definition.dataUrlFields ?? []).filter((name) => listed.has(name));
}

/**
 * The stored length of what presenting a row still loads beyond the row query's short columns, as
 * one SQL expression per row (undefined when nothing is ever long): long data-URL columns, the
 * nested bodies asked for (attachments' data URLs), and in the single-entity shape what the
 * definition's `detailBytes` names (a note's document). A lower bound of what the entity adds to a
 * page, known before anything long is read: what pages, list and pull alike, are cut by.
 */
export function storedBytes(
  resource: Resource,
  shape: { detail: boolean; includeBodies: boolean },
): SQL<number> | undefined {
  const { definition, schemas } = resource;
  const shown = new Set(shape.detail ? schemas.detailColumns : schemas.listColumns);
  const weights: SQL[] = (definition.dataUrlFields ?? [])
    .filter((name) => shown.has(name))
    .map((name) => longValueBytes(schemas.columns[name] as AnyPgColumn));
  if (shape.includeBodies) {
    for (const collection of definition.nested ?? []) {
      const bytes = collection.bodyBytes?.(definition.table.id);
      if (bytes) weights.push(bytes);
    }
  }
  if (shape.detail && definition.detailBytes) weights.push(definition.detailBytes(definition.table.id));
  if (weights.length === 0) return undefined;
  return sql<number>`(${sql.join(weights, sql` + `)})`.mapWith(Number);
}

/**
 * What the page query reads: the list columns, except that a deferred column comes only when it is
 * short, plus `__bytes`, the stored length of what the row would still load (long deferred
 * values, and the bodies `?include=attachments` asks for). Exposed so EXPLAIN tests run this query.
 */
export function listSelection(resource: Resource, includeBodies = false): Record<string, AnyPgColumn | SQL> {
  const columns = resource.schemas.columns;
  const deferred = new Set(deferredColumns(resource));
  const selection: Record<string, AnyPgColumn | SQL> = {};
  for (const name of resource.schemas.listColumns) {
    const column = columns[name] as AnyPgColumn;
    selection[name] = deferred.has(name) ? shortValue(column) : column;
  }
  const bytes = storedBytes(resource, { detail: false, includeBodies });
  if (bytes) selection[BYTES] = bytes;
  return selection;
}

/** A row's `__bytes`: what presenting it still loads. */
const rowBytes = (row: Row): number => Number(row[BYTES] ?? 0);

/** The long deferred values of `rows` (avatars, banners held as data URLs), read into them. */
async function loadDeferredColumns(db: Db, auth: AuthContext, resource: Resource, rows: Row[]): Promise<void> {
  const names = deferredColumns(resource);
  const pending = rows.filter((row) => names.some((name) => row[name] === null) && rowBytes(row) > 0);
  if (pending.length === 0) return;
  const table = resource.definition.table;
  const selection: Record<string, AnyPgColumn> = { id: table.id };
  for (const name of names) selection[name] = resource.schemas.columns[name] as AnyPgColumn;
  const stored = await db
    .select(selection)
    .from(table)
    .where(
      and(
        ownedBy(table, auth.userId),
        inArray(
          table.id,
          pending.map((row) => String(row.id)),
        ),
      ),
    );
  const byId = new Map(stored.map((row) => [String(row.id), row as Row]));
  for (const row of pending) for (const name of names) row[name] = byId.get(String(row.id))?.[name] ?? null;
}

export async function listResource(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  rawQuery: unknown,
  options: ListOptions = {},
): Promise<ListPage> {
  const plan = planList(resource, auth, rawQuery);
  const table = resource.definition.table;
  const [rows, totals] = await Promise.all([
    db
      .select(listSelection(resource, plan.includeAttachments))
      .from(table)
      .where(plan.where)
      .orderBy(...plan.orderBy)
      .limit(plan.limit)
      .offset(plan.offset),
    db.select({ total: count() }).from(table).where(plan.where),
  ]);
  const total = Number(totals[0]?.total ?? 0);
  // Rows are presented a chunk at a time, each chunk as big as the stored lengths say the budget
  // still allows, so a page that ends early never loads the bodies of the rows it leaves out.
  const budget = new PageBudget(options.maxPageBytes ?? DEFAULT_PAGE_BYTES);
  const data: Entity[] = [];
  let cutShort = false;
  while (data.length < rows.length && !cutShort) {
    const chunk = budget.nextChunk(rows as Row[], data.length, rowBytes);
    if (chunk.length === 0) break;
    await loadDeferredColumns(db, auth, resource, chunk);
    const entities = await presentRows(db, resource, chunk, {
      detail: false,
      includeAttachments: plan.includeAttachments,
    });
    for (const entity of entities) {
      if (!budget.admit(entity)) {
        cutShort = true;
        break;
      }
      data.push(entity);
    }
  }
  const end = plan.offset + data.length;
  const nextOffset = data.length < rows.length || (rows.length === plan.limit && end < total) ? end : null;
  return {
    data,
    page: plan.page,
    per_page: plan.perPage,
    total,
    total_pages: Math.ceil(total / plan.perPage),
    offset: plan.offset,
    next_offset: nextOffset,
    has_more: nextOffset !== null,
  };
}
