// The generic writes and reads of every resource. Domain functions, not HTTP: REST routes and
// offline sync push call exactly these, so a change is validated, versioned, owned and recorded
// the same way whichever door it came through.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { conflict, DomainError, notFound, validationError, type FieldProblem } from '../errors.ts';
import {
  assertOwnedReferences,
  ownedBy,
  ownedReferenceProblemsEach,
  ownedRow,
  type OwnedReference,
} from '../ownership.ts';
import { isUuid } from '../uuid.ts';
import { recordChanges } from '../change-feed.ts';
import { archiveStamp } from '../trash/archive-stamp.ts';
import { parseInput } from '../validation.ts';
import { assertCurrentVersion, bumpVersion, firstVersion, type Versioned } from '../versioning.ts';
import { apiValue, isTimestampColumn, storedValue } from './columns.ts';
import { insertRowsReturning } from './bulk-insert.ts';
import { checkUrlField } from './data-url.ts';
import type { ChangeRef, Entity, PresentOptions, Row, WriteContext, WriteMode } from './definition.ts';
import { storedBytes } from './list.ts';
import { DETAIL, presentRow, presentRows } from './present.ts';
import type { Resource } from './resource.ts';

export interface WriteOptions {
  /** Time of the winning write (sync: the client's clamped time); default: the server clock. */
  updatedAt?: Date;
  /** The version the caller based its write on (REST If-Match, sync base_version). */
  expectedVersion?: number;
  /**
   * Runs in the write's transaction once the entity is written, just before the change is recorded
   * (which stays the transaction's last statement): sync push stores its mutation result here.
   * Not called when nothing was written (identical create retry, archiving an archived entity).
   */
  onWritten?: (tx: Tx, entity: Entity) => Promise<void>;
  /**
   * When given, the write appends its change-feed entries here instead of recording them: the
   * caller records them once, as the last statement of its own transaction (a sync push applies all
   * its changes in one transaction and takes the user's change counter only at the end).
   */
  deferredChanges?: ChangeRef[];
  /**
   * The write copies a record made elsewhere (the import of an app export, src/domain/import):
   * `row` holds values the server would otherwise derive or own (creation time, author, closing
   * time, a note's document state), written as given after the hooks ran; `items` the same for
   * inserted nested items or members, per collection field and item (or member) id. Hooks see
   * `copying` and do not run automations again (a stage's auto task: the copy has that task).
   */
  copied?: { row?: Row; items?: Record<string, ReadonlyMap<string, Row>> };
  /**
   * false: the caller does not read the answer (an import writing thousands of rows), so the
   * written row is returned as stored instead of presented (no reads of its nested collections).
   */
  present?: false;
}

export interface CreateResult {
  entity: Entity;
  /** False when the id existed and the body was an identical retry: nothing was written. */
  created: boolean;
}

/** A body, or a function of the current entity giving one (read-modify-write under the row lock). */
export type UpdateBody = unknown | ((current: Entity) => unknown);

export function assertEntityId(resource: Resource, id: string): void {
  if (!isUuid(id)) throw notFound(resource.definition.name);
}

interface ParsedBody {
  id: string | undefined;
  /** Column values to write. */
  values: Row;
  /** Nested collections present in the body. */
  nested: Record<string, unknown>;
  /** The validated body without ignored fields (identical-retry comparison). */
  input: Row;
}

function parseBody(resource: Resource, mode: WriteMode, body: unknown): ParsedBody {
  const { schemas, definition } = resource;
  const schema = mode === 'create' ? schemas.create : mode === 'put' ? schemas.put : schemas.patch;
  const input = parseInput(schema, body) as Row;
  const id = mode === 'create' ? (input.id as string | undefined) : undefined;
  for (const key of schemas.ignored) delete input[key];
  delete input.id;

  const dataUrlFields = definition.dataUrlFields ?? [];
  for (const field of dataUrlFields) checkUrlField(field, input[field], true);
  for (const field of definition.writable)
    if (field.endsWith('_url') && !dataUrlFields.includes(field)) checkUrlField(field, input[field], false);
  const values: Row = {};
  for (const name of definition.writable) {
    if (input[name] !== undefined) values[name] = storedValue(schemas.columns[name] as AnyPgColumn, input[name]);
  }
  if (mode === 'put') for (const [name, value] of schemas.putDefaults) if (!(name in values)) values[name] = value;
  const nested: Record<string, unknown> = {};
  for (const collection of definition.nested ?? []) {
    const value = input[collection.field];
    if (value !== undefined) {
      collection.precheck?.(value);
      nested[collection.field] = value;
    } else if (mode === 'put') {
      nested[collection.field] = collection.empty;
    }
  }
  return { id, values, nested, input };
}

