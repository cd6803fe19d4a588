import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { folders } from '../../../db/schema/index.ts';
import { queryRows } from '../../../db/rows.ts';
import { fieldError, forbidden } from '../../errors.ts';
import type { ResourceDefinition, WriteContext } from '../definition.ts';
import { booleanEquals, idEquals, substringSearch } from '../filters.ts';

/** Advisory lock class of "this user's folder tree is being re-parented". */
const FOLDER_TREE_LOCK = 7_204_001;

/**
 * A folder may not become its own ancestor. Re-parentings of one user are serialized by an
 * advisory lock so two concurrent moves (A under B, B under A) cannot each pass the check alone.
 */
async function assertNoCycle({ tx, auth, existing, values }: WriteContext): Promise<void> {
  const parentId = values.parent_id;
  if (!existing || typeof parentId !== 'string' || parentId === existing.parent_id) return;
  if (parentId === existing.id) throw fieldError('parent_id', 'cannot be the folder itself');
  await tx.execute(sql`select pg_advisory_xact_lock(${FOLDER_TREE_LOCK}, hashtext(${auth.userId}))`);
  const [cycle] = await queryRows<{ found: number }>(
    tx,
    sql`with recursive ancestors(id, parent_id, depth) as (
          select id, parent_id, 1 from folders where id = ${parentId} and user_id = ${auth.userId}
          union all
          select f.id, f.parent_id, a.depth + 1 from folders f join ancestors a on f.id = a.parent_id
          where f.user_id = ${auth.userId} and a.depth < 10000
        )
        select 1 as found from ancestors where id = ${existing.id as string} limit 1`,
  );
  if (cycle) throw fieldError('parent_id', 'would put the folder inside itself');
}

export const foldersResource: ResourceDefinition = {
  path: 'folders',
  entityType: 'folder',
  name: 'Folder',
  table: folders,
  writable: ['parent_id', 'name', 'icon', 'color', 'sort_order', 'is_archived'],
  fieldSchemas: { name: z.string().min(1).max(255) },
  ownedReferences: { parent_id: folders },
  filters: {
    parent_id: idEquals(folders.parent_id, 'Direct children of this folder.'),
    is_default: booleanEquals(folders.is_default, 'The default PARA folders (or the others).'),
  },
  sortable: ['updated_at', 'created_at', 'name', 'sort_order'],
  search: substringSearch([folders.name], 'Case-insensitive substring of the name.'),
  hooks: {
    async beforeWrite(context) {
      if (context.existing?.is_default === true && context.values.is_archived === true)
        throw forbidden('Default folders cannot be archived');
      await assertNoCycle(context);
    },
  },
};
