// docs/search.md: GET /search. One ranked list over notes (their text parts), contacts, tasks,
// projects and interactions of the caller. Two statements: the page of hits (each type's best
// `window` rows from its GIN index over (user_id, search_vector), merged by score), then the
// titles and snippets of that page only (ts_headline is the costly part, so it runs on ≤ limit rows).
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { queryRows } from '../../db/rows.ts';
import { SEARCH_LANGUAGES, type SearchLanguage, searchConfigName } from '../../db/schema/search-text.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { fieldError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { MARK_END, MARK_START, readMarks } from './highlights.ts';
import { MAX_QUERY_LENGTH, parseSearchQuery, type QueryTerm, tsqueryFor } from './search-query.ts';

export const SEARCH_TYPES = ['notes', 'contacts', 'tasks', 'projects', 'interactions'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;
/** Deepest result reachable by paging: every page ranks `offset + limit` rows of each type. */
export const MAX_SEARCH_OFFSET = 500;

const ENTITY_TYPE = {
  notes: 'note',
  contacts: 'contact',
  tasks: 'task',
  projects: 'project',
  interactions: 'interaction',
} as const satisfies Record<SearchType, string>;

export const searchQuerySchema = z.object({
  q: z.string().max(MAX_QUERY_LENGTH),
  types: z
    .string()
    .max(200)
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return [...SEARCH_TYPES];
      const names = [...new Set(value.split(',').map((name) => name.trim()))];
      const unknown = names.filter((name) => !(SEARCH_TYPES as readonly string[]).includes(name));
      if (unknown.length > 0) {
        context.addIssue({ code: 'custom', message: `unknown type ${unknown.join(', ')}; one of ${SEARCH_TYPES}` });
        return z.NEVER;
      }
      return names as SearchType[];
    }),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  cursor: z.string().max(200).optional(),
});

export interface SearchHit {
  entity_type: (typeof ENTITY_TYPE)[SearchType];
  id: string;
  title: string;
  title_highlights: Array<[number, number]>;
  snippet: string;
  snippet_highlights: Array<[number, number]>;
  score: number;
}

export interface SearchPage {
  data: SearchHit[];
  next_cursor: string | null;
}

/** The cursor is an opaque position in the ranked list (an offset: the ranking is recomputed per page). */
function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  try {
    const parsed = z
      .object({ o: z.int().min(0).max(MAX_SEARCH_OFFSET) })
      .parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.o;
  } catch {
    throw fieldError('cursor', 'is not a cursor this endpoint gave out');
  }
}

export interface UserSearchLanguages {
  /** What the user chose. */
  chosen: SearchLanguage;
  /** What the user's notes are indexed in; differs from `chosen` while a re-index runs. */
  applied: SearchLanguage;
}

const asLanguage = (value: unknown): SearchLanguage =>
  (SEARCH_LANGUAGES as readonly unknown[]).includes(value) ? (value as SearchLanguage) : 'neutral';

export async function userSearchLanguages(db: Db, userId: string): Promise<UserSearchLanguages> {
  const rows = await queryRows<{ chosen: string; applied: string }>(
    db,
    sql`select search_language as chosen, search_language_applied as applied from users where id = ${userId}`,
  );
  return { chosen: asLanguage(rows[0]?.chosen), applied: asLanguage(rows[0]?.applied) };
}

/** A note matches in the language its parts are indexed in: during a re-index, either one. */
function noteQuery(terms: readonly QueryTerm[], languages: UserSearchLanguages): SQL | undefined {
  const chosen = tsqueryFor(terms, languages.chosen);
  if (!chosen || languages.applied === languages.chosen) return chosen;
  return sql`((${chosen}) || (${tsqueryFor(terms, languages.applied)}))`;
}

/**
 * Relevance: ts_rank scaled into [0, 1) (normalization 32), plus 1 when the title (weight A) alone
 * matches, so a title match always ranks above a body match.
 */
const score = (vector: SQL, query: SQL) =>
  sql`(ts_rank(${vector}, ${query}, 32) + case when ts_filter(${vector}, '{a}') @@ ${query} then 1 else 0 end)::float8`;

interface EntitySource {
  table: SQL;
  title: SQL;
  text: SQL;
}

