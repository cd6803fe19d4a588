// POST /sync/push: each change of a device's queue is applied through the same domain functions as
// the REST call it stands for (validation, ownership, hooks, nested sets, change feed), under
// last-write-wins (versioning.ts) and idempotent by mutation id.
//
// A push is applied in ONE transaction, with a single durable commit instead of one per change
// (docs/sync.md, docs/benchmarks.md), and set-based where it can be, since round trips are what a
// push costs: every mutation id is claimed in one statement (which finds the replays too), every
// change is validated before anything is written, and a run of consecutive creates of one type is
// inserted with one statement in one savepoint. Every other change gets a savepoint of its own. A
// change the client got wrong (any DomainError, including a constraint the database refused) fails
// alone: a run whose insert fails is rolled back and applied change by change to find the bad one.
// The change feed is recorded once, as that transaction's last statement, so the user's change
// counter is locked only for the commit, exactly as a REST write locks it. Anything that is not the
// client's fault (a deadlock with another writer of the same rows, a bug) abandons the batch, which
// rolls back entirely, and the push is applied again change by change, each in a transaction of its
// own: the outcome is the same, only slower. Overlapping batches take their entities' locks in one
// fixed order first (batch-locks.ts), so they queue instead of deadlocking each other and the REST
// requests waiting on the same rows.
import { and, eq } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../db/client.ts';
import { syncEntityWriters } from '../../db/schema/index.ts';
import { translateDatabaseError } from '../../db/errors.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { DomainError, forbidden, notFound, payloadTooLarge, type ErrorCode, type FieldProblem } from '../errors.ts';
import { ownedRow } from '../ownership.ts';
import {
  archiveEntity,
  createEntities,
  createEntity,
  getEntity,
  resourceFor,
  updateEntity,
  type CreateOutcome,
  type Entity,
  type WriteOptions,
} from '../resources/index.ts';
import type { ChangeRef } from '../resources/definition.ts';
import { clampClientTime, decideLastWriteWins, type StoredWrite } from '../versioning.ts';
import { recordChanges } from '../change-feed.ts';
import { lockBatchEntities } from './batch-locks.ts';
import { recordDeviceWrite, recordDeviceWrites } from './entity-writers.ts';
import {
  claimMutation,
  claimMutations,
  releaseClaims,
  storeMutationResult,
  type MutationResult,
  type Resolution,
} from './mutation-log.ts';
import { MAX_PUSH_CHANGES, parsePushChange, type PushChange } from './push-change.ts';
import { assertSchemaVersionSupported } from './schema-version.ts';

export interface PushRequest {
  device_id: string;
  /** Each needs a `mutation_id`; everything else is validated per change. */
  changes: ReadonlyArray<{ mutation_id: string } & Record<string, unknown>>;
  schema_version?: number | undefined;
}

export interface PushConflict {
  mutation_id: string;
  entity_type: string;
  entity_id: string;
  resolution: Resolution;
  server: Entity;
}

export interface PushResult {
  successful: string[];
  failed: Array<{ mutation_id: string; error: { code: ErrorCode; message: string } }>;
  conflicts: PushConflict[];
}

/** How each change ended, for metrics. */
export type PushOutcome = 'applied' | 'client_won' | 'server_won' | 'failed' | 'replayed';

export interface PushHooks {
  onOutcome?(outcome: PushOutcome): void;
  /** A change failed for a reason that is not the client's (a bug): logged, reported as INTERNAL_ERROR. */
  onUnexpectedError?(error: unknown, change: { mutation_id: string }): void;
}

export async function pushChanges(
  db: Db,
  auth: AuthContext,
  request: PushRequest,
  hooks: PushHooks = {},
): Promise<PushResult> {
  assertSchemaVersionSupported(request.schema_version);
  if (request.changes.length > MAX_PUSH_CHANGES) {
    throw payloadTooLarge(`A push holds at most ${MAX_PUSH_CHANGES} changes; split the queue into several pushes`);
  }
  const batched = await pushInOneTransaction(db, auth, request);
  if (batched) {
    // Reported only once committed: an abandoned batch reports nothing and is applied again below.
    for (const outcome of batched.outcomes) hooks.onOutcome?.(outcome);
    return batched.result;
  }
  return pushChangeByChange(db, auth, request, hooks);
}

