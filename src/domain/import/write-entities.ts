// Writes the planned entities of one store through the resource layer
// (src/domain/resources/operations.ts), so an imported row is validated, owned, versioned, hooked
// and recorded for sync exactly as a REST or sync write is. What stays here is the import's own
// bookkeeping: an entity that already holds the file's values is not written at all (a re-run
// writes nothing), one changed on the server after the file's record is kept (`storedIsNewer`), and
// every row is counted for the summary.
import { getTableName } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import type { EntityType } from '../entity-types.ts';
import { apiValue } from '../resources/columns.ts';
import type { ChangeRef, Entity, NestedCollection, PresentOptions, Row } from '../resources/definition.ts';
import {
  type CreateItem,
  createResourceEntities,
  differingFields,
  findResourceEntities,
  updateResourceEntity,
} from '../resources/operations.ts';
import { resourceFor } from '../resources/registry.ts';
import type { Resource } from '../resources/resource.ts';
import { inRequestTerms } from '../resources/sub-resources.ts';
import { storedIsNewer } from '../versioning.ts';
import type { PlannedEntity, PlannedItem, Values } from './plan.ts';
import type { ImportTally } from './summary.ts';

type Outcome = 'added' | 'updated' | 'unchanged' | 'kept';

export interface ImportWrite {
  tx: Tx;
  auth: AuthContext;
  /** The time of every update the import makes (a new row gets the file's time). */
  now: Date;
  tally: ImportTally;
  /** Change-feed entries of every write, recorded once as the transaction's last statement. */
  changes: ChangeRef[];
}

/** Stored entities as a list shows them with their attachments' bodies: a note's document is not read. */
const STORED: PresentOptions = { detail: false, includeAttachments: true };
/** Rows read, and created, per statement. */
const BATCH = 500;

const bodyValues = (values: Values | undefined): Row =>
  Object.fromEntries(Object.entries(values ?? {}).map(([key, value]) => [key, apiValue(value)]));

/**
 * A nested collection as a body carries it. Child rows of the parent that the file does not name
 * (added on the server) stay: the body names them as they are.
 */
function nestedBody(collection: NestedCollection, items: readonly PlannedItem[], current: Entity | undefined) {
  if (collection.kind === 'ids') return items.map((item) => item.id);
  const planned = items.map((item) => ({ id: item.id, ...bodyValues(item.values) }));
  const named = new Set(items.map((item) => item.id));
  const others = ((current?.[collection.field] as Row[] | undefined) ?? []).filter(
    (item) => !named.has(String(item.id)),
  );
  return [...planned, ...others];
}

/** Counts the rows of the entity's nested collections. */
function countNested(
  tally: ImportTally,
  collection: NestedCollection,
  items: readonly PlannedItem[],
  current: Entity | undefined,
  outcome: Outcome,
): void {
  const counts = tally.table(getTableName(collection.table));
  if (outcome === 'unchanged' || outcome === 'kept') {
    counts[outcome] += items.length;
    return;
  }
  const stored = (current?.[collection.field] as unknown[] | undefined) ?? [];
  if (collection.kind === 'ids') {
    const have = new Set(stored as string[]);
    const wanted = new Set(items.map((item) => item.id));
    const added = items.filter((item) => !have.has(item.id)).length;
    counts.added += added;
    counts.unchanged += items.length - added;
    counts.removed += [...have].filter((id) => !wanted.has(id)).length;
    return;
  }
  const byId = new Map((stored as Row[]).map((item) => [String(item.id), item]));
  for (const item of items) {
    const storedItem = byId.get(item.id);
    if (!storedItem) counts.added++;
    else if (collection.sameAs([{ id: item.id, ...bodyValues(item.values) }], [storedItem])) counts.unchanged++;
    else counts.updated++;
  }
}

