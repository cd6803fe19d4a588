import { timingSafeEqual } from 'node:crypto';
import { Hono, type Handler } from 'hono';
import type { App } from '../app.ts';
import type { AppEnv } from '../app-env.ts';
import { requestContext } from '../middleware/request-context.ts';
import type { Services } from '../../services.ts';
import { migrationsAreCurrent } from '../../db/migrate.ts';
import { unauthorized } from '../../domain/errors.ts';
import { errorEnvelope, sendError } from '../error-response.ts';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerHealthRoutes(app: App, services: Services): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const checks = { database: false, migrations: false, draining: services.lifecycle.draining };
    try {
      await services.database.ping();
      checks.database = true;
      checks.migrations = await migrationsAreCurrent(services.db);
    } catch {
      // reported as not ready below
    }
    const ready = checks.database && checks.migrations && !checks.draining;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });

  // With METRICS_PORT set, /metrics lives on its own listener (metricsApp) and not here.
  if (services.config.metricsListener === undefined) app.get('/metrics', metricsHandler(services));
}

function metricsHandler(services: Services): Handler<AppEnv> {
  return async (c) => {
    const token = services.config.metricsToken;
    // Compared in constant time: the answer must not tell how much of a guess was right.
    if (token !== undefined && !sameSecret(c.req.header('authorization') ?? '', `Bearer ${token}`))
      return sendError(c, unauthorized('GET /metrics needs the METRICS_TOKEN bearer token'));
    c.header('Content-Type', services.metrics.registry.contentType);
    return c.body(await services.metrics.registry.metrics());
  };
}

/**
 * The app of the metrics port (METRICS_PORT): `/metrics` and nothing else, under the same token
 * rule, so scraping needs no route of the public API and the public port need not serve it.
 */
export function metricsApp(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(services.logger, services.metrics));
  app.get('/metrics', metricsHandler(services));
  app.notFound((c) => c.json(errorEnvelope(c, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404));
  return app;
}