/** Why a batch was given up; never leaves this module. */
class BatchAbandoned extends Error {}

/** How one change of a batch ended: decided (applied, a conflict, a replay) or failed with the client's error. */
type Settled = { outcome: MutationResult; replayed: boolean } | { failure: DomainError };

/** Undefined when the batch was abandoned (rolled back): the caller applies the push change by change. */
async function pushInOneTransaction(
  db: Db,
  auth: AuthContext,
  request: PushRequest,
): Promise<{ result: PushResult; outcomes: PushOutcome[] } | undefined> {
  try {
    return await db.transaction(async (tx) => {
      await lockBatchEntities(tx, auth.userId, request.changes);
      const settled = await applyBatch(tx, auth, request);
      const result: PushResult = { successful: [], failed: [], conflicts: [] };
      const outcomes: PushOutcome[] = [];
      for (const [index, raw] of request.changes.entries()) {
        const one = settled[index];
        if (!one) throw new Error('a change of the batch was left undecided');
        if ('failure' in one) {
          result.failed.push({
            mutation_id: raw.mutation_id,
            error: { code: one.failure.code, message: messageOf(one.failure) },
          });
          outcomes.push('failed');
        } else {
          addToResult(result, raw.mutation_id, one.outcome);
          outcomes.push(outcomeOf(one.outcome, one.replayed));
        }
      }
      return { result, outcomes };
    });
  } catch (error) {
    const known = translateDatabaseError(error instanceof BatchAbandoned ? error.cause : error);
    // The database is gone: applying change by change cannot succeed either.
    if (known?.code === 'SERVICE_UNAVAILABLE') throw known;
    return undefined;
  }
}

/**
 * The batch's work, set-based where it can be: every mutation id claimed in one statement (which
 * also finds the replays), every change validated before anything is written, each run of
 * consecutive creates of one type inserted with one statement (applyRunOfCreates), and the rest
 * applied one by one in a savepoint each, in the order the device queued them.
 */
async function applyBatch(tx: Tx, auth: AuthContext, request: PushRequest): Promise<Settled[]> {
  const { changes } = request;
  const settled: Settled[] = [];
  const changeFeed: ChangeRef[] = [];
  const stored = await claimMutations(
    tx,
    auth.userId,
    changes.map((raw) => raw.mutation_id),
  );
  const occurrences = new Map<string, number>();
  for (const raw of changes) occurrences.set(raw.mutation_id, (occurrences.get(raw.mutation_id) ?? 0) + 1);
  const validated = changes.map((raw) => validateChange(auth, raw));
  // A mutation id queued twice in one push: the second is a replay of the first if that one went through.
  const decidedHere = new Map<string, MutationResult>();
  const settle = (index: number, one: Settled) => {
    settled[index] = one;
    if (!('failure' in one)) decidedHere.set((changes[index] as { mutation_id: string }).mutation_id, one.outcome);
  };

  for (let index = 0; index < changes.length; ) {
    const mutationId = (changes[index] as { mutation_id: string }).mutation_id;
    const replay = stored.get(mutationId) ?? decidedHere.get(mutationId);
    const change = validated[index] as PushChange | DomainError;
    if (replay) {
      settle(index, { outcome: replay, replayed: true });
      index += 1;
    } else if (change instanceof DomainError) {
      settle(index, { failure: change });
      index += 1;
    } else {
      const run = runOfCreates(
        validated,
        index,
        (at) => stored.has(changes[at]?.mutation_id ?? '') || occurrences.get(changes[at]?.mutation_id ?? '') !== 1,
      );
      if (run.length > 0) {
        for (const [at, one] of (await applyRunOfCreates(tx, auth, request.device_id, run, changeFeed)).entries())
          settle(index + at, one);
        index += run.length;
      } else {
        settle(index, await applyInSavepoint(tx, auth, request.device_id, change, changeFeed));
        index += 1;
      }
    }
  }
  // A failed change leaves no claim behind: its retry is applied as new.
  const failedIds = changes.map((raw) => raw.mutation_id).filter((id) => !stored.has(id) && !decidedHere.has(id));
  await releaseClaims(tx, auth.userId, [...new Set(failedIds)]);
  // Last statement: the user's change counter is locked from here to the commit only.
  await recordChanges(tx, auth.userId, changeFeed);
  return settled;
}

