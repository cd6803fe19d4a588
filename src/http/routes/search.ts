// docs/search.md: search as you type. Thin: the caller and the query string → the search service →
// `{data}`. The query schemas here document the parameters; the domain validates them (one place).
import { createRoute, z } from '@hono/zod-openapi';
import {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  SEARCH_TYPES,
  searchEverything,
} from '../../domain/search/search-service.ts';
import { MAX_QUERY_LENGTH } from '../../domain/search/search-query.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { addRoute, caller, pickErrors, SECURITY } from './resource-kit.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

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

export function registerSearchRoutes(app: App, services: Services): void {
  addRoute(app, searchRoute, async (c) => {
    const page = await searchEverything(services.db, caller(c), c.req.query());
    return c.json(page, 200);
  });
}