/** The columns of the single-entity shape, or (`detail` false) of a list item. */
function detailSelection(resource: Resource, detail = true): Record<string, AnyPgColumn> {
  const names = detail ? resource.schemas.detailColumns : resource.schemas.listColumns;
  return Object.fromEntries(names.map((name) => [name, resource.schemas.columns[name] as AnyPgColumn]));
}

/** Every foreign key of the body, the parent's and its nested collections'. */
function ownedReferencesOf(context: WriteContext, resource: Resource): OwnedReference[] {
  const references: OwnedReference[] = [];
  for (const [field, table] of Object.entries(resource.definition.ownedReferences ?? {})) {
    const value = context.values[field];
    if (value === undefined || value === null) continue;
    if (context.existing && context.existing[field] === value) continue;
    references.push({ field, table, ids: [String(value)] });
  }
  for (const collection of resource.definition.nested ?? []) {
    const value = context.nested[collection.field];
    if (value !== undefined && collection.ownedReferences) references.push(...collection.ownedReferences(value));
  }
  return references;
}

/** Every foreign key of the body checked at once. */
async function checkOwnedReferences(context: WriteContext, resource: Resource): Promise<void> {
  await assertOwnedReferences(context.tx, context.auth.userId, ownedReferencesOf(context, resource));
}

/** Writes the row's nested collections and runs the after-write hook; answers the changes to record. */
async function writeDependents(
  context: WriteContext,
  resource: Resource,
  row: Row,
  copied?: WriteOptions['copied'],
): Promise<ChangeRef[]> {
  const { definition } = resource;
  const parentId = String(row.id);
  for (const collection of definition.nested ?? []) {
    if (collection.field in context.nested) {
      await collection.write(
        {
          tx: context.tx,
          auth: context.auth,
          parentId,
          mode: context.mode,
          copiedItems: copied?.items?.[collection.field],
        },
        context.nested[collection.field],
      );
    }
  }
  const extra = (await definition.hooks?.afterWrite?.({ ...context, row })) ?? [];
  return [{ entityType: definition.entityType, entityId: parentId }, ...extra];
}

/** Writes the row's dependents, presents it, runs onWritten, and records the change. */
async function finishWrite(
  context: WriteContext,
  resource: Resource,
  row: Row,
  options: WriteOptions,
): Promise<Entity> {
  const changes = await writeDependents(context, resource, row, options.copied);
  const entity = options.present === false ? row : await presentRow(context.tx, resource, row);
  await options.onWritten?.(context.tx, entity);
  if (options.deferredChanges) {
    options.deferredChanges.push(...changes);
    return entity;
  }
  // Last statement of the transaction: the change counter's row lock is held until commit.
  await recordChanges(context.tx, context.auth.userId, changes);
  return entity;
}

function assertWritable(resource: Resource): void {
  if (resource.definition.readOnly) {
    throw new DomainError('VALIDATION_ERROR', `${resource.definition.name} is read-only`, [
      { field: 'entity_type', message: 'is read-only' },
    ]);
  }
}

/** A create's write context, before any database work. */
function createContext(
  tx: Tx,
  auth: AuthContext,
  resource: Resource,
  parsed: ParsedBody,
  updatedAt: Date,
  copying = false,
): WriteContext {
  const values: Row = { ...parsed.values, ...archiveStamp(false, parsed.values.is_archived) };
  for (const [name, makeDefault] of Object.entries(resource.definition.serverDefaults ?? {})) {
    if (values[name] === undefined) values[name] = makeDefault(auth);
  }
  return { tx, auth, mode: 'create', existing: undefined, values, nested: parsed.nested, updatedAt, copying };
}

/** The row a create inserts; a copy's values (`WriteOptions.copied.row`) over the derived ones. */
function insertedRow(context: WriteContext, id: string, copiedRow?: Row): Row {
  const version = firstVersion(context.updatedAt);
  return {
    ...context.values,
    created_at: version.updated_at,
    ...copiedRow,
    id,
    user_id: context.auth.userId,
    sync_version: version.sync_version,
    updated_at: version.updated_at,
  };
}

