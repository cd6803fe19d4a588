// Request and response schemas of a resource, derived from its Drizzle table with drizzle-zod so
// a column's type, length and nullability are declared once (in src/db/schema).
import { createSelectSchema } from 'drizzle-zod';
import { z, type ZodType } from 'zod';
import { getTableName } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { textLengthLimit } from '../../db/schema/text-limits.ts';
import {
  columnsOf,
  isArrayColumn,
  isDateColumn,
  isTimestampColumn,
  isUuidColumn,
  omittedValue,
  type ColumnMap,
} from './columns.ts';
import { uuidSchema } from '../uuid.ts';
import type { ResourceDefinition } from './definition.ts';

/** docs/api.md: fields no body may set, whatever the resource. */
export const SERVER_OWNED_FIELDS = [
  'id',
  'user_id',
  'is_contact_zero',
  'sync_version',
  'created_at',
  'updated_at',
  'author_contact_id',
  'created_by',
  'uploaded_by',
  'last_synced_at',
  'archived_at',
] as const;

export const TAG_LIMITS = { count: 100, length: 255 } as const;

export const timestampSchema = () => z.iso.datetime({ offset: true });
export const dateSchema = () => z.iso.date();

/** The base (non-null) schema of a column. */
function derivedColumnSchema(table: PgTable, name: string, column: AnyPgColumn): ZodType {
  if (isTimestampColumn(column)) return timestampSchema();
  if (isDateColumn(column)) return dateSchema();
  if (isUuidColumn(column)) return uuidSchema();
  if (isArrayColumn(column)) return z.array(z.string().max(TAG_LIMITS.length)).max(TAG_LIMITS.count);
  const derived = (createSelectSchema(table).shape as Record<string, ZodType>)[name];
  if (!derived) throw new Error(`no schema for column ${name}`);
  return derived instanceof z.ZodNullable ? (derived.unwrap() as ZodType) : derived;
}

/**
 * docs/security.md, "Text lengths": a `text` column's limit comes from src/db/schema/text-limits.ts,
 * the same entry its CHECK is built from. Applied to a definition's own string schema too (a
 * summary that must not be empty), so no override can drop the bound. A writable `text` column
 * without a limit is a definition error, found when the resource is built rather than by a client.
 */
function withTextLimit(table: PgTable, name: string, column: AnyPgColumn, schema: ZodType, writable: boolean): ZodType {
  if (column.columnType !== 'PgText') return schema;
  const limit = textLengthLimit(getTableName(table), name);
  if (limit === undefined) {
    if (!writable) return schema;
    throw new Error(`${getTableName(table)}.${name}: a writable text column needs a limit in text-limits.ts`);
  }
  return schema instanceof z.ZodString ? schema.max(limit, `must be at most ${limit} characters`) : schema;
}

export interface ResourceSchemas {
  create: z.ZodObject;
  put: z.ZodObject;
  patch: z.ZodObject;
  response: z.ZodObject;
  /** Keys a body may carry that are dropped after validation (server-owned, read-only). */
  ignored: ReadonlySet<string>;
  /** Writable columns and what a PUT that omits each stores. */
  putDefaults: ReadonlyMap<string, unknown>;
  columns: ColumnMap;
  /** Columns shown in lists and in the single-entity shape. */
  listColumns: readonly string[];
  detailColumns: readonly string[];
}

const ignoredFieldSchema = () =>
  z.unknown().optional().meta({ description: 'Server-owned or read-only: ignored when sent.' });

export function buildResourceSchemas(definition: ResourceDefinition): ResourceSchemas {
  const columns = columnsOf(definition.table);
  const hidden = new Set(definition.hidden ?? []);
  const detailOnly = new Set(definition.detailOnly ?? []);
  const createOnly = new Set(definition.createOnly ?? []);
  const nested = definition.nested ?? [];
  const visible = Object.keys(columns).filter((name) => !hidden.has(name));

  const fieldSchema = (name: string): ZodType => {
    const column = columns[name];
    if (!column) throw new Error(`${definition.path}: ${name} is not a column`);
    const base = withTextLimit(
      definition.table,
      name,
      column,
      definition.fieldSchemas?.[name] ?? derivedColumnSchema(definition.table, name, column),
      definition.writable.includes(name),
    );
    return column.notNull ? base : base.nullable();
  };
  const requiredOnWrite = (name: string): boolean => {
    const column = columns[name];
    return Boolean(
      column?.notNull && !column.hasDefault && !(definition.serverDefaults && name in definition.serverDefaults),
    );
  };

  const writableShape = (mode: 'create' | 'put' | 'patch'): Record<string, ZodType> => {
    const shape: Record<string, ZodType> = {};
    for (const name of definition.writable) {
      const schema = fieldSchema(name);
      const required = mode !== 'patch' && requiredOnWrite(name) && !(mode === 'put' && createOnly.has(name));
      shape[name] = required ? schema : schema.optional();
    }
    for (const collection of nested) shape[collection.field] = collection.inputSchema.optional();
    return shape;
  };

  const writableNames = new Set<string>([...definition.writable, ...nested.map((collection) => collection.field)]);
  const readable = [...visible, ...Object.keys(definition.computedFields ?? {}), ...(definition.serverOwned ?? [])];
  const ignored = new Set<string>(
    [...readable, ...SERVER_OWNED_FIELDS.filter((name) => name in columns)].filter((name) => !writableNames.has(name)),
  );
  const ignoredShape = (): Record<string, ZodType> =>
    Object.fromEntries([...ignored].map((name) => [name, ignoredFieldSchema()]));

  const create = z.strictObject({
    ...ignoredShape(),
    id: uuidSchema().optional().meta({ description: 'Optional client-chosen UUID (offline-created entities).' }),
    ...writableShape('create'),
  });
  const put = z.strictObject({ ...ignoredShape(), ...writableShape('put') });
  const patch = z.strictObject({ ...ignoredShape(), ...writableShape('patch') });

  const responseShape: Record<string, ZodType> = {};
  for (const name of visible)
    responseShape[name] = detailOnly.has(name) ? fieldSchema(name).optional() : fieldSchema(name);
  for (const collection of nested) responseShape[collection.field] = collection.outputSchema;
  Object.assign(responseShape, definition.computedFields ?? {});

  const putDefaults = new Map<string, unknown>();
  for (const name of definition.writable) {
    const column = columns[name];
    if (!column || createOnly.has(name) || requiredOnWrite(name)) continue;
    if (definition.serverDefaults && name in definition.serverDefaults) continue;
    putDefaults.set(name, omittedValue(name, column));
  }

  return {
    create,
    put,
    patch,
    response: z.object(responseShape),
    ignored,
    putDefaults,
    columns,
    listColumns: visible.filter((name) => !detailOnly.has(name)),
    detailColumns: visible,
  };
}
