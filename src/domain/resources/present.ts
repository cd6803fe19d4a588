// Rows → the API shape. Lists, single reads, write answers and sync pulls all go through here,
// which is what makes a pull's `data` equal to `GET /resource/:id`.
import type { Db } from '../../db/client.ts';
import { apiValue } from './columns.ts';
import type { Entity, PresentOptions, Row } from './definition.ts';
import type { Resource } from './resource.ts';

export const DETAIL: PresentOptions = { detail: true, includeAttachments: true };

export async function presentRows(
  db: Db,
  resource: Resource,
  rows: readonly Row[],
  options: PresentOptions,
): Promise<Entity[]> {
  const shown = options.detail ? resource.schemas.detailColumns : resource.schemas.listColumns;
  const entities = rows.map((row) => {
    const entity: Entity = {};
    for (const name of shown) if (name in row) entity[name] = apiValue(row[name]);
    return entity;
  });
  const ids = rows.map((row) => String(row.id));
  for (const collection of resource.definition.nested ?? []) {
    const values = await collection.load(db, ids, options);
    entities.forEach((entity, index) => {
      entity[collection.field] = values.get(ids[index] ?? '') ?? collection.empty;
    });
  }
  await resource.definition.decorate?.(db, entities, options);
  return entities;
}

export async function presentRow(
  db: Db,
  resource: Resource,
  row: Row,
  options: PresentOptions = DETAIL,
): Promise<Entity> {
  const [entity] = await presentRows(db, resource, [row], options);
  return entity as Entity;
}
