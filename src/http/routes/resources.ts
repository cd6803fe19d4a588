// One generic router: for every resource definition, list/create/get/put/patch/delete routes,
// declared with createRoute so /openapi.json documents each from the same schemas that validate it.
// Handlers stay thin: the caller, the body, the If-Match version → a domain function → an envelope.
import { createRoute, z } from '@hono/zod-openapi';
import type { Db } from '../../db/client.ts';
import { RESOURCES } from '../../domain/resources/index.ts';
import { listResource, type ListOptions } from '../../domain/resources/list.ts';
import {
  archiveResourceEntity,
  createResourceEntity,
  getResourceEntity,
  updateResourceEntity,
} from '../../domain/resources/operations.ts';
import type { Resource } from '../../domain/resources/resource.ts';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import {
  caller,
  component,
  entityResponse,
  entitySchemaOf,
  expectedVersion,
  IfMatchHeaders,
  jsonBody,
  pathParam,
  pickErrors,
  SECURITY,
  sendEntity,
  type ResourceContext,
} from './resource-kit.ts';
import { registerResourceActions } from './resource-actions.ts';

export const ListMeta = z
  .object({
    page: z.int(),
    per_page: z.int(),
    total: z.int(),
    total_pages: z.int(),
    offset: z.int().optional().openapi({ description: "Index of the page's first row in the whole list." }),
    has_more: z.boolean().optional().openapi({
      description:
        'Rows follow this page. A page also ends early, once its entities pass the byte budget (LIST_MAX_PAGE_BYTES); follow links.next to continue without skipping a row.',
    }),
  })
  .openapi('ListMeta', { description: 'per_page is the effective page size (capped at 100).' });
export const ListLinks = z
  .object({ first: z.string(), prev: z.string().nullable(), next: z.string().nullable(), last: z.string() })
  .openapi('ListLinks', { description: 'Relative /api/v1/… URLs keeping every query parameter of the request.' });

/** The query as validators see it: a repeated parameter is an array, a single one a string. */
export function queryObject(c: ResourceContext): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? (values[0] as string) : values]),
  );
}

export interface PageCounts {
  page: number;
  per_page: number;
  total: number;
  total_pages: number;
}

/** Lists whose pages may end early (the byte budget) say where the next one starts. */
export interface PageContinuation {
  offset: number;
  next_offset: number | null;
  has_more: boolean;
}

/** The list envelope of docs/api.md: `{data, meta, links}`. */
export function listAnswer<T>(c: ResourceContext, counts: PageCounts & Partial<PageContinuation>, data: T[]) {
  const { page, per_page, total, total_pages, offset, has_more } = counts;
  return {
    data,
    meta: { page, per_page, total, total_pages, ...(offset === undefined ? {} : { offset, has_more }) },
    links: pageLinks(c, counts),
  };
}

function pageLinks(c: ResourceContext, counts: PageCounts & Partial<PageContinuation>) {
  const { page, per_page: perPage, total_pages: totalPages, next_offset: nextOffset } = counts;
  const url = new URL(c.req.url);
  const link = (name: 'page' | 'offset', target: number) => {
    const parameters = new URLSearchParams(url.search);
    parameters.delete(name === 'page' ? 'offset' : 'page');
    parameters.set(name, String(target));
    return `${url.pathname}?${parameters.toString()}`;
  };
  const at = (target: number) => link('page', target);
  const last = Math.max(totalPages, 1);
  // A page that ended early (or was asked for by offset) continues at an offset: the page after
  // it by number would skip the rows the byte budget left out.
  let next = page < totalPages ? at(page + 1) : null;
  if (nextOffset === null) next = null;
  else if (nextOffset !== undefined && (url.searchParams.has('offset') || nextOffset !== page * perPage))
    next = link('offset', nextOffset);
  return { first: at(1), prev: page > 1 ? at(Math.min(page - 1, last)) : null, next, last: at(last) };
}

