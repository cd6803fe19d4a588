// Processed push mutations (sync_mutations): what makes a retried push answer the same and change
// nothing. A mutation is claimed at the start of its change's transaction and its result filled in
// before that transaction commits, so a result is stored if and only if the change was applied or
// decided (a failed change rolls its claim back and may be retried). A concurrent duplicate of the
// same mutation waits on the claim's primary key until the first commits, then reads its result.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { syncMutations } from '../../db/schema/index.ts';
import type { Entity } from '../resources/index.ts';

export type Resolution = 'server_won' | 'client_won';

/** The first result of a mutation, replayed to every retry. */
export type MutationResult =
  | { status: 'applied' }
  | { status: 'conflict'; resolution: Resolution; entity_type: string; entity_id: string; server: Entity };

/** What a claim stores until told otherwise: most changes simply apply, and then need no second write. */
export const APPLIED: MutationResult = { status: 'applied' };

/**
 * Claims `mutationId` for this transaction, provisionally as APPLIED (storeMutationResult replaces
 * that for a conflict); returns the stored result instead when it was processed before.
 */
export async function claimMutation(tx: Tx, userId: string, mutationId: string): Promise<MutationResult | undefined> {
  const claimed = await tx
    .insert(syncMutations)
    .values({ user_id: userId, mutation_id: mutationId, result: APPLIED })
    .onConflictDoNothing()
    .returning({ mutation_id: syncMutations.mutation_id });
  if (claimed.length > 0) return undefined;
  const [stored] = await tx
    .select({ result: syncMutations.result })
    .from(syncMutations)
    .where(and(eq(syncMutations.user_id, userId), eq(syncMutations.mutation_id, mutationId)));
  return stored?.result as MutationResult | undefined;
}

/**
 * claimMutation for a whole push in one statement: claims every id of `mutationIds` that was not
 * processed before and answers the stored results of those that were (the replays). Claims are
 * taken in one fixed order, so two pushes sharing ids queue instead of deadlocking. The caller
 * releases the claims of the changes that failed (releaseClaims) before it commits.
 */
export async function claimMutations(
  tx: Tx,
  userId: string,
  mutationIds: readonly string[],
): Promise<Map<string, MutationResult>> {
  const wanted = [...new Set(mutationIds)].sort();
  const stored = new Map<string, MutationResult>();
  if (wanted.length === 0) return stored;
  // Every part of one statement reads the same snapshot: the select sees the rows stored before
  // this push, not the claims the insert beside it makes.
  const rows = await queryRows<{ mutation_id: string; claimed: boolean; result: unknown }>(
    tx,
    // The ids as one JSON parameter: one bind parameter per id costs more to build than to run.
    sql`with wanted as (select value as mutation_id from jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb)),
        claimed as (
          insert into sync_mutations (user_id, mutation_id, result)
          select ${userId}::uuid, mutation_id, ${JSON.stringify(APPLIED)}::jsonb from wanted order by mutation_id
          on conflict do nothing
          returning mutation_id
        )
        select mutation_id, true as claimed, null::jsonb as result from claimed
        union all
        select m.mutation_id, false as claimed, m.result from sync_mutations m join wanted using (mutation_id)
        where m.user_id = ${userId}::uuid`,
  );
  const claimed = new Set<string>();
  for (const row of rows) {
    if (row.claimed) claimed.add(row.mutation_id);
    else stored.set(row.mutation_id, resultOf(row.result));
  }
  // Neither: a concurrent push of the same id committed after this statement's snapshot was taken
  // (the insert waited for it). Its result is visible now.
  const late = wanted.filter((id) => !claimed.has(id) && !stored.has(id));
  if (late.length > 0) {
    const rows = await tx
      .select({ mutation_id: syncMutations.mutation_id, result: syncMutations.result })
      .from(syncMutations)
      .where(and(eq(syncMutations.user_id, userId), inArray(syncMutations.mutation_id, late)));
    for (const row of rows) stored.set(row.mutation_id, row.result as MutationResult);
    if (stored.size + claimed.size < wanted.length) throw new Error('a push mutation was neither claimed nor stored');
  }
  return stored;
}

/** A jsonb value of a raw statement: parsed by postgres.js and PGlite alike, text only if a driver did not. */
function resultOf(value: unknown): MutationResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as MutationResult;
}

/** Forgets the claims of changes that failed, so a retry of them is applied as new. */
export async function releaseClaims(tx: Tx, userId: string, mutationIds: readonly string[]): Promise<void> {
  if (mutationIds.length === 0) return;
  await tx
    .delete(syncMutations)
    .where(and(eq(syncMutations.user_id, userId), inArray(syncMutations.mutation_id, [...mutationIds])));
}

export async function storeMutationResult(
  tx: Tx,
  userId: string,
  mutationId: string,
  result: MutationResult,
): Promise<void> {
  await tx
    .update(syncMutations)
    .set({ result })
    .where(and(eq(syncMutations.user_id, userId), eq(syncMutations.mutation_id, mutationId)));
}

/**
 * Deletes mutations recorded before `olderThan`, in batches (short transactions, no long lock on a
 * large table); answers how many. A retry older than that is no longer recognised: it is applied
 * as a new change, under the same last-write-wins rule as any other (its base_version decides).
 */
export async function pruneMutations(db: Db, olderThan: Date, batchSize = 10_000): Promise<number> {
  let pruned = 0;
  for (;;) {
    const rows = await queryRows<{ deleted: number | string }>(
      db,
      sql`with doomed as (
            select user_id, mutation_id from sync_mutations where created_at < ${olderThan.toISOString()} limit ${batchSize}
          ), deleted as (
            delete from sync_mutations m using doomed d where m.user_id = d.user_id and m.mutation_id = d.mutation_id returning 1
          )
          select count(*) as deleted from deleted`,
    );
    const deleted = Number(rows[0]?.deleted ?? 0);
    pruned += deleted;
    if (deleted < batchSize) return pruned;
  }
}