export async function createResourceEntity(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  body: unknown,
  options: WriteOptions = {},
): Promise<CreateResult> {
  assertWritable(resource);
  const { definition } = resource;
  const parsed = parseBody(resource, 'create', body);
  return db.transaction(async (tx) => {
    const context = createContext(
      tx,
      auth,
      resource,
      parsed,
      options.updatedAt ?? new Date(),
      options.copied !== undefined,
    );
    await checkOwnedReferences(context, resource);
    await definition.hooks?.beforeWrite?.(context);
    const id = parsed.id ?? randomUUID();
    const [row] = (await tx
      .insert(definition.table)
      .values(insertedRow(context, id, options.copied?.row) as never)
      .onConflictDoNothing({ target: definition.table.id })
      .returning(detailSelection(resource))) as Row[];
    if (!row) return { entity: await identicalRetryOrConflict(tx, auth, resource, id, parsed.input), created: false };
    return { entity: await finishWrite(context, resource, row, options), created: true };
  });
}

export interface CreateItem {
  body: unknown;
  /** Time of the write (sync: the client's clamped time). */
  updatedAt: Date;
  /** A copy's values, as `WriteOptions.copied` (an import). */
  copied?: WriteOptions['copied'];
}

/** How one item of createResourceEntities ended. */
export type CreateOutcome =
  | { ok: true; id: string; syncVersion: number; created: boolean }
  | { ok: false; error: DomainError };

/**
 * Many creates of one resource with one INSERT: a sync push's run of creates, which would otherwise
 * cost several round trips per row. Every rule of createResourceEntity holds for each item (body
 * validation, server defaults, owned references, hooks, nested collections, identical retry or
 * CONFLICT for an existing id). An item the client got wrong in a way known before anything is
 * written (its body, its references, a hook's refusal, an id that exists) fails alone. Anything
 * that fails once rows are written (a constraint, a nested write) throws: the caller runs this in
 * a savepoint, rolls it back and creates the items one by one to find the bad one.
 *
 * Runs in `tx` as it is (no savepoint of its own), appends the change-feed entries to
 * `deferredChanges`, and answers versions rather than presented entities (a push needs no more).
 * Items are taken in order, but every item's checks and before-write hook run before the run's
 * insert: so a run must hold no item whose checks need another item of the run written. A sync
 * push, which cannot know, batches only resources whose hooks read no rows of their own kind
 * (`batchCreates`); the import, which orders its rows, batches every store (write-entities.ts).
 */
export async function createResourceEntities(
  tx: Tx,
  auth: AuthContext,
  resource: Resource,
  items: readonly CreateItem[],
  deferredChanges: ChangeRef[],
): Promise<CreateOutcome[]> {
  assertWritable(resource);
  const { definition } = resource;
  const outcomes: CreateOutcome[] = [];
  const fail = (index: number, error: unknown) => {
    if (!(error instanceof DomainError)) throw error;
    outcomes[index] = { ok: false, error };
  };
  const prepared: Array<{
    index: number;
    id: string;
    parsed: ParsedBody;
    context: WriteContext;
    copied: WriteOptions['copied'];
  }> = [];
  for (const [index, item] of items.entries()) {
    try {
      const parsed = parseBody(resource, 'create', item.body);
      const context = createContext(tx, auth, resource, parsed, item.updatedAt, item.copied !== undefined);
      prepared.push({ index, id: (parsed.id ?? randomUUID()).toLowerCase(), parsed, context, copied: item.copied });
    } catch (error) {
      fail(index, error);
    }
  }
  const problems = await ownedReferenceProblemsEach(
    tx,
    auth.userId,
    prepared.map((item) => ownedReferencesOf(item.context, resource)),
  );
  const valid: typeof prepared = [];
  for (const [position, item] of prepared.entries()) {
    const itemProblems = problems[position] ?? [];
    if (itemProblems.length > 0) {
      fail(item.index, validationError(itemProblems));
      continue;
    }
    try {
      await definition.hooks?.beforeWrite?.(item.context);
      valid.push(item);
    } catch (error) {
      fail(item.index, error);
    }
  }
  if (valid.length === 0) return outcomes;
  const rows = await insertRowsReturning(
    tx,
    definition.table,
    valid.map((item) => insertedRow(item.context, item.id, item.copied?.row)),
    resource.schemas.detailColumns,
  );
  const inserted = new Map(rows.map((row) => [String(row.id), row]));
  for (const item of valid) {
    const row = inserted.get(item.id);
    // Taken once: a second item with the same id is a retry of the first, as it would be one by one.
    inserted.delete(item.id);
    if (!row) {
      try {
        const current = await identicalRetryOrConflict(tx, auth, resource, item.id, item.parsed.input);
        outcomes[item.index] = { ok: true, id: item.id, syncVersion: Number(current.sync_version), created: false };
      } catch (error) {
        fail(item.index, error);
      }
      continue;
    }
    deferredChanges.push(...(await writeDependents(item.context, resource, row, item.copied)));
    outcomes[item.index] = { ok: true, id: item.id, syncVersion: Number(row.sync_version), created: true };
  }
  return outcomes;
}

