// Processed push mutations (sync_mutations): what makes a retried push answer the same and change
// nothing. A mutation is claimed at the start of its change's transaction and its result filled in
// before that transaction commits, so a result is stored if and only if the change was applied or
// decided (a failed change rolls its claim back and may be retried). A concurrent duplicate of the
// same mutation waits on the claim's primary key until the first commits, then reads its result.
import { and, eq, sql } from 'drizzle-orm';
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
