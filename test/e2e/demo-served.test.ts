// The built demo page is served at /demo by the real server, and only when it has been built.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoRoutes } from '../../src/http/routes/demo.ts';
import type { Services } from '../../src/services.ts';
import { ensureDemoBuilt } from '../helpers/browser.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  await ensureDemoBuilt();
  server = await startTestServer();
}, 600_000);

afterAll(async () => {
  await server?.destroy();
});

describe('/demo', () => {
  test('serves the built page and its assets, with /demo redirected to /demo/', async () => {
    const redirect = await fetch(`${server.url}/demo`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/demo/');

    const page = await fetch(`${server.url}/demo/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const script = /src="(\/demo\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeTruthy();

    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  test('answers 404 outside the build, including encoded path climbing', async () => {
    for (const probe of [
      '/demo/no-such-file.js',
      '/demo/%2e%2e/package.json',
      '/demo/..%2fpackage.json',
      '/demo/assets/%2e%2e/%2e%2e/package.json',
    ]) {
      const response = await request(server.url, 'GET', probe);
      expect(response.status, probe).toBe(404);
      expect(response.body.error.code, probe).toBe('NOT_FOUND');
    }
  });

  test('is no part of the OpenAPI document', async () => {
    const openapi = await request(server.url, 'GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths).length).toBeGreaterThan(0);
    expect(Object.keys(openapi.body.paths).filter((route) => route.startsWith('/demo'))).toEqual([]);
  });

  test('is skipped silently when the page has not been built', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'fl-no-demo-'));
    try {
      const app = new OpenAPIHono();
      demoRoutes(empty)(app as never, {} as Services);
      expect((await app.request('/demo/')).status).toBe(404);
      expect((await app.request('/demo')).status).toBe(404);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
