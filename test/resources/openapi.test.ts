import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../../src/domain/resources/index.ts';
import { createApp } from '../../src/http/app.ts';
import { routeModules } from '../../src/server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let document: any;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  document = await response.json();
});
afterAll(async () => server?.destroy());

const operations = (doc: any): string[] =>
  Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with a bearer security scheme', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], String(JSON.stringify(result.errors)).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lists every route the server serves', () => {
    const app = createApp(server.server.services, routeModules);
    const served = new Set(
      app.routes
        .filter((route) => route.method !== 'ALL' && !route.path.includes('*'))
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
    );
    const documented = new Set(operations(document));
    expect([...served].filter((operation) => !documented.has(operation))).toEqual([]);
    expect([...documented].filter((operation) => !served.has(operation))).toEqual([]);
  });

  it('documents each resource: list, get and (unless read-only) create, put, patch, delete, with their request schemas', () => {
    const documented = new Set(operations(document));
    for (const { definition } of RESOURCES) {
      const base = `/api/v1/${definition.path}`;
      const expected = [`GET ${base}`, `GET ${base}/{id}`];
      if (!definition.readOnly)
        expected.push(`POST ${base}`, `PUT ${base}/{id}`, `PATCH ${base}/{id}`, `DELETE ${base}/{id}`);
      for (const operation of expected) expect(documented, operation).toContain(operation);
      expect(document.components.schemas[definition.name]).toBeDefined();
      if (!definition.readOnly) {
        const create = document.components.schemas[`${definition.name}Create`];
        expect(create.additionalProperties).toBe(false);
        for (const field of definition.writable)
          expect(create.properties, `${definition.name}Create.${field}`).toHaveProperty(field);
      }
      const list = document.paths[base].get;
      expect(list.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
        expect.arrayContaining([
          'page',
          'per_page',
          'sort',
          'order',
          'include_archived',
          ...Object.keys(definition.filters ?? {}),
        ]),
      );
      expect(list.security).toEqual([{ bearerAuth: [] }]);
    }
    expect(document.components.schemas.ContactCreate.properties.relationship_domain.enum).toEqual([
      'business',
      'personal',
      'hybrid',
    ]);
  });
});

describe('/docs', () => {
  it('renders the same document as one self-contained HTML page', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script|<link[^>]+href=["']?https?:|src=["']?https?:/i);
    for (const operation of operations(document)) {
      const [method, path] = operation.split(' ');
      expect(html, operation).toContain(`${method}</span> <code>${path!.replace(/&/g, '&amp;')}</code>`);
    }
    expect(html).toContain('id="schema-ContactCreate"');
  });
});