export async function writeEntities(
  context: ImportWrite,
  type: EntityType,
  planned: readonly PlannedEntity[],
  /** Server-owned values computed only for a new row (a note's document). */
  onCreate?: (entity: PlannedEntity) => Values,
): Promise<void> {
  const { tx, auth } = context;
  const resource = resourceFor(type);
  const { definition } = resource;
  const collections = definition.nested ?? [];
  const inBody = new Set<string>([...definition.writable, ...collections.map((collection) => collection.field)]);
  const counts = context.tally.table(getTableName(definition.table));
  const stored = new Map<string, Entity>();
  // A batch of stored entities per statement, each statement's id list bounded.
  for (let start = 0; start < planned.length; start += BATCH) {
    const ids = planned.slice(start, start + BATCH).map((entity) => entity.id);
    for (const [id, entity] of await findResourceEntities(tx, auth, resource, ids, STORED)) stored.set(id, entity);
  }
  const creates = new CreateBatch(context, resource);
  for (const entity of planned) {
    const current = stored.get(entity.id);
    const fields = bodyValues({ ...entity.values, ...(current ? {} : entity.insertOnly) });
    for (const collection of collections) {
      const items = entity.nested?.[collection.field];
      if (items) fields[collection.field] = nestedBody(collection, items, current);
    }
    const changed = current ? differingFields(resource, fields, current) : Object.keys(fields);
    const outcome: Outcome = !current
      ? 'added'
      : changed.length === 0
        ? 'unchanged'
        : storedIsNewer(new Date(String(current.updated_at)), entity.asOf)
          ? 'kept'
          : 'updated';
    counts[outcome]++;
    for (const collection of collections) {
      const items = entity.nested?.[collection.field];
      if (items) countNested(context.tally, collection, items, current, outcome);
    }
    if (outcome === 'unchanged' || outcome === 'kept') continue;

    const body = Object.fromEntries(changed.filter((key) => inBody.has(key)).map((key) => [key, fields[key]]));
    // Values a client may not send but the file decides (an interaction's author, a closing time).
    const row: Row = Object.fromEntries(
      changed.filter((key) => !inBody.has(key)).map((key) => [key, entity.values[key]]),
    );
    const items = Object.fromEntries(
      Object.entries(entity.nested ?? {}).map(([field, list]) => [
        field,
        new Map(list.flatMap((item) => (item.copied ? [[item.id, item.copied] as const] : []))),
      ]),
    );
    if (!current) {
      await creates.add(entity, {
        body: { ...body, id: entity.id },
        updatedAt: entity.updatedAt,
        copied: { row: { ...row, created_at: entity.createdAt, ...onCreate?.(entity) }, items },
      });
      continue;
    }
    // An update may name a row still waiting in the batch (a folder moved under a new one).
    await creates.flush();
    await inRecordTerms(entity, () =>
      updateResourceEntity(tx, auth, resource, entity.id, body, {
        deferredChanges: context.changes,
        present: false,
        mode: 'patch',
        updatedAt: context.now,
        copied: { row, items },
      }),
    );
  }
  await creates.flush();
}

/**
 * New rows of one store, created a batch at a time through createResourceEntities (the set-based
 * path of a sync push): one ownership query per referenced table, one INSERT per batch, and no
 * savepoint per row. Sync push batches only resources whose rows never depend on another row of
 * the same run (`batchCreates`); the import batches every store, because it knows its rows: the
 * only reference between rows of one store is a folder's parent, and a folder naming a row of the
 * batch waiting to be inserted starts the next batch (the plan orders parents first), so each
 * batch's ownership check sees the rows it names. Hooks that read other rows after the insert
 * (a note's title re-resolving links) see the whole batch, which for a note is what the document
 * extraction that follows sees anyway.
 */
class CreateBatch {
  private pending: Array<{ entity: PlannedEntity; item: CreateItem }> = [];
  private readonly pendingIds = new Set<string>();
  /** Fields of the resource naming a row of its own table (a folder's parent). */
  private readonly selfReferences: string[];
  private readonly context: ImportWrite;
  private readonly resource: Resource;

  constructor(context: ImportWrite, resource: Resource) {
    this.context = context;
    this.resource = resource;
    const { definition } = resource;
    this.selfReferences = Object.entries(definition.ownedReferences ?? {})
      .filter(([, table]) => table === definition.table)
      .map(([field]) => field);
  }

  async add(entity: PlannedEntity, item: CreateItem): Promise<void> {
    const namesPending = this.selfReferences.some((field) => this.pendingIds.has(String(entity.values[field])));
    if (namesPending || this.pending.length === BATCH) await this.flush();
    this.pending.push({ entity, item });
    this.pendingIds.add(entity.id);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingIds.clear();
    const { tx, auth, changes } = this.context;
    const outcomes = await createResourceEntities(
      tx,
      auth,
      this.resource,
      batch.map(({ item }) => item),
      changes,
    );
    for (const [index, outcome] of outcomes.entries()) {
      const { entity } = batch[index] as (typeof batch)[number];
      if (!outcome.ok) await inRecordTerms(entity, () => Promise.reject(outcome.error));
    }
  }
}

/** A refusal names the record of the file, then the field as the resource layer names it. */
const inRecordTerms = (entity: PlannedEntity, write: () => Promise<unknown>) =>
  inRequestTerms((field) => `${entity.where}.${field}`, write);
