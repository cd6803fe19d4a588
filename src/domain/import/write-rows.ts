// Compare-then-write of planned rows. A row whose values equal the file's is not touched at all
// (no UPDATE, so xmin, sync_version and updated_at stay), which is what makes a re-run a no-op.
import { and, eq, inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import type { EntityType } from '../entity-types.ts';
import type { PlannedChild, PlannedEntity, PlannedMember, Values } from './plan.ts';
import type { ImportTally } from './summary.ts';
import { archiveStamp } from '../trash/archive-stamp.ts';
import { bumpVersion, storedIsNewer } from '../versioning.ts';

export type RowOutcome = 'added' | 'updated' | 'unchanged' | 'kept';

type Row = Record<string, unknown>;
type EntityTable = PgTable & { id: PgColumn; user_id: PgColumn; sync_version: PgColumn; updated_at: PgColumn };
type ChildTable = PgTable & { id: PgColumn };

export interface WriteContext {
  tx: Tx;
  userId: string;
  now: Date;
  tally: ImportTally;
  /** Entities changed by this import, recorded for sync as the transaction's last statement. */
  changes: Array<{ entityType: EntityType; entityId: string }>;
}

export interface JunctionSpec {
  table: string;
  junction: PgTable;
  parentColumn: PgColumn;
  memberColumn: PgColumn;
  parentKey: string;
  memberKey: string;
}

export interface EntitySpec {
  table: string;
  target: EntityTable;
  entityType: EntityType;
  sets?: Record<string, JunctionSpec>;
}

export interface ChildSpec {
  table: string;
  target: ChildTable;
  parentKey: string;
  parentColumn: PgColumn;
}

const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export function sameValue(planned: unknown, stored: unknown): boolean {
  const a = planned ?? null;
  const b = stored ?? null;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
  if (typeof a === 'number' || typeof b === 'number') return a !== null && b !== null && Number(a) === Number(b);
  return a === b;
}

function changedColumns(values: Values, stored: Row): Values {
  const changed: Values = {};
  for (const [column, value] of Object.entries(values)) if (!sameValue(value, stored[column])) changed[column] = value;
  return changed;
}

async function selectByIds(
  tx: Tx,
  table: PgTable & { id: PgColumn },
  ids: readonly string[],
  extra?: (table: PgTable) => ReturnType<typeof eq>,
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (const batch of chunks(ids)) {
    const where = extra ? and(inArray(table.id, batch), extra(table)) : inArray(table.id, batch);
    for (const row of (await tx.select().from(table).where(where)) as Row[]) rows.set(String(row.id), row);
  }
  return rows;
}

async function loadMembers(
  tx: Tx,
  spec: JunctionSpec,
  parentIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  for (const batch of chunks(parentIds)) {
    const rows = (await tx
      .select({ parent: spec.parentColumn, member: spec.memberColumn })
      .from(spec.junction)
      .where(inArray(spec.parentColumn, batch))) as Array<{ parent: string; member: string }>;
    for (const row of rows) {
      let set = members.get(row.parent);
      if (!set) {
        set = new Set();
        members.set(row.parent, set);
      }
      set.add(row.member);
    }
  }
  return members;
}

function sameMembers(planned: readonly PlannedMember[], stored: Set<string> | undefined): boolean {
  const current = stored ?? new Set<string>();
  return planned.length === current.size && planned.every((member) => current.has(member.id));
}

/**
 * Writes a user's entities: inserts the new, updates those whose values (or membership sets)
 * differ, leaves equal ones untouched. A stored row changed after the time the file's record is
 * as of was edited on the server since: it is kept (last write wins, as in sync).
 */
export async function writeEntities(
  context: WriteContext,
  spec: EntitySpec,
  planned: readonly PlannedEntity[],
  hooks: {
    /** Insert-only columns computed late (a note's document). */
    beforeInsert?: (entity: PlannedEntity) => Values;
    /** Told which columns an update changed (a note's archiving re-resolves links to it). */
    afterUpdate?: (entity: PlannedEntity, changed: Values) => void;
  } = {},
): Promise<Map<string, RowOutcome>> {
  const { tx, userId, now, tally } = context;
  const outcomes = new Map<string, RowOutcome>();
  const counts = tally.table(spec.table);
  const junction = (name: string): JunctionSpec => {
    const found = spec.sets?.[name];
    if (!found) throw new Error(`${spec.table} has no membership set "${name}"`);
    return found;
  };
  const existing = await selectByIds(
    tx,
    spec.target,
    planned.map((entity) => entity.id),
    () => eq(spec.target.user_id, userId),
  );
  const existingIds = [...existing.keys()];
  const storedSets = new Map<string, Map<string, Set<string>>>();
  for (const [name, junction] of Object.entries(spec.sets ?? {}))
    storedSets.set(name, await loadMembers(tx, junction, existingIds));

  const inserts: Row[] = [];
  const memberWrites: Array<{
    name: string;
    parentId: string;
    planned: PlannedMember[];
    stored: Set<string> | undefined;
  }> = [];
  for (const entity of planned) {
    const stored = existing.get(entity.id);
    if (!stored) {
      inserts.push({
        ...entity.values,
        ...archiveStamp(false, entity.values.is_archived, now),
        ...entity.insertOnly,
        ...hooks.beforeInsert?.(entity),
        id: entity.id,
        user_id: userId,
        sync_version: 1,
        created_at: entity.createdAt,
        updated_at: entity.updatedAt,
      });
      for (const [name, members] of Object.entries(entity.sets ?? {}))
        memberWrites.push({ name, parentId: entity.id, planned: members, stored: undefined });
      outcomes.set(entity.id, 'added');
      continue;
    }
    const changed = changedColumns(entity.values, stored);
    const changedSets = Object.entries(entity.sets ?? {}).filter(
      ([name, members]) => !sameMembers(members, storedSets.get(name)?.get(entity.id)),
    );
    const leaveAs = (outcome: 'unchanged' | 'kept') => {
      outcomes.set(entity.id, outcome);
      for (const [name, members] of Object.entries(entity.sets ?? {}))
        tally.table(junction(name).table)[outcome] += members.length;
    };
    if (Object.keys(changed).length === 0 && changedSets.length === 0) {
      leaveAs('unchanged');
      continue;
    }
    if (storedIsNewer(stored.updated_at as Date, entity.asOf)) {
      leaveAs('kept');
      continue;
    }
    await tx
      .update(spec.target)
      .set({
        ...changed,
        ...archiveStamp(stored.is_archived === true, changed.is_archived, now),
        ...bumpVersion(spec.target, now),
      } as never)
      .where(eq(spec.target.id, entity.id));
    hooks.afterUpdate?.(entity, changed);
    for (const [name, members] of changedSets)
      memberWrites.push({ name, parentId: entity.id, planned: members, stored: storedSets.get(name)?.get(entity.id) });
    outcomes.set(entity.id, 'updated');
  }
  for (const batch of chunks(inserts, 200)) await tx.insert(spec.target).values(batch as never);
  for (const write of memberWrites)
    await writeMembers(context, junction(write.name), write.parentId, write.planned, write.stored);

  for (const [id, outcome] of outcomes) {
    counts[outcome]++;
    if (outcome === 'added' || outcome === 'updated')
      context.changes.push({ entityType: spec.entityType, entityId: id });
  }
  return outcomes;
}

/** A membership set becomes exactly the planned one (the parent entity was written from the file). */
async function writeMembers(
  context: WriteContext,
  spec: JunctionSpec,
  parentId: string,
  planned: readonly PlannedMember[],
  stored: Set<string> | undefined,
): Promise<void> {
  const { tx } = context;
  const counts = context.tally.table(spec.table);
  const current = stored ?? new Set<string>();
  const wanted = new Set(planned.map((member) => member.id));
  const removed = [...current].filter((id) => !wanted.has(id));
  if (removed.length > 0) {
    await tx.delete(spec.junction).where(and(eq(spec.parentColumn, parentId), inArray(spec.memberColumn, removed)));
    counts.removed += removed.length;
  }
  const added = planned.filter((member) => !current.has(member.id));
  if (added.length > 0) {
    await tx
      .insert(spec.junction)
      .values(
        added.map((member) => ({ [spec.parentKey]: parentId, [spec.memberKey]: member.id, ...member.values })) as never,
      );
    counts.added += added.length;
  }
  counts.unchanged += planned.length - added.length;
}

/**
 * Writes rows that live inside a parent entity (attachments, stages, sections, task links).
 * Children of a parent kept because the server's copy is newer are left alone with it. Returns
 * the parents whose children changed: their version has to move too (docs/sync.md: children travel
 * inside their parent).
 */
export async function writeChildren(
  context: WriteContext,
  spec: ChildSpec,
  planned: readonly PlannedChild[],
  parents: ReadonlyMap<string, RowOutcome>,
): Promise<Set<string>> {
  const { tx } = context;
  const counts = context.tally.table(spec.table);
  const touched = new Set<string>();
  const writable = planned.filter((child) => {
    if (parents.get(child.parentId) !== 'kept') return true;
    counts.kept++;
    return false;
  });
  const existing = await selectByIds(
    tx,
    spec.target,
    writable.map((child) => child.id),
  );
  const inserts: Row[] = [];
  for (const child of writable) {
    const stored = existing.get(child.id);
    if (!stored) {
      inserts.push({ ...child.values, id: child.id, [spec.parentKey]: child.parentId, created_at: child.createdAt });
      touched.add(child.parentId);
      counts.added++;
      continue;
    }
    const changed = changedColumns({ ...child.values, [spec.parentKey]: child.parentId }, stored);
    if (Object.keys(changed).length === 0) {
      counts.unchanged++;
      continue;
    }
    await tx
      .update(spec.target)
      .set(changed as never)
      .where(eq(spec.target.id, child.id));
    touched.add(child.parentId);
    counts.updated++;
  }
  for (const batch of chunks(inserts, 200)) await tx.insert(spec.target).values(batch as never);
  return touched;
}

/** Moves the version of parents whose children changed while their own columns did not. */
export async function bumpParents(
  context: WriteContext,
  spec: EntitySpec,
  touched: ReadonlySet<string>,
  outcomes: Map<string, RowOutcome>,
): Promise<void> {
  const counts = context.tally.table(spec.table);
  for (const id of touched) {
    if (outcomes.get(id) !== 'unchanged') continue;
    await context.tx
      .update(spec.target)
      .set(bumpVersion(spec.target, context.now) as never)
      .where(eq(spec.target.id, id));
    outcomes.set(id, 'updated');
    counts.unchanged--;
    counts.updated++;
    context.changes.push({ entityType: spec.entityType, entityId: id });
  }
}
