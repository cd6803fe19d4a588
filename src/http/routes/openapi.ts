// GET /openapi.json: the OpenAPI 3.1 document generated from the route schemas that validate the
// requests. GET /docs: a readable reference rendered from that same document on the server, self-
// contained (no CDN: the server may have no internet). Registered last so it sees every route.
import { type RouteConfig, z } from '@hono/zod-openapi';
import type { Services } from '../../services.ts';
import type { App } from '../app.ts';
import { ErrorResponseSchema, jsonContent } from './resource-kit.ts';
import { renderReference, type OpenApiDocument } from './openapi-html.ts';

export const API_INFO = {
  title: 'FrameLord Sync API',
  version: '1.0.0',
  description:
    "Metadata REST API (every CRM entity, last-write-wins versioning with ETag/If-Match), auth, offline sync, and the Hocuspocus collaboration endpoint at ws://HOST:PORT/collab (document name = a note's blocksuite_doc_id, token = an access token).",
};

/** Routes served outside @hono/zod-openapi (plain Hono handlers), so the document lists them too. */
function documentPlainRoutes(app: App): void {
  const text = (description: string, type = 'text/plain') => ({
    description,
    content: { [type]: { schema: { type: 'string' as const } } },
  });
  const json = (description: string) => jsonContent(z.object({}).loose(), description);
  const plain: Array<{ path: string; summary: string; responses: RouteConfig['responses'] }> = [
    { path: '/healthz', summary: 'Liveness', responses: { 200: json('The process is up') } },
    {
      path: '/readyz',
      summary: 'Readiness: database reachable, migrations applied, not draining',
      responses: { 200: json('Ready'), 503: json('Not ready') },
    },
    { path: '/metrics', summary: 'Prometheus metrics', responses: { 200: text('Prometheus text exposition format') } },
    { path: '/openapi.json', summary: 'This document (OpenAPI 3.1)', responses: { 200: json('The OpenAPI document') } },
    {
      path: '/docs',
      summary: 'This document rendered as an HTML reference',
      responses: { 200: text('HTML', 'text/html') },
    },
  ];
  for (const route of plain) {
    app.openAPIRegistry.registerPath({
      method: 'get',
      path: route.path,
      tags: ['operations'],
      summary: route.summary,
      responses: route.responses,
    });
  }
}

const OPERATION_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Any other route a module added with plain Hono (no createRoute) is still listed, so the document
 * names every route the server answers; its module can describe it properly with createRoute.
 */
function documentRemainingRoutes(app: App, document: OpenApiDocument): void {
  for (const route of app.routes) {
    if (!OPERATION_METHODS.has(route.method) || route.path.includes('*')) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const method = route.method.toLowerCase();
    if (document.paths[path]?.[method]) continue;
    const parameters = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => ({
      name: match[1] as string,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    document.paths[path] = {
      ...document.paths[path],
      [method]: {
        tags: ['other'],
        summary: 'Served outside the typed route definitions',
        ...(parameters.length ? { parameters } : {}),
        responses: { default: { description: 'See the handler' } },
      },
    };
  }
}

export function buildOpenApiDocument(app: App): OpenApiDocument {
  const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO }) as unknown as OpenApiDocument;
  documentRemainingRoutes(app, document);
  return document;
}

export function registerOpenApiRoutes(app: App, services: Services): void {
  void services;
  app.openAPIRegistry.register('ErrorResponse', ErrorResponseSchema);
  documentPlainRoutes(app);

  let cached: { json: string; html: string } | undefined;
  // Every route is registered before the first request, so the document is built once.
  const documents = () => {
    if (!cached) {
      const document = buildOpenApiDocument(app);
      cached = { json: JSON.stringify(document), html: renderReference(document) };
    }
    return cached;
  };
  app.get('/openapi.json', (c) => c.body(documents().json, 200, { 'Content-Type': 'application/json; charset=utf-8' }));
  app.get('/docs', (c) => c.html(documents().html));
}