const ENTITY_SOURCES: Record<Exclude<SearchType, 'notes'>, EntitySource> = {
  contacts: {
    table: sql`contacts`,
    title: sql`t.full_name`,
    text: sql`concat_ws(' · ', t.company, t.title, t.email, t.location)`,
  },
  tasks: { table: sql`tasks`, title: sql`t.title`, text: sql`left(coalesce(t.description, ''), 100000)` },
  projects: { table: sql`projects`, title: sql`t.name`, text: sql`left(coalesce(t.description, ''), 100000)` },
  interactions: { table: sql`interactions`, title: sql`left(t.summary, 120)`, text: sql`left(t.summary, 100000)` },
};

// Scoring reads the tsqueries from the CTE (init plans: parsed once per statement, not per row).
// The match condition spells the tsquery out instead, so the planner sees its value, estimates how
// many rows it matches, and takes the GIN index for it (an init plan's value is unknown at planning).
const NOTE_QUERY = sql`(select note_query from q)`;
const NEUTRAL_QUERY = sql`(select neutral_query from q)`;

/** The SQL of one type's best `window` hits, as (entity_type, id, chunk_no, score). */
function typeHits(type: SearchType, userId: string, window: number, queries: { notes: SQL; neutral: SQL }): SQL {
  if (type === 'notes') {
    // Best part per note first, then the best notes.
    return sql`(select 'note'::text as entity_type, best.id, best.chunk_no, best.score from (
        select distinct on (c.note_id) c.note_id as id, c.chunk_no, ${score(sql`c.search_vector`, NOTE_QUERY)} as score
        from note_search_chunks c
        join notes n on n.id = c.note_id
        where c.user_id = ${userId} and c.search_vector @@ ${queries.notes} and n.user_id = ${userId} and n.is_archived = false
        order by c.note_id, score desc, c.chunk_no) best
      order by best.score desc, best.id limit ${window})`;
  }
  const source = ENTITY_SOURCES[type];
  return sql`(select ${ENTITY_TYPE[type]}::text as entity_type, t.id, null::int as chunk_no, ${score(sql`t.search_vector`, NEUTRAL_QUERY)} as score
      from ${source.table} t
      where t.user_id = ${userId} and t.is_archived = false and t.search_vector @@ ${queries.neutral}
      order by score desc, t.id limit ${window})`;
}

export interface SearchPlan {
  /** The page statement (tests EXPLAIN it); undefined when the query has nothing to match. */
  page: SQL | undefined;
  offset: number;
  limit: number;
  terms: QueryTerm[];
  noteQuery: SQL | undefined;
  neutralQuery: SQL | undefined;
}

export function planSearch(auth: AuthContext, languages: UserSearchLanguages, rawQuery: unknown): SearchPlan {
  const query = parseInput(searchQuerySchema, rawQuery);
  const offset = decodeCursor(query.cursor);
  const limit = query.limit ?? DEFAULT_SEARCH_LIMIT;
  const terms = parseSearchQuery(query.q);
  const notes = noteQuery(terms, languages);
  const neutral = tsqueryFor(terms, 'neutral');
  if (!notes || !neutral) return { page: undefined, offset, limit, terms, noteQuery: notes, neutralQuery: neutral };
  const window = offset + limit + 1;
  const hits = sql.join(
    query.types.map((type) => typeHits(type, auth.userId, window, { notes, neutral })),
    sql` union all `,
  );
  // The tsqueries are parsed once (MATERIALIZED), not once per candidate row scored.
  const page = sql`with q as materialized (select ${notes} as note_query, ${neutral} as neutral_query)
    select entity_type, id, chunk_no, score from (${hits}) hits
    order by score desc, entity_type, id
    limit ${limit + 1} offset ${offset}`;
  return { page, offset, limit, terms, noteQuery: notes, neutralQuery: neutral };
}

interface PageRow extends Record<string, unknown> {
  entity_type: SearchHit['entity_type'];
  id: string;
  chunk_no: number | null;
  score: number;
}

interface ShownRow extends Record<string, unknown> {
  id: string;
  title: string | null;
  title_marked: string | null;
  snippet_marked: string | null;
}

const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;
const TITLE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
/** The marker characters never come from the text itself. */
const unmarked = (text: SQL) => sql`translate(${text}, ${MARK_START + MARK_END}, '')`;

