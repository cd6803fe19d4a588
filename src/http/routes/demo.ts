// Serves the BlockSuite demo page (demo/, built separately by `npm run demo`) at /demo. A plain route,
// not an OpenAPI one: the page is no part of the API contract. Without a build there is no /demo.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import type { App, RouteModule } from '../app.ts';

export const DEMO_DIST = fileURLToPath(new URL('../../../demo/dist/', import.meta.url));

export function demoRoutes(distDir: string = DEMO_DIST): RouteModule {
  return (app: App) => {
    if (!existsSync(`${distDir}/index.html`)) return;
    const serve = serveStatic({
      root: distDir,
      rewriteRequestPath: (path) => path.slice('/demo'.length) || '/',
      onFound: (path, c) => {
        // Vite fingerprints everything under assets/; the page itself must be re-read each time.
        c.header('Cache-Control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // One wildcard route (it matches the bare /demo too), so nothing here reaches the OpenAPI
    // document, which lists plain routes without a wildcard. Asset URLs in the page are relative
    // to /demo/, so the bare path must gain its slash.
    const slashBare: MiddlewareHandler = async (c, next) =>
      c.req.path === '/demo' ? c.redirect('/demo/', 301) : next();
    app.get('/demo/*', slashBare, serve);
  };
}

export const registerDemoRoutes: RouteModule = demoRoutes();
