import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { noteReferences } from '../../db/schema/index.ts';
import { queryRows } from '../../db/rows.ts';
import { preparedStatement, textArray } from '../../db/prepared.ts';

/**
 * `note_links` is derived data: a source note links to every non-archived note of the same user
 * whose normalized title equals one of its `title` references, or whose doc id equals one of its
 * `doc` references, never to itself. This recomputes the links of the given sources against what
 * is stored, in ONE set-based statement (run at every store), so a source whose links did not
 * change writes no row.
 */
export async function recomputeLinksOfSources(tx: Tx, userId: string, sourceNoteIds: readonly string[]): Promise<void> {
  if (sourceNoteIds.length === 0) return;
  await recomputeLinks(tx, { userId, sources: textArray(sourceNoteIds) });
}

// One statement: the removal and the insertion see the same snapshot and touch disjoint rows (a
// removed link is not wanted, an inserted one is).
const recomputeLinks = preparedStatement<{ userId: string; sources: string }>(
  'recompute_note_links',
  (p) => sql`with sources as (select unnest(${p.sources}::uuid[]) as id),
    wanted as (
      select distinct r.note_id as source_note_id, n.id as target_note_id
      from note_references r
      join notes n on n.user_id = r.user_id and n.is_archived = false and n.id <> r.note_id
        and ((r.kind = 'title' and n.title_normalized = r.target_key) or (r.kind = 'doc' and n.blocksuite_doc_id = r.target_key))
      where r.user_id = ${p.userId}::uuid and r.note_id in (select id from sources)
    ),
    removed as (
      delete from note_links l
      where l.source_note_id in (select id from sources)
        and not exists (select 1 from wanted w where w.source_note_id = l.source_note_id and w.target_note_id = l.target_note_id)
    )
    insert into note_links (source_note_id, target_note_id)
    select source_note_id, target_note_id from wanted
    on conflict (source_note_id, target_note_id) do nothing`,
);

export interface LinkTarget {
  id: string;
  user_id: string;
  blocksuite_doc_id: string;
  /** Normalized titles this note answers to now and answered to before the change. */
  titleKeys: ReadonlyArray<string | null>;
}

/**
 * When a note appears, is renamed, archived or restored, the notes whose references name it (by
 * its old or new title, or its doc id) and the notes already linking to it re-resolve. This is
 * how a `[[label]]` written before its note existed becomes a link later (docs/collaboration.md).
 */
export async function recomputeLinksToTarget(tx: Tx, target: LinkTarget): Promise<void> {
  const titleKeys = [
    ...new Set(target.titleKeys.filter((key): key is string => typeof key === 'string' && key !== '')),
  ];
  const byReference = or(
    and(eq(noteReferences.kind, 'doc'), eq(noteReferences.target_key, target.blocksuite_doc_id)),
    titleKeys.length > 0
      ? and(eq(noteReferences.kind, 'title'), inArray(noteReferences.target_key, titleKeys))
      : undefined,
  );
  const referencing = await tx
    .selectDistinct({ id: noteReferences.note_id })
    .from(noteReferences)
    .where(and(eq(noteReferences.user_id, target.user_id), byReference));
  const linking = await queryRows<{ id: string }>(
    tx,
    sql`select source_note_id as id from note_links where target_note_id = ${target.id}`,
  );
  const sources = [...new Set([...referencing.map((row) => row.id), ...linking.map((row) => row.id)])].filter(
    (id) => id !== target.id,
  );
  await recomputeLinksOfSources(tx, target.user_id, sources);
}