/** The titles and snippets of a page's notes, from the part each matched in. Exported for EXPLAIN tests. */
export function showNotesSql(
  userId: string,
  rows: ReadonlyArray<{ id: string; chunk_no: number | null }>,
  query: SQL,
): SQL {
  const keys = sql.join(
    rows.map((row) => sql`(${row.id}::uuid, ${row.chunk_no ?? 0}::int)`),
    sql`, `,
  );
  return sql`with q as materialized (select ${query} as query)
      select n.id, n.title,
        ts_headline(('fl_' || c.language)::regconfig, ${unmarked(sql`coalesce(n.title, '')`)}, q.query, ${TITLE_OPTIONS}) as title_marked,
        ts_headline(('fl_' || c.language)::regconfig, ${unmarked(sql`c.content`)}, q.query, ${HEADLINE_OPTIONS}) as snippet_marked
      from q cross join (values ${keys}) as k(note_id, chunk_no)
      join note_search_chunks c on c.note_id = k.note_id and c.chunk_no = k.chunk_no
      join notes n on n.id = c.note_id
      where n.user_id = ${userId} and c.user_id = ${userId}`;
}

/** The titles and snippets of a page's rows of one metadata type. Exported for EXPLAIN tests. */
export function showEntitiesSql(
  userId: string,
  type: Exclude<SearchType, 'notes'>,
  ids: readonly string[],
  query: SQL,
): SQL {
  const source = ENTITY_SOURCES[type];
  const config = sql.raw(`'${searchConfigName('neutral')}'::regconfig`);
  return sql`with q as materialized (select ${query} as query)
      select t.id, ${source.title} as title,
        ts_headline(${config}, ${unmarked(source.title)}, q.query, ${TITLE_OPTIONS}) as title_marked,
        ts_headline(${config}, ${unmarked(source.text)}, q.query, ${HEADLINE_OPTIONS}) as snippet_marked
      from q cross join ${source.table} t
      where t.user_id = ${userId} and t.id in (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`;
}

/** GET /search: one page of the caller's hits, best first, each with its title and a snippet marked. */
export async function searchEverything(db: Db, auth: AuthContext, rawQuery: unknown): Promise<SearchPage> {
  const languages = await userSearchLanguages(db, auth.userId);
  const plan = planSearch(auth, languages, rawQuery);
  if (!plan.page || !plan.noteQuery || !plan.neutralQuery) return { data: [], next_cursor: null };
  const rows = await queryRows<PageRow>(db, plan.page);
  const page = rows.slice(0, plan.limit);
  const byType = new Map<SearchType, PageRow[]>();
  for (const row of page) {
    const type = (Object.keys(ENTITY_TYPE) as SearchType[]).find((key) => ENTITY_TYPE[key] === row.entity_type);
    if (type) byType.set(type, [...(byType.get(type) ?? []), row]);
  }
  const shown = new Map<string, ShownRow>();
  const neutralQuery = plan.neutralQuery;
  const noteQuery = plan.noteQuery;
  await Promise.all(
    [...byType].map(async ([type, typeRows]) => {
      const statement =
        type === 'notes'
          ? showNotesSql(auth.userId, typeRows, noteQuery)
          : showEntitiesSql(
              auth.userId,
              type,
              typeRows.map((row) => row.id),
              neutralQuery,
            );
      for (const row of await queryRows<ShownRow>(db, statement)) shown.set(`${ENTITY_TYPE[type]}:${row.id}`, row);
    }),
  );
  const data: SearchHit[] = [];
  for (const row of page) {
    const display = shown.get(`${row.entity_type}:${row.id}`);
    if (!display) continue; // deleted between the two statements
    const title = readMarks(display.title_marked ?? '');
    const snippet = readMarks(display.snippet_marked ?? '');
    data.push({
      entity_type: row.entity_type,
      id: String(row.id),
      title: title.text,
      title_highlights: title.highlights,
      snippet: snippet.text,
      snippet_highlights: snippet.highlights,
      score: Number(row.score),
    });
  }
  const nextOffset = plan.offset + plan.limit;
  const more = rows.length > plan.limit && nextOffset <= MAX_SEARCH_OFFSET;
  return { data, next_cursor: more ? encodeCursor(nextOffset) : null };
}