function registerResource(app: App, db: Db, resource: Resource, listOptions: ListOptions): void {
  const { definition, schemas } = resource;
  const base = `/api/v1/${definition.path}`;
  const tags = [definition.path];
  const name = definition.name;
  const Entity = entitySchemaOf(resource);
  const IdParams = z.object({ id: pathParam('id', `${name} id`) });
  const ListResponse = z.object({ data: z.array(Entity), meta: ListMeta, links: ListLinks }).openapi(`${name}List`);

  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: `List your ${definition.path}`,
      description:
        'Archived rows are left out unless include_archived=true. Unknown query parameters are ignored. A page also ends early, ' +
        'once its entities pass LIST_MAX_PAGE_BYTES of JSON (at least one entity): meta.has_more and links.next (an offset) continue it.',
      security: SECURITY,
      request: { query: resource.listQuery },
      responses: {
        200: { description: `A page of ${definition.path}`, content: { 'application/json': { schema: ListResponse } } },
        ...pickErrors(400, 401, 429),
      },
    }),
    async (c) => {
      const page = await listResource(db, caller(c), resource, queryObject(c), listOptions);
      return c.json(listAnswer(c, page, page.data), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: `Get one of your ${definition.path}`,
      security: SECURITY,
      request: { params: IdParams },
      responses: { 200: entityResponse(Entity, name), ...pickErrors(401, 404, 429) },
    }),
    async (c) => sendEntity(c, await getResourceEntity(db, caller(c), resource, c.req.param('id') ?? '')),
  );

  if (definition.readOnly) return;

  app.openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      summary: `Create a ${name}`,
      description:
        'The client may choose the id (offline-created entities). An id that exists answers 409 CONFLICT, unless it is your identical retry, which answers the stored entity. Server-owned fields are ignored; unknown fields answer 400.',
      security: SECURITY,
      request: jsonBody(component(schemas.create, `${name}Create`)),
      responses: { 201: entityResponse(Entity, `The created ${name}`), ...pickErrors(400, 401, 409, 413, 429) },
    }),
    async (c) => {
      const result = await createResourceEntity(db, caller(c), resource, await c.req.json());
      return sendEntity(c, result.entity, 201);
    },
  );

  for (const mode of ['put', 'patch'] as const) {
    app.openapi(
      createRoute({
        method: mode,
        path: `${base}/{id}`,
        tags,
        summary:
          mode === 'put'
            ? `Replace a ${name}: omitted optional fields return to their defaults`
            : `Change the fields of a ${name} the body names`,
        security: SECURITY,
        request: {
          params: IdParams,
          headers: IfMatchHeaders,
          ...jsonBody(
            mode === 'put' ? component(schemas.put, `${name}Replace`) : component(schemas.patch, `${name}Patch`),
          ),
        },
        responses: {
          200: entityResponse(Entity, `The ${name} as stored`),
          ...pickErrors(400, 401, 403, 404, 409, 413, 429),
        },
      }),
      async (c) =>
        sendEntity(
          c,
          await updateResourceEntity(db, caller(c), resource, c.req.param('id') ?? '', await c.req.json(), {
            mode,
            expectedVersion: expectedVersion(c),
          }),
        ),
    );
  }

  app.openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: `Archive a ${name} (is_archived = true)`,
      security: SECURITY,
      request: { params: IdParams, headers: IfMatchHeaders },
      responses: { 204: { description: 'Archived' }, ...pickErrors(401, 403, 404, 409, 429) },
    }),
    async (c) => {
      await archiveResourceEntity(db, caller(c), resource, c.req.param('id') ?? '', {
        expectedVersion: expectedVersion(c),
      });
      return c.body(null, 204);
    },
  );
}

export function registerResourceRoutes(app: App, services: Services): void {
  const listOptions: ListOptions = { maxPageBytes: services.config.listMaxPageBytes };
  for (const resource of RESOURCES) registerResource(app, services.db, resource, listOptions);
  registerResourceActions(app, services.db);
}
