// A membership set stored in a junction table and shown as a plain id array inside its parent
// (a note's target_contact_ids, a group's member_contact_ids, a project's related_contact_ids).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { validationError } from '../../errors.ts';
import type { UserOwnedTable } from '../../ownership.ts';
import type { NestedCollection, Row } from '../definition.ts';
import { uuidSchema } from '../../uuid.ts';

/** Largest set one body may carry; bigger memberships are built with several calls. */
export const MAX_SET_SIZE = 1000;

export interface IdSetOptions {
  field: string;
  junction: PgTable;
  parentColumn: AnyPgColumn;
  memberColumn: AnyPgColumn;
  /** Members must be the caller's rows of this table. */
  memberTable: UserOwnedTable;
  description: string;
}

export function idSet(options: IdSetOptions): NestedCollection {
  const { field, junction, parentColumn, memberColumn } = options;
  return {
    field,
    table: junction,
    kind: 'ids',
    inputSchema: z.array(uuidSchema()).max(MAX_SET_SIZE).meta({ description: options.description }),
    outputSchema: z.array(uuidSchema()).meta({ description: options.description }),
    empty: [],
    async load(db, parentIds) {
      const result = new Map<string, string[]>();
      if (parentIds.length === 0) return result;
      const rows = await db
        .select({ parent: parentColumn, member: memberColumn })
        .from(junction)
        .where(inArray(parentColumn, [...parentIds]))
        .orderBy(asc(parentColumn), asc(memberColumn));
      for (const row of rows) {
        const parent = String(row.parent);
        const members = result.get(parent) ?? [];
        members.push(String(row.member));
        result.set(parent, members);
      }
      return result;
    },
    async loadRows(db, parentIds) {
      const result = new Map<string, Row[]>();
      if (parentIds.length === 0) return result;
      const rows = (await db
        .select()
        .from(junction)
        .where(inArray(parentColumn, [...parentIds]))
        .orderBy(asc(parentColumn), asc(memberColumn))) as Row[];
      for (const row of rows) {
        const parent = String(row[parentColumn.name]);
        const members = result.get(parent) ?? [];
        members.push(row);
        result.set(parent, members);
      }
      return result;
    },
    // Checked by the generic write before any nested collection is written (operations.ts).
    ownedReferences: (value) => [{ field, table: options.memberTable, ids: value as string[] }],
    async write({ tx, parentId, mode, copiedItems }, value) {
      const wanted = [...new Set(value as string[])];
      if (wanted.length !== (value as string[]).length)
        throw validationError([{ field, message: 'lists an id twice' }]);
      // A parent this write created has no members yet: nothing to read (an import creates thousands).
      const current =
        mode === 'create'
          ? []
          : await tx.select({ member: memberColumn }).from(junction).where(eq(parentColumn, parentId));
      const have = new Set(current.map((row) => String(row.member)));
      const removed = [...have].filter((id) => !wanted.includes(id));
      const added = wanted.filter((id) => !have.has(id));
      if (removed.length > 0)
        await tx.delete(junction).where(and(eq(parentColumn, parentId), inArray(memberColumn, removed)));
      if (added.length > 0) {
        const parentKey = parentColumn.name;
        const memberKey = memberColumn.name;
        await tx
          .insert(junction)
          .values(
            added.map((member) => ({
              ...copiedItems?.get(member),
              [parentKey]: parentId,
              [memberKey]: member,
            })) as never,
          )
          .onConflictDoNothing();
      }
    },
    sameAs(value, current) {
      const a = [...new Set(value as string[])].sort();
      const b = [...((current as string[] | undefined) ?? [])].sort();
      return a.length === b.length && a.every((id, index) => id === b[index]);
    },
  };
}
