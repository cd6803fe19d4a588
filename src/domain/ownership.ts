// "Is this row the caller's": every door (REST, sync, collaboration) asks here, so tenant isolation
// is one rule. Another user's row is indistinguishable from a missing one, by design.
import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.ts';
import { validationError, type FieldProblem } from './errors.ts';

/** A table whose rows belong to one user through `user_id`. */
export type UserOwnedTable = PgTable & { id: AnyPgColumn; user_id: AnyPgColumn };

/** The condition every query on a user's table carries. */
export function ownedBy(table: UserOwnedTable, userId: string): SQL {
  return eq(table.user_id, userId);
}

/** The caller's rows of `table` that also meet `condition` (a note by its document name). */
export function ownedWhere(table: UserOwnedTable, userId: string, condition: SQL): SQL {
  return and(condition, eq(table.user_id, userId)) as SQL;
}

/** The caller's row `id` of `table`: absent when missing or another user's. */
export function ownedRow(table: UserOwnedTable, userId: string, id: string): SQL {
  return ownedWhere(table, userId, eq(table.id, id));
}

/**
 * A table whose rows belong to a user through their parent row (a pipeline template's stages): a
 * row is the caller's when its parent is.
 */
export class OwnedThroughParent {
  readonly table: PgTable & { id: AnyPgColumn };
  readonly parentColumn: AnyPgColumn;
  readonly parent: UserOwnedTable;
  constructor(table: PgTable & { id: AnyPgColumn }, parentColumn: AnyPgColumn, parent: UserOwnedTable) {
    this.table = table;
    this.parentColumn = parentColumn;
    this.parent = parent;
  }
}

export type OwnedTable = UserOwnedTable | OwnedThroughParent;

/** A foreign key of a body: `field` (as the request spells it) must name rows of `table` that the caller owns. */
export interface OwnedReference {
  field: string;
  table: OwnedTable;
  ids: readonly string[];
}

/** The subset of `ids` in `table` that the user owns. */
export async function ownedIds(
  db: Db,
  table: OwnedTable,
  userId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows =
    table instanceof OwnedThroughParent
      ? await db
          .select({ id: table.table.id })
          .from(table.table)
          .innerJoin(table.parent as PgTable, eq(table.parentColumn, table.parent.id))
          .where(and(eq(table.parent.user_id, userId), inArray(table.table.id, unique)))
      : await db
          .select({ id: table.id })
          .from(table as PgTable)
          .where(and(eq(table.user_id, userId), inArray(table.id, unique)));
  return new Set(rows.map((row) => String(row.id)));
}

/** One problem per field whose ids are missing or another user's, in the order the fields were given. */
export async function ownedReferenceProblems(
  db: Db,
  userId: string,
  references: readonly OwnedReference[],
): Promise<FieldProblem[]> {
  const [problems] = await ownedReferenceProblemsEach(db, userId, [references]);
  return problems ?? [];
}

/**
 * ownedReferenceProblems of many bodies at once (a sync push's run of creates): one query per table
 * however many bodies name it, and each body's problems on their own.
 */
export async function ownedReferenceProblemsEach(
  db: Db,
  userId: string,
  referencesEach: ReadonlyArray<readonly OwnedReference[]>,
): Promise<FieldProblem[][]> {
  const idsByTable = new Map<OwnedTable, string[]>();
  for (const references of referencesEach) {
    for (const reference of references) {
      if (reference.ids.length === 0) continue;
      const ids = idsByTable.get(reference.table) ?? [];
      ids.push(...reference.ids);
      idsByTable.set(reference.table, ids);
    }
  }
  const ownedByTable = new Map<OwnedTable, Set<string>>();
  for (const [table, ids] of idsByTable) ownedByTable.set(table, await ownedIds(db, table, userId, ids));
  return referencesEach.map((references) =>
    references
      .filter((reference) => reference.ids.some((id) => !ownedByTable.get(reference.table)?.has(id)))
      .map((reference) => ({ field: reference.field, message: 'does not name a row you own' })),
  );
}

/**
 * Throws VALIDATION_ERROR naming every field whose ids are missing or another user's (docs/api.md:
 * the same answer for both, so nobody learns which ids exist).
 */
export async function assertOwnedReferences(
  db: Db,
  userId: string,
  references: readonly OwnedReference[],
): Promise<void> {
  const problems = await ownedReferenceProblems(db, userId, references);
  if (problems.length > 0) throw validationError(problems);
}
