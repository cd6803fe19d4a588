// The query parameters of `GET /resource` (docs/api.md): paging, sort, archived rows, filters.
import { z, type ZodType } from 'zod';
import type { ResourceDefinition } from './definition.ts';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
export const MAX_SEARCH_LENGTH = 200;

const positiveInteger = (description: string) =>
  z.coerce.number().int().min(1).max(1_000_000_000).optional().meta({ description });

export const booleanParameter = (description: string) => z.enum(['true', 'false']).optional().meta({ description });

export function buildListQuerySchema(definition: ResourceDefinition): z.ZodObject {
  const shape: Record<string, ZodType> = {
    page: positiveInteger('Page number, from 1. A page past the end answers an empty `data`.'),
    per_page: positiveInteger(
      `Items per page (default ${DEFAULT_PER_PAGE}); above ${MAX_PER_PAGE} is capped to ${MAX_PER_PAGE}.`,
    ),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).optional().meta({
      description:
        'Rows to skip, instead of `page`: where a page cut short by the byte budget continues (`links.next` carries it).',
    }),
    sort: z
      .enum(definition.sortable as [string, ...string[]])
      .optional()
      .meta({ description: 'Sort field (default updated_at, or relevance when searching).' }),
    order: z.enum(['asc', 'desc']).optional().meta({ description: 'Sort direction (default desc).' }),
    include_archived: booleanParameter('Include archived rows (default false).'),
  };
  if (definition.search)
    shape.search = z.string().max(MAX_SEARCH_LENGTH).optional().meta({ description: definition.search.description });
  if ((definition.nested ?? []).some((collection) => collection.field === 'attachments')) {
    shape.include = z
      .enum(['attachments'])
      .optional()
      .meta({ description: '`attachments`: include attachment bodies (data URLs).' });
  }
  for (const [name, filter] of Object.entries(definition.filters ?? {}))
    shape[name] = filter.schema.optional().meta({ description: filter.description });
  // Not strict: unknown parameters are ignored, and links carry them along unchanged.
  return z.object(shape);
}

export interface ListQuery {
  page?: number;
  per_page?: number;
  offset?: number;
  sort?: string;
  order?: 'asc' | 'desc';
  include_archived?: 'true' | 'false';
  search?: string;
  include?: 'attachments';
  [filter: string]: unknown;
}