/** docs/api.md: creating an id that exists is a conflict, unless it is the caller's identical retry. */
async function identicalRetryOrConflict(
  tx: Tx,
  auth: AuthContext,
  resource: Resource,
  id: string,
  input: Row,
): Promise<Entity> {
  const [existing] = (await tx
    .select(detailSelection(resource))
    .from(resource.definition.table)
    .where(eq(resource.definition.table.id, id))) as Row[];
  if (existing && existing.user_id === auth.userId) {
    const current = await presentRow(tx, resource, existing);
    if (sameAsStored(resource, input, current)) return current;
  }
  throw conflict(`A ${resource.definition.entityType} with this id already exists`);
}

function sameAsStored(resource: Resource, input: Row, current: Entity): boolean {
  return differingFields(resource, input, current).length === 0;
}

/**
 * The fields of `input` (columns or nested collections, values as a body carries them) whose value
 * differs from the `current` entity's: the one comparison behind an identical create retry and an
 * import's "unchanged".
 */
export function differingFields(resource: Resource, input: Row, current: Entity): string[] {
  const nested = new Map((resource.definition.nested ?? []).map((collection) => [collection.field, collection]));
  return Object.entries(input)
    .filter(([key, value]) => {
      const collection = nested.get(key);
      if (collection) return !collection.sameAs(value, current[key]);
      const column = resource.schemas.columns[key];
      if (column && isTimestampColumn(column) && typeof value === 'string' && typeof current[key] === 'string') {
        return Date.parse(value) !== Date.parse(current[key] as string);
      }
      return JSON.stringify(apiValue(value) ?? null) !== JSON.stringify(current[key] ?? null);
    })
    .map(([key]) => key);
}

export interface UpdateOptions extends WriteOptions {
  mode: 'put' | 'patch';
}

export async function updateResourceEntity(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  id: string,
  body: UpdateBody,
  options: UpdateOptions,
): Promise<Entity> {
  assertWritable(resource);
  assertEntityId(resource, id);
  const early = typeof body === 'function' ? undefined : parseBody(resource, options.mode, body);
  return db.transaction(async (tx) => {
    const existing = await lockOwnedRow(tx, auth, resource, id);
    assertCurrentVersion(existing as unknown as Versioned, options.expectedVersion);
    const parsed =
      early ??
      parseBody(
        resource,
        options.mode,
        (body as (current: Entity) => unknown)(await presentRow(tx, resource, existing)),
      );
    return writeUpdate(tx, auth, resource, existing, parsed, options);
  });
}

/** DELETE: archives (docs/api.md). Archiving an archived entity changes nothing. */
export async function archiveResourceEntity(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  id: string,
  options: WriteOptions = {},
): Promise<Entity> {
  assertWritable(resource);
  assertEntityId(resource, id);
  const parsed = parseBody(resource, 'patch', { is_archived: true });
  return db.transaction(async (tx) => {
    const existing = await lockOwnedRow(tx, auth, resource, id);
    assertCurrentVersion(existing as unknown as Versioned, options.expectedVersion);
    if (existing.is_archived === true) return presentRow(tx, resource, existing);
    return writeUpdate(tx, auth, resource, existing, parsed, { ...options, mode: 'patch' });
  });
}

async function lockOwnedRow(tx: Tx, auth: AuthContext, resource: Resource, id: string): Promise<Row> {
  const [existing] = (await tx
    .select(detailSelection(resource))
    .from(resource.definition.table)
    .where(ownedRow(resource.definition.table, auth.userId, id))
    // The lock an UPDATE itself takes (ids never change): rows that merely reference this one
    // (foreign-key checks) are not held up by it.
    .for('no key update')) as Row[];
  if (!existing) throw notFound(resource.definition.name);
  return existing;
}

