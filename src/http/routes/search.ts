// docs/search.md: search as you type, title autocomplete, the search language. Thin: the caller and
// the query string or body → a search service → `{data}`. The query schemas here document the parameters; the domain validates them (one place).
import { createRoute, z } from '@hono/zod-openapi';
import {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  SEARCH_TYPES,
  searchEverything,
} from '../../domain/search/search-service.ts';
import { MAX_QUERY_LENGTH } from '../../domain/search/search-query.ts';
import { DEFAULT_TITLE_LIMIT, MAX_TITLE_LIMIT, noteTitles } from '../../domain/search/note-titles.ts';
import { SEARCH_LANGUAGES } from '../../db/schema/search-text.ts';
import type { SearchSettings } from '../../domain/search/search-settings.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { caller, jsonBody, jsonContent as json, pickErrors, SECURITY } from './resource-kit.ts';

const Highlights = z
  .array(z.tuple([z.int(), z.int()]))
  .openapi({ description: '[start, end) offsets of matched words in the text beside it (UTF-16 code units).' });

const SearchHitSchema = z
  .object({
    entity_type: z.enum(['note', 'contact', 'task', 'project', 'interaction']),
    id: z.string().openapi({ format: 'uuid' }),
    title: z.string().openapi({ description: "Title, name, or an interaction's summary start" }),
    title_highlights: Highlights,
    snippet: z.string().openapi({ description: 'Up to two fragments around the matches (" … " between them)' }),
    snippet_highlights: Highlights,
    score: z.number().openapi({ description: 'Relevance; ≥ 1 when the title itself matches' }),
  })
  .openapi('SearchHit');

const searchRoute = createRoute({
  method: 'get',
  path: '/api/v1/search',
  tags: ['search'],
  summary: 'Search notes, contacts, tasks, projects and interactions as you type',
  description:
    'Web-search syntax: every word must match, `"quoted words"` match as a phrase, `-word` excludes; the last word ' +
    'matches as a prefix unless followed by a space. Case and accents are ignored; notes are stemmed in the ' +
    "caller's search language (GET /search/settings). Best first; title matches rank above body matches.",
  security: SECURITY,
  request: {
    query: z.object({
      q: z.string().max(MAX_QUERY_LENGTH).openapi({ description: 'What the user typed' }),
      types: z
        .string()
        .optional()
        .openapi({ description: `Comma-separated subset of ${SEARCH_TYPES.join(', ')} (default all)` }),
      limit: z
        .string()
        .optional()
        .openapi({ description: `Hits per page, 1–${MAX_SEARCH_LIMIT} (default ${DEFAULT_SEARCH_LIMIT})` }),
      cursor: z.string().optional().openapi({ description: '`next_cursor` of the previous page' }),
    }),
  },
  responses: {
    200: json(
      z.object({ data: z.array(SearchHitSchema), next_cursor: z.string().nullable() }).openapi('SearchPage'),
      'Hits, best first; `next_cursor` is null on the last page',
    ),
    ...pickErrors(400, 401, 429),
  },
});

const NoteTitleSchema = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    title: z.string(),
    blocksuite_doc_id: z.string().openapi({ description: 'The document a [[link]] to this note names' }),
  })
  .openapi('NoteTitle');

const titlesRoute = createRoute({
  method: 'get',
  path: '/api/v1/notes/titles',
  tags: ['search'],
  summary: 'Note titles for the [[link]] picker, as you type',
  description:
    'Titles starting with `prefix` first, then titles with a word starting with it, then (from three characters) ' +
    'titles containing it; shorter titles first. Case and accents are ignored; archived notes are left out. ' +
    'Without `prefix`: the notes changed last.',
  security: SECURITY,
  request: {
    query: z.object({
      prefix: z.string().max(200).optional().openapi({ description: 'What was typed after [[' }),
      limit: z
        .string()
        .optional()
        .openapi({ description: `Titles to answer, 1–${MAX_TITLE_LIMIT} (default ${DEFAULT_TITLE_LIMIT})` }),
    }),
  },
  responses: {
    200: json(z.object({ data: z.array(NoteTitleSchema) }), 'Matching titles, best first'),
    ...pickErrors(400, 401, 429),
  },
});

const SearchSettingsSchema = z
  .object({
    search_language: z.enum(SEARCH_LANGUAGES),
    indexed_language: z.enum(SEARCH_LANGUAGES).openapi({ description: 'The language notes are indexed in now' }),
    reindexing: z.boolean().openapi({ description: 'True while notes are re-indexed into search_language' }),
    languages: z.array(z.enum(SEARCH_LANGUAGES)),
  })
  .openapi('SearchSettings');

const settingsResponse = json(z.object({ data: SearchSettingsSchema }), "The caller's search settings");

const getSettingsRoute = createRoute({
  method: 'get',
  path: '/api/v1/search/settings',
  tags: ['search'],
  summary: 'Your search language',
  security: SECURITY,
  responses: { 200: settingsResponse, ...pickErrors(401, 429) },
});

const putSettingsRoute = createRoute({
  method: 'put',
  path: '/api/v1/search/settings',
  tags: ['search'],
  summary: 'Choose the language notes are stemmed in',
  description:
    '`neutral` (the default) folds case and accents only. A change re-indexes your notes in the background ' +
    '(`reindexing` is true until done); meanwhile search matches either language.',
  security: SECURITY,
  request: jsonBody(z.strictObject({ search_language: z.enum(SEARCH_LANGUAGES) }).openapi('SearchSettingsUpdate')),
  responses: { 200: settingsResponse, ...pickErrors(400, 401, 429) },
});

/** The settings as the route's schema types them (a JSON array, not the domain's readonly list). */
const presentSettings = (settings: SearchSettings) => ({ ...settings, languages: [...settings.languages] });

export function registerSearchRoutes(app: App, services: Services): void {
  app.openapi(searchRoute, async (c) => {
    const page = await searchEverything(services.db, caller(c), c.req.query());
    return c.json(page, 200);
  });
  app.openapi(titlesRoute, async (c) => {
    return c.json({ data: await noteTitles(services.db, caller(c), c.req.query()) }, 200);
  });
  app.openapi(getSettingsRoute, async (c) => {
    return c.json({ data: presentSettings(await services.searchSettings.get(caller(c))) }, 200);
  });
  app.openapi(putSettingsRoute, async (c) => {
    const body: unknown = await c.req.json();
    return c.json({ data: presentSettings(await services.searchSettings.update(caller(c), body)) }, 200);
  });
}
