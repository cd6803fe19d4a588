// docs/search.md: title autocomplete for the [[link]] picker. Titles that start with what was
// typed come first, then titles with a word starting with it, then (from three characters on)
// titles containing it anywhere; shorter titles first within each group. Matching ignores case and
// accents (notes.title_search, folded by fl_fold) and runs on the (user_id, title_search) trigram
// GIN index: pg_trgm answers LIKE patterns of any length when they are anchored at a word start.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { parseInput } from '../validation.ts';

export const DEFAULT_TITLE_LIMIT = 10;
export const MAX_TITLE_LIMIT = 50;
/** From this many characters on, a title matches when it contains the text anywhere (trigrams need three). */
const IN_WORD_MIN_LENGTH = 3;

export const titleQuerySchema = z.object({
  prefix: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_TITLE_LIMIT).optional(),
});

export interface NoteTitle {
  id: string;
  title: string;
  blocksuite_doc_id: string;
}

/** The statement of a title lookup (exported so the EXPLAIN test runs the very same SQL). */
export function planNoteTitles(auth: AuthContext, rawQuery: unknown): SQL {
  const query = parseInput(titleQuerySchema, rawQuery);
  const limit = query.limit ?? DEFAULT_TITLE_LIMIT;
  const typed = (query.prefix ?? '').trim();
  const owned = sql`user_id = ${auth.userId} and is_archived = false and title is not null`;
  if (typed === '') {
    // Nothing typed yet: the notes touched last, from the listing index.
    return sql`select id, title, blocksuite_doc_id from notes where ${owned}
      order by updated_at desc nulls last, id limit ${limit}`;
  }
  // Folded like the column, then LIKE's own characters escaped. Immutable, so the planner folds it
  // into a constant pattern and can pick trigrams for the index.
  const folded = sql`replace(replace(replace(fl_fold(${typed}::text), '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
  const startsWith = sql`title_search like ${folded} || '%'`;
  const wordStartsWith = sql`title_search like '% ' || ${folded} || '%'`;
  const matches =
    [...typed].length >= IN_WORD_MIN_LENGTH
      ? sql`title_search like '%' || ${folded} || '%'`
      : sql`(${startsWith} or ${wordStartsWith})`;
  return sql`select id, title, blocksuite_doc_id from notes
    where ${owned} and ${matches}
    order by case when ${startsWith} then 0 when ${wordStartsWith} then 1 else 2 end, length(title_search), title_search, id
    limit ${limit}`;
}

/** GET /notes/titles: the caller's note titles matching what is being typed, best first. */
export async function noteTitles(db: Db, auth: AuthContext, rawQuery: unknown): Promise<NoteTitle[]> {
  const rows = await queryRows<{ id: string; title: string; blocksuite_doc_id: string }>(
    db,
    planNoteTitles(auth, rawQuery),
  );
  return rows.map((row) => ({ id: String(row.id), title: row.title, blocksuite_doc_id: row.blocksuite_doc_id }));
}
