// Rows of a child table that travel inline in their parent as an array of objects (pipeline
// stages, project sections and task links, attachments). A body that names the field replaces
// the whole collection: items with a known `id` are updated in place, others inserted (with the
// client's id when given), and stored items the body leaves out are deleted.
import { randomUUID } from 'node:crypto';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z, type ZodType } from 'zod';
import { validationError } from '../../errors.ts';
import type { OwnedReference } from '../../ownership.ts';
import { apiValue, omittedValue } from '../columns.ts';
import type { NestedCollection, NestedWriteContext, PresentOptions, Row } from '../definition.ts';
import { qualified } from '../../long-values.ts';
import { uuidSchema } from '../../uuid.ts';

export type ChildItem = Record<string, unknown> & { id?: string };

export interface ChildRowsOptions {
  field: string;
  table: PgTable & { id: AnyPgColumn };
  parentColumn: AnyPgColumn;
  /** Item fields a client writes (besides `id`). */
  itemShape: Record<string, ZodType>;
  /** Item fields the server owns: shown, ignored when sent back. */
  readOnlyFields: readonly string[];
  /** Fields shown only in the single-entity shape or when a list asks (`?include=attachments`). */
  bodyFields?: readonly string[];
  orderBy: readonly AnyPgColumn[];
  maxItems: number;
  description: string;
  /** Item fields that an item naming a stored `id` may omit to keep the stored value. */
  keepWhenOmitted?: readonly string[];
  /** Checks needing no database, before the transaction (data URL sizes). */
  precheckItem?(item: ChildItem, path: string): void;
  /** Values the server sets on inserted items (the uploader). */
  serverValues?(context: NestedWriteContext): Row;
  /** Foreign keys of the items that must name the caller's rows (checked with the parent's). */
  ownedReferences?(items: ChildItem[]): OwnedReference[];
  /** Rules about the items as a whole, in the transaction, before anything is written. */
  validateItems?(context: NestedWriteContext, items: ChildItem[]): Promise<void>;
  /** Refuses removing items still referenced elsewhere. */
  beforeRemove?(context: NestedWriteContext, removedIds: string[]): Promise<void>;
}

