// Building blocks for list filters, so each definition states a filter in one line.
import { and, arrayContains, eq, gte, ilike, lte, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z, type ZodType } from 'zod';
import type { ListFilter } from './definition.ts';
import { dateSchema, TAG_LIMITS, timestampSchema } from './schemas.ts';
import { uuidSchema } from '../uuid.ts';

export function equals(column: AnyPgColumn, schema: ZodType, description: string): ListFilter {
  return { schema, description, where: (value) => eq(column, value) };
}

export const idEquals = (column: AnyPgColumn, description: string): ListFilter =>
  equals(column, uuidSchema(), description);

export function enumEquals(
  column: AnyPgColumn,
  values: readonly [string, ...string[]],
  description: string,
): ListFilter {
  return equals(column, z.enum(values), description);
}

export function booleanEquals(column: AnyPgColumn, description: string): ListFilter {
  return { schema: z.enum(['true', 'false']), description, where: (value) => eq(column, value === 'true') };
}

/** `?tags=a,b` (or `?tags=a&tags=b`): rows carrying every one of the tags (GIN `@>`). */
export function hasTags(column: AnyPgColumn): ListFilter {
  return {
    schema: z.union([z.string().max(2000), z.array(z.string().max(TAG_LIMITS.length)).max(TAG_LIMITS.count)]),
    description: 'Comma-separated tags; rows carrying all of them.',
    where: (value) => {
      const tags = (Array.isArray(value) ? value : String(value).split(','))
        .map((tag: string) => tag.trim())
        .filter(Boolean);
      return arrayContains(column, tags);
    },
  };
}

const instant = () => z.union([timestampSchema(), dateSchema()]);

/** Inclusive bounds on a timestamp or date column (`due_after`, `occurred_before`, …). */
export function onOrAfter(column: AnyPgColumn, description: string): ListFilter {
  return {
    schema: instant(),
    description,
    where: (value) => gte(column, column.columnType === 'PgTimestamp' ? new Date(String(value)) : value),
  };
}

export function onOrBefore(column: AnyPgColumn, description: string): ListFilter {
  return {
    schema: instant(),
    description,
    where: (value) => lte(column, column.columnType === 'PgTimestamp' ? new Date(String(value)) : value),
  };
}

/** Rows linked to a contact through a junction table (a note's targets, a group's members). */
export function linkedThrough(
  junction: PgTable,
  parentColumn: AnyPgColumn,
  parentId: AnyPgColumn,
  memberColumn: AnyPgColumn,
  description: string,
): ListFilter {
  return {
    schema: uuidSchema(),
    description,
    where: (value) =>
      sql`exists (select 1 from ${junction} where ${and(eq(parentColumn, parentId), eq(memberColumn, value))})`,
  };
}

/** LIKE patterns treat the user's `%`, `_` and `\` literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Case-insensitive substring search over some text columns. */
export function substringSearch(columns: readonly AnyPgColumn[], description: string) {
  return {
    description,
    where: (term: string): SQL => or(...columns.map((column) => ilike(column, containsPattern(term)))) as SQL,
  };
}
