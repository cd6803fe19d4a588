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

  test('is sent with a CSP that allows only its own scripts, nosniff and no framing', async () => {
    // The browser scenarios (blocksuite-editor, blobs-editor) fail on any CSP refusal the page
    // reports, so they prove the editor works under this policy; this pins the policy itself.
    for (const path of ['/demo/', '/demo/index.html']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status).toBe(200);
      const policy = Object.fromEntries(
        (page.headers.get('content-security-policy') ?? '').split(';').map((directive) => {
          const [name, ...sources] = directive.trim().split(/\s+/);
          return [name, sources];
        }),
      );
      expect(policy['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
      expect(policy['default-src']).toEqual(["'self'"]);
      expect(policy['object-src']).toEqual(["'none'"]);
      expect(policy['base-uri']).toEqual(["'none'"]);
      expect(policy['frame-ancestors']).toEqual(["'none'"]);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      // Every script of the page is a file of the build: nothing inline for the policy to allow.
      expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
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
