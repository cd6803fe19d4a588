// The metadata API of every entity as domain functions `(db | tx, auth, entity type, …)`. REST
// routes and offline sync both call these: a change is validated, owned, versioned and recorded
// for sync the same way whichever door it came through.
import type { Db, Tx } from '../../db/client.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import type { EntityType } from '../entity-types.ts';
import type { ChangeRef, Entity } from './definition.ts';
import { listResource, type ListPage } from './list.ts';
import {
  archiveResourceEntity,
  createResourceEntities,
  createResourceEntity,
  findResourceEntities,
  findResourceEntity,
  getResourceEntity,
  updateResourceEntity,
  type CreateItem,
  type CreateOutcome,
  type CreateResult,
  type UpdateBody,
  type UpdateOptions,
  type WriteOptions,
  weighResourceEntities,
} from './operations.ts';
import { resourceFor } from './registry.ts';

export type { Entity, CreateItem, CreateOutcome, CreateResult, ListPage, UpdateBody, UpdateOptions, WriteOptions };
export { RESOURCES, resourceFor } from './registry.ts';

/** Exactly what `GET /resource/:id` answers (and what a sync pull's `data` must be). Throws NOT_FOUND. */
export const getEntity = (db: Db, auth: AuthContext, type: EntityType, id: string): Promise<Entity> =>
  getResourceEntity(db, auth, resourceFor(type), id);

/** Like getEntity, undefined instead of NOT_FOUND. */
export const findEntity = (db: Db, auth: AuthContext, type: EntityType, id: string): Promise<Entity | undefined> =>
  findResourceEntity(db, auth, resourceFor(type), id);

/** Like findEntity for many ids in one query per table (sync pull): the caller's entities by id. */
export const findEntities = (
  db: Db,
  auth: AuthContext,
  type: EntityType,
  ids: readonly string[],
): Promise<Map<string, Entity>> => findResourceEntities(db, auth, resourceFor(type), ids);

/** What findEntities would load of each entity beyond its short columns, by stored length (a pull's chunks). */
export const weighEntities = (
  db: Db,
  auth: AuthContext,
  type: EntityType,
  ids: readonly string[],
): Promise<Map<string, number>> => weighResourceEntities(db, auth, resourceFor(type), ids);

/**
 * Creates from an untrusted body (validated here). A body `id` that exists answers CONFLICT unless
 * it is the caller's identical retry (`created: false`). Runs in a transaction (a savepoint when
 * `db` already is one).
 */
export const createEntity = (
  db: Db,
  auth: AuthContext,
  type: EntityType,
  body: unknown,
  options?: WriteOptions,
): Promise<CreateResult> => createResourceEntity(db, auth, resourceFor(type), body, options);

/**
 * Many creates of one resource with one INSERT, in `tx` without a savepoint of its own (see
 * createResourceEntities): an item the client got wrong fails alone, anything else throws.
 */
export const createEntities = (
  tx: Tx,
  auth: AuthContext,
  type: EntityType,
  items: readonly CreateItem[],
  deferredChanges: ChangeRef[],
): Promise<CreateOutcome[]> => createResourceEntities(tx, auth, resourceFor(type), items, deferredChanges);

/** PUT (`mode: 'put'`, omitted fields reset) or PATCH (`mode: 'patch'`, only what the body names). */
export const updateEntity = (
  db: Db,
  auth: AuthContext,
  type: EntityType,
  id: string,
  body: UpdateBody,
  options: UpdateOptions,
): Promise<Entity> => updateResourceEntity(db, auth, resourceFor(type), id, body, options);

/** DELETE: `is_archived = true`. */
export const archiveEntity = (
  db: Db,
  auth: AuthContext,
  type: EntityType,
  id: string,
  options?: WriteOptions,
): Promise<Entity> => archiveResourceEntity(db, auth, resourceFor(type), id, options);

export const listEntities = (db: Db, auth: AuthContext, type: EntityType, query: unknown): Promise<ListPage> =>
  listResource(db, auth, resourceFor(type), query);
