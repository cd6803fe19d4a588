// docs/history-and-trash.md: the trash. Thin: the caller, the path and query → the trash service.
import { createRoute, z } from '@hono/zod-openapi';
import { MAX_TRASH_PER_PAGE } from '../../domain/trash/trash-service.ts';
import { ENTITY_TYPES, type EntityType } from '../../domain/entity-types.ts';
import { parseInput } from '../../domain/validation.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { caller, ErrorResponseSchema, jsonContent as json, pathParam, pickErrors, SECURITY } from './resource-kit.ts';
import { ListLinks, ListMeta, listAnswer } from './resources.ts';

const TrashEntry = z
  .object({
    entity_type: z.enum(ENTITY_TYPES),
    id: z.string().openapi({ format: 'uuid' }),
    title: z.string().nullable().openapi({ description: 'The title, name, summary or label of the row' }),
    archived_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('TrashEntry');

const pagingParameter = (description: string) =>
  z.coerce.number().int().min(1).max(1_000_000_000).optional().openapi({ description });

const TrashQuery = z.object({
  type: z.enum(ENTITY_TYPES).optional().openapi({ description: 'Only rows of this entity type' }),
  page: pagingParameter('Page number, from 1'),
  per_page: pagingParameter(`Rows per page (default 20); above ${MAX_TRASH_PER_PAGE} is capped`),
});

export function registerTrashRoutes(app: App, services: Services): void {
  const { trash } = services;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/trash',
      tags: ['trash'],
      summary: 'Your archived rows of every type, most recently archived first',
      description: `Restore one with \`PATCH /api/v1/<resource>/:id {"is_archived": false}\`. Rows are purged for good TRASH_RETENTION_DAYS after archiving.`,
      security: SECURITY,
      request: { query: TrashQuery },
      responses: {
        200: json(
          z.object({ data: z.array(TrashEntry), meta: ListMeta, links: ListLinks }).openapi('TrashList'),
          'A page of the trash',
        ),
        ...pickErrors(400, 401, 429),
      },
    }),
    async (c) => {
      const query = parseInput(TrashQuery, c.req.query()) as { type?: EntityType; page?: number; per_page?: number };
      const page = await trash.list(caller(c), query);
      return c.json(listAnswer(c, page, page.data), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/trash/{entity_type}/{id}',
      tags: ['trash'],
      summary: 'Delete an archived row for good, now',
      description:
        'Purges the row and everything that hangs on it (docs/history-and-trash.md); devices learn it as a `delete` in sync pull.',
      security: SECURITY,
      request: {
        params: z.object({
          entity_type: z.enum(ENTITY_TYPES).openapi({ param: { name: 'entity_type', in: 'path' } }),
          id: pathParam('id', 'Row id'),
        }),
      },
      responses: {
        204: { description: 'Purged' },
        ...pickErrors(400, 401, 403, 404, 429),
        409: json(ErrorResponseSchema, 'CONFLICT: the row is not archived'),
      },
    }),
    async (c) => {
      await trash.purge(caller(c), c.req.param('entity_type') as string, c.req.param('id') as string);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/trash/empty',
      tags: ['trash'],
      summary: 'Delete every archived row of yours for good, now',
      description: 'Contact Zero and the default folders are never deleted.',
      security: SECURITY,
      responses: {
        200: json(z.object({ data: z.object({ purged: z.int() }) }), 'How many entities were purged'),
        ...pickErrors(401, 429),
      },
    }),
    async (c) => c.json({ data: { purged: await trash.empty(caller(c)) } }, 200),
  );
}