async function writeUpdate(
  tx: Tx,
  auth: AuthContext,
  resource: Resource,
  existing: Row,
  parsed: ParsedBody,
  options: UpdateOptions,
): Promise<Entity> {
  const { definition } = resource;
  const values: Row = { ...parsed.values, ...archiveStamp(existing.is_archived === true, parsed.values.is_archived) };
  const problems: FieldProblem[] = [];
  for (const name of definition.createOnly ?? []) {
    if (values[name] === undefined) continue;
    if (values[name] !== existing[name]) problems.push({ field: name, message: 'cannot be changed after creation' });
    delete values[name];
  }
  if (problems.length > 0) throw validationError(problems);
  const version = bumpVersion(definition.table, options.updatedAt ?? new Date());
  const context: WriteContext = {
    tx,
    auth,
    mode: options.mode,
    existing,
    values,
    nested: parsed.nested,
    updatedAt: version.updated_at,
    copying: options.copied !== undefined,
  };
  await checkOwnedReferences(context, resource);
  await definition.hooks?.beforeWrite?.(context);
  const [row] = (await tx
    .update(definition.table)
    .set({ ...context.values, ...options.copied?.row, ...version } as never)
    .where(eq(definition.table.id, existing.id as string))
    .returning(detailSelection(resource))) as Row[];
  return finishWrite(context, resource, row as Row, options);
}

export async function findResourceEntity(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  id: string,
): Promise<Entity | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = (await db
    .select(detailSelection(resource))
    .from(resource.definition.table)
    .where(ownedRow(resource.definition.table, auth.userId, id))) as Row[];
  return row ? presentRow(db, resource, row, DETAIL) : undefined;
}

/** Batch findResourceEntity: the caller's entities among `ids`, by id (a missing or foreign id is absent). */
export async function findResourceEntities(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  ids: readonly string[],
  presentOptions: PresentOptions = DETAIL,
): Promise<Map<string, Entity>> {
  const wanted = [...new Set(ids.filter((id) => isUuid(id)))];
  if (wanted.length === 0) return new Map();
  const { table } = resource.definition;
  const rows = (await db
    .select(detailSelection(resource, presentOptions.detail))
    .from(table)
    .where(and(ownedBy(table, auth.userId), inArray(table.id, wanted)))) as Row[];
  const entities = await presentRows(db, resource, rows, presentOptions);
  return new Map(entities.map((entity) => [String(entity.id), entity]));
}

/**
 * What reading each of the caller's entities `ids` as `findResourceEntities` does would load beyond
 * its short columns, by stored length (list.ts, `storedBytes`), without loading it: 0 for an
 * entity with nothing long, absent for one that is not the caller's.
 */
export async function weighResourceEntities(
  db: Db,
  auth: AuthContext,
  resource: Resource,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const wanted = [...new Set(ids.filter((id) => isUuid(id)))];
  if (wanted.length === 0) return new Map();
  const { table } = resource.definition;
  const bytes = storedBytes(resource, { detail: true, includeBodies: true });
  const rows = await db
    .select({ id: table.id, bytes: bytes ?? sql<number>`0`.mapWith(Number) })
    .from(table)
    .where(and(ownedBy(table, auth.userId), inArray(table.id, wanted)));
  return new Map(rows.map((row) => [String(row.id), Number(row.bytes)]));
}

/** Entities as lists show them, with their attachments' bodies (an export's view). */
const LIST_WITH_BODIES: PresentOptions = { detail: false, includeAttachments: true };
/** Attachments without their data URLs (the export reads each one alone as it writes it). */
const LIST_WITHOUT_BODIES: PresentOptions = { detail: false, includeAttachments: false };
/** Rows presented per statement of each nested collection. */
const PRESENT_BATCH = 500;

/**
 * Every entity of the caller, oldest first (the export reads an account through this), archived
 * ones only when asked; nested collections are read a batch of entities per statement.
 */
export async function allResourceEntities(
  db: Db,
  auth: Pick<AuthContext, 'userId'>,
  resource: Resource,
  options: { includeArchived: boolean; bodies?: boolean },
): Promise<Entity[]> {
  const { table } = resource.definition;
  const columns = resource.schemas.columns;
  const owned = ownedBy(table, auth.userId);
  const rows = (await db
    .select(detailSelection(resource, false))
    .from(table)
    .where(options.includeArchived ? owned : and(owned, eq(columns.is_archived as AnyPgColumn, false)))
    .orderBy(asc(columns.created_at as AnyPgColumn), asc(table.id))) as Row[];
  const entities: Entity[] = [];
  for (let start = 0; start < rows.length; start += PRESENT_BATCH)
    entities.push(
      ...(await presentRows(
        db,
        resource,
        rows.slice(start, start + PRESENT_BATCH),
        options.bodies === false ? LIST_WITHOUT_BODIES : LIST_WITH_BODIES,
      )),
    );
  return entities;
}

export async function getResourceEntity(db: Db, auth: AuthContext, resource: Resource, id: string): Promise<Entity> {
  const entity = await findResourceEntity(db, auth, resource, id);
  if (!entity) throw notFound(resource.definition.name);
  return entity;
}