/** The change itself (parsed, and not a Contact Zero lifecycle change), or the client's error. */
function validateChange(auth: AuthContext, raw: { mutation_id: string }): PushChange | DomainError {
  try {
    const change = parsePushChange(raw.mutation_id, raw);
    refuseContactZeroLifecycle(auth, change);
    return change;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

/**
 * The creates from `start` on that can be inserted together: of one type whose resource allows it
 * (`batchCreates`), each entity once, and none whose mutation id is special (`excluded`: replayed
 * or queued twice).
 */
function runOfCreates(
  validated: ReadonlyArray<PushChange | DomainError>,
  start: number,
  excluded: (index: number) => boolean,
): PushChange[] {
  const first = validated[start];
  if (!first || first instanceof DomainError || first.operation !== 'create') return [];
  if (!resourceFor(first.entityType).definition.batchCreates) return [];
  const run: PushChange[] = [];
  const entityIds = new Set<string>();
  for (let index = start; index < validated.length; index += 1) {
    const change = validated[index];
    if (!change || change instanceof DomainError || excluded(index)) break;
    if (change.operation !== 'create' || change.entityType !== first.entityType) break;
    if (entityIds.has(change.entityId)) break;
    entityIds.add(change.entityId);
    run.push(change);
  }
  return run;
}

/**
 * A run of creates of one type in one savepoint: one INSERT for the rows, one for their writer
 * rows. A create the client got wrong in a way known before the insert fails alone inside the run;
 * if a statement fails (a constraint no validation caught, a nested write), the savepoint is rolled
 * back and the run is applied change by change, each in a savepoint of its own, which finds the bad
 * one. Creates need no stored result: the claim already says APPLIED.
 */
async function applyRunOfCreates(
  tx: Tx,
  auth: AuthContext,
  deviceId: string,
  run: readonly PushChange[],
  changeFeed: ChangeRef[],
): Promise<Settled[]> {
  const entityType = (run[0] as PushChange).entityType;
  const runFeed: ChangeRef[] = [];
  let outcomes: CreateOutcome[];
  try {
    outcomes = await tx.transaction(async (savepoint) => {
      const created = await createEntities(
        savepoint,
        auth,
        entityType,
        run.map((change) => ({
          body: { ...change.data, id: change.entityId },
          updatedAt: clampClientTime(change.clientUpdatedAt),
        })),
        runFeed,
      );
      const written = created.flatMap((outcome) =>
        outcome.ok && outcome.created
          ? [{ userId: auth.userId, entityType, entityId: outcome.id, version: outcome.syncVersion }]
          : [],
      );
      await recordDeviceWrites(savepoint, deviceId, written);
      return created;
    });
  } catch (error) {
    if (translateDatabaseError(error)?.code === 'SERVICE_UNAVAILABLE')
      throw new BatchAbandoned('the database is unavailable', { cause: error });
    const settled: Settled[] = [];
    for (const change of run) settled.push(await applyInSavepoint(tx, auth, deviceId, change, changeFeed));
    return settled;
  }
  changeFeed.push(...runFeed);
  return outcomes.map((outcome) =>
    outcome.ok ? { outcome: { status: 'applied' }, replayed: false } : { failure: outcome.error },
  );
}

/**
 * One change (already claimed) in a savepoint of the batch: a change the client got wrong (any
 * DomainError, including a constraint the database refused) rolls back to its savepoint and fails
 * alone; anything else abandons the batch.
 */
async function applyInSavepoint(
  tx: Tx,
  auth: AuthContext,
  deviceId: string,
  change: PushChange,
  changeFeed: ChangeRef[],
): Promise<Settled> {
  const changesOfThisOne: ChangeRef[] = [];
  try {
    const outcome = await tx.transaction((savepoint) =>
      writeChange(savepoint, auth, deviceId, change, changesOfThisOne),
    );
    changeFeed.push(...changesOfThisOne);
    return { outcome, replayed: false };
  } catch (error) {
    const known = error instanceof DomainError ? error : translateDatabaseError(error);
    if (!known || known.code === 'SERVICE_UNAVAILABLE')
      throw new BatchAbandoned("not the client's fault", { cause: error });
    return { failure: known };
  }
}

async function pushChangeByChange(
  db: Db,
  auth: AuthContext,
  request: PushRequest,
  hooks: PushHooks,
): Promise<PushResult> {
  const result: PushResult = { successful: [], failed: [], conflicts: [] };
  // In order: a device's queue may create an entity and then change it.
  for (const raw of request.changes) {
    const mutationId = raw.mutation_id;
    try {
      const { outcome, replayed } = await applyOneChange(db, auth, request.device_id, raw);
      addToResult(result, mutationId, outcome);
      hooks.onOutcome?.(outcomeOf(outcome, replayed));
    } catch (error) {
      result.failed.push({ mutation_id: mutationId, error: failureOf(error, hooks, raw) });
      hooks.onOutcome?.('failed');
    }
  }
  return result;
}

function outcomeOf(outcome: MutationResult, replayed: boolean): PushOutcome {
  if (replayed) return 'replayed';
  return outcome.status === 'applied' ? 'applied' : outcome.resolution;
}

function addToResult(result: PushResult, mutationId: string, outcome: MutationResult): void {
  if (outcome.status === 'applied') {
    result.successful.push(mutationId);
    return;
  }
  // A stale write that won was applied: it is successful, and listed as a conflict so the device
  // learns the row it overwrote was newer than the version it had seen.
  if (outcome.resolution === 'client_won') result.successful.push(mutationId);
  result.conflicts.push({
    mutation_id: mutationId,
    entity_type: outcome.entity_type,
    entity_id: outcome.entity_id,
    resolution: outcome.resolution,
    server: outcome.server,
  });
}

function failureOf(
  error: unknown,
  hooks: PushHooks,
  change: { mutation_id: string },
): { code: ErrorCode; message: string } {
  const known = error instanceof DomainError ? error : translateDatabaseError(error);
  if (known && known.code !== 'SERVICE_UNAVAILABLE') return { code: known.code, message: messageOf(known) };
  // The database itself is gone: nothing later in the push can succeed either.
  if (known) throw known;
  hooks.onUnexpectedError?.(error, change);
  return { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' };
}

/** `failed[].error` is `{code, message}` (docs/sync.md): field problems go into the message. */
function messageOf(error: DomainError): string {
  if (error.code !== 'VALIDATION_ERROR' || !Array.isArray(error.details)) return error.message;
  const problems = (error.details as FieldProblem[]).map((problem) => `${problem.field}: ${problem.message}`);
  return problems.length > 0 ? `${error.message}: ${problems.join('; ')}` : error.message;
}

/**
 * Claims, decides and writes one change in a transaction of its own (a savepoint when `db` is the
 * batch's transaction). With `changeFeed`, the change's feed entries are appended there for the
 * caller to record; without, they are recorded by the write itself.
 */
async function applyOneChange(
  db: Db,
  auth: AuthContext,
  deviceId: string,
  raw: { mutation_id: string },
  changeFeed?: ChangeRef[],
): Promise<{ outcome: MutationResult; replayed: boolean }> {
  return db.transaction(async (tx) => {
    const stored = await claimMutation(tx, auth.userId, raw.mutation_id);
    if (stored) return { outcome: stored, replayed: true };
    const change = validateChange(auth, raw);
    if (change instanceof DomainError) throw change;
    const outcome = await writeChange(tx, auth, deviceId, change, changeFeed);
    return { outcome, replayed: false };
  });
}

/** Applies one change (or decides it lost) and stores its result in the same transaction. */
async function writeChange(
  tx: Tx,
  auth: AuthContext,
  deviceId: string,
  change: PushChange,
  changeFeed: ChangeRef[] | undefined,
): Promise<MutationResult> {
  const key = { userId: auth.userId, entityType: change.entityType, entityId: change.entityId };
  const clientTime = clampClientTime(change.clientUpdatedAt);
  // The claim already says APPLIED: only a conflict needs its result written.
  let stored = false;
  const store = async (result: MutationResult) => {
    if (result.status !== 'applied') await storeMutationResult(tx, auth.userId, change.mutationId, result);
    stored = true;
  };
  const conflictOf = (resolution: Resolution, server: Entity): MutationResult => ({
    status: 'conflict',
    resolution,
    entity_type: change.entityType,
    entity_id: change.entityId,
    server,
  });
  // Called by the resource layer inside its write, before the change feed entry (kept last).
  const writeOptions = (stale: boolean): WriteOptions => ({
    updatedAt: clientTime,
    ...(changeFeed ? { deferredChanges: changeFeed } : {}),
    onWritten: async (writeTx, entity) => {
      await recordDeviceWrite(writeTx, key, deviceId, Number(entity.sync_version));
      await store(stale ? conflictOf('client_won', entity) : { status: 'applied' });
    },
  });

  let result: MutationResult;
  if (change.operation === 'create') {
    await createEntity(tx, auth, change.entityType, { ...change.data, id: change.entityId }, writeOptions(false));
    // Not created: the caller's identical retry of an existing entity (anything else is CONFLICT).
    result = { status: 'applied' };
  } else {
    const current = await lockCurrentVersion(tx, auth, change);
    const decision = decideLastWriteWins(current, { baseVersion: change.baseVersion, clientTime, deviceId });
    if (!decision.apply) {
      result = conflictOf('server_won', await getEntity(tx, auth, change.entityType, change.entityId));
    } else {
      const entity =
        change.operation === 'delete'
          ? await archiveEntity(tx, auth, change.entityType, change.entityId, writeOptions(decision.stale))
          : await updateEntity(tx, auth, change.entityType, change.entityId, change.data, {
              mode: 'patch',
              ...writeOptions(decision.stale),
            });
      // Archiving an archived entity writes nothing (and so did not store a result yet).
      result = decision.stale ? conflictOf('client_won', entity) : { status: 'applied' };
    }
  }
  if (!stored) await store(result);
  return result;
}

/**
 * docs/sync.md: Contact Zero travels (profile edits sync) but is never created or archived through
 * sync. A create carrying `is_contact_zero: true` is not one: like `POST /contacts`, the generic
 * write ignores that server-owned field and creates an ordinary contact.
 */
function refuseContactZeroLifecycle(auth: AuthContext, change: PushChange): void {
  if (change.entityType !== 'contact') return;
  const isContactZero = change.entityId === auth.contactZeroId.toLowerCase();
  if (change.operation === 'create' && isContactZero) throw forbidden('Contact Zero cannot be created through sync');
  if (isContactZero && (change.operation === 'delete' || change.data.is_archived === true)) {
    throw forbidden('Contact Zero cannot be archived');
  }
}

/**
 * Locks the caller's row for the decision and the write (another user's id is NOT_FOUND), and
 * reads which device made its current version, in one round trip.
 */
async function lockCurrentVersion(tx: Tx, auth: AuthContext, change: PushChange): Promise<StoredWrite> {
  const { definition, schemas } = resourceFor(change.entityType);
  const columns = schemas.columns as Record<string, AnyPgColumn>;
  const [row] = await tx
    .select({
      sync_version: columns.sync_version as AnyPgColumn,
      updated_at: columns.updated_at as AnyPgColumn,
      writer_device_id: syncEntityWriters.device_id,
      writer_version: syncEntityWriters.sync_version,
    })
    .from(definition.table)
    .leftJoin(
      syncEntityWriters,
      and(
        eq(syncEntityWriters.user_id, auth.userId),
        eq(syncEntityWriters.entity_type, change.entityType),
        eq(syncEntityWriters.entity_id, definition.table.id),
      ),
    )
    .where(ownedRow(definition.table, auth.userId, change.entityId))
    .for('no key update', { of: definition.table });
  if (!row) throw notFound(definition.name);
  const version = Number(row.sync_version);
  // A writer row from an older version: the latest write came through another door.
  return {
    sync_version: version,
    updated_at: row.updated_at as Date,
    writerDeviceId: row.writer_version === version ? row.writer_device_id : null,
  };
}
