import type { z } from 'zod';
import type { ResourceDefinition } from './definition.ts';
import { buildListQuerySchema } from './list-query.ts';
import { buildResourceSchemas, type ResourceSchemas } from './schemas.ts';

/** A definition with everything derived from it, built once at start. */
export interface Resource {
  definition: ResourceDefinition;
  schemas: ResourceSchemas;
  listQuery: z.ZodObject;
}

export function compileResource(definition: ResourceDefinition): Resource {
  for (const name of [...(definition.sortable ?? []), ...definition.writable]) {
    if (!(name in definition.table)) throw new Error(`${definition.path}: ${name} is not a column`);
  }
  return { definition, schemas: buildResourceSchemas(definition), listQuery: buildListQuerySchema(definition) };
}