export function childRows(options: ChildRowsOptions): NestedCollection {
  const { field, table, parentColumn } = options;
  const writableKeys = Object.keys(options.itemShape);
  const bodyFields = new Set(options.bodyFields ?? []);
  const shownKeys = ['id', ...writableKeys, ...options.readOnlyFields];
  const readOnlyShape = Object.fromEntries(options.readOnlyFields.map((name) => [name, z.unknown().optional()]));
  const itemInput = z.strictObject({ ...readOnlyShape, id: uuidSchema().optional(), ...options.itemShape });
  const outputShape: Record<string, ZodType> = { id: uuidSchema() };
  for (const [name, schema] of Object.entries(options.itemShape))
    outputShape[name] = bodyFields.has(name) ? schema.optional() : schema;
  for (const name of options.readOnlyFields) outputShape[name] = z.unknown();
  const columns = table as unknown as Record<string, AnyPgColumn>;

  const present = (row: Row, presentOptions: PresentOptions): Row => {
    const item: Row = {};
    for (const key of shownKeys) {
      if (bodyFields.has(key) && !presentOptions.detail && !presentOptions.includeAttachments) continue;
      item[key] = apiValue(row[key]);
    }
    return item;
  };

  return {
    field,
    table,
    kind: 'rows',
    inputSchema: z.array(itemInput).max(options.maxItems).meta({ description: options.description }),
    outputSchema: z.array(z.object(outputShape)).meta({ description: options.description }),
    empty: [],
    ownedReferences: (value) => options.ownedReferences?.(value as ChildItem[]) ?? [],
    precheck(value) {
      if (!options.precheckItem) return;
      for (const [index, item] of (value as ChildItem[]).entries()) options.precheckItem?.(item, `${field}.${index}`);
    },
    ...(bodyFields.size > 0
      ? {
          bodyBytes: (parentId: AnyPgColumn) =>
            sql`(select coalesce(sum(${sql.join(
              [...bodyFields].map((name) => sql`coalesce(octet_length(${qualified(columns[name] as AnyPgColumn)}), 0)`),
              sql` + `,
            )}), 0) from ${table} where ${qualified(parentColumn)} = ${qualified(parentId)})`,
        }
      : {}),
    async load(db, parentIds, presentOptions) {
      const result = new Map<string, Row[]>();
      if (parentIds.length === 0) return result;
      const withBodies = presentOptions.detail || presentOptions.includeAttachments;
      const selection: Record<string, AnyPgColumn> = { __parent: parentColumn };
      for (const key of shownKeys) {
        if (bodyFields.has(key) && !withBodies) continue;
        const column = columns[key];
        if (column) selection[key] = column;
      }
      const rows = (await db
        .select(selection)
        .from(table)
        .where(inArray(parentColumn, [...parentIds]))
        .orderBy(...options.orderBy.map((column) => asc(column)), asc(table.id))) as Row[];
      for (const row of rows) {
        const parent = String(row.__parent);
        const items = result.get(parent) ?? [];
        items.push(present(row, presentOptions));
        result.set(parent, items);
      }
      return result;
    },
    async write(context, value) {
      const { tx, parentId } = context;
      const items = value as ChildItem[];
      const ids = items.map((item) => item.id).filter((id): id is string => id !== undefined);
      if (new Set(ids).size !== ids.length) throw validationError([{ field, message: 'lists an id twice' }]);
      // A parent this write created has no items yet: nothing to read (an import creates thousands).
      const stored =
        context.mode === 'create' ? [] : ((await tx.select().from(table).where(eq(parentColumn, parentId))) as Row[]);
      const storedById = new Map(stored.map((row) => [String(row.id), row]));
      for (const [index, item] of items.entries()) {
        for (const key of options.keepWhenOmitted ?? []) {
          if (item[key] === undefined && !(item.id && storedById.has(item.id))) {
            throw validationError([{ field: `${field}.${index}.${key}`, message: 'is required for a new item' }]);
          }
        }
      }
      await options.validateItems?.(context, items);
      const removed = stored.map((row) => String(row.id)).filter((id) => !ids.includes(id));
      if (removed.length > 0) {
        await options.beforeRemove?.(context, removed);
        await tx.delete(table).where(inArray(table.id, removed));
      }
      const inserts: Row[] = [];
      for (const item of items) {
        const id = item.id ?? randomUUID();
        const values: Row = {};
        for (const key of writableKeys) if (item[key] !== undefined) values[key] = item[key];
        const current = item.id ? storedById.get(item.id) : undefined;
        if (current) {
          const changed = Object.fromEntries(
            Object.entries(values).filter(([key, next]) => !sameValue(current[key], next)),
          );
          // Omitted optional item fields return to their defaults, like PUT does for entities.
          for (const key of writableKeys) {
            const column = columns[key];
            if (item[key] !== undefined || (options.keepWhenOmitted ?? []).includes(key) || !column) continue;
            const reset = omittedValue(key, column);
            if (!sameValue(current[key], reset)) changed[key] = reset;
          }
          if (Object.keys(changed).length > 0)
            await tx
              .update(table)
              .set(changed as never)
              .where(eq(table.id, current.id as string));
          continue;
        }
        inserts.push({
          ...values,
          ...(options.serverValues?.(context) ?? {}),
          // Items without a sort order keep the order they were given in: distinct, increasing times.
          ...(columns.created_at
            ? { created_at: sql`clock_timestamp() + ${inserts.length} * interval '1 microsecond'` }
            : {}),
          ...context.copiedItems?.get(id),
          id,
          [parentColumn.name]: parentId,
        });
      }
      if (inserts.length > 0) await tx.insert(table).values(inserts as never);
    },
    sameAs(value, current) {
      const items = value as ChildItem[];
      const pool = [...((current as Row[] | undefined) ?? [])];
      if (items.length !== pool.length) return false;
      // Items without ids can only be matched by content: compare as multisets.
      return items.every((item) => {
        const keys = Object.keys(item).filter((key) => key === 'id' || writableKeys.includes(key));
        const index = pool.findIndex((candidate) => canonicalItem(candidate, keys) === canonicalItem(item, keys));
        if (index < 0) return false;
        pool.splice(index, 1);
        return true;
      });
    },
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(apiValue(a)) === JSON.stringify(apiValue(b));
}

function canonicalItem(item: Row, keys: readonly string[]): string {
  return JSON.stringify([...keys].sort().map((key) => [key, apiValue(item[key]) ?? null]));
}
