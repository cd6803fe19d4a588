import { timingSafeEqual } from 'node:crypto';
import type { App } from '../app.ts';
import type { Services } from '../../services.ts';
import { migrationsAreCurrent } from '../../db/migrate.ts';
import { unauthorized } from '../../domain/errors.ts';
import { sendError } from '../error-response.ts';

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

  app.get('/metrics', async (c) => {
    const token = services.config.metricsToken;
    // Compared in constant time: the answer must not tell how much of a guess was right.
    if (token !== undefined && !sameSecret(c.req.header('authorization') ?? '', `Bearer ${token}`))
      return sendError(c, unauthorized('GET /metrics needs the METRICS_TOKEN bearer token'));
    c.header('Content-Type', services.metrics.registry.contentType);
    return c.body(await services.metrics.registry.metrics());
  });
}
