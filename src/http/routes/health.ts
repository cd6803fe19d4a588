import type { App } from '../app.ts';
import type { Services } from '../../services.ts';
import { migrationsAreCurrent } from '../../db/migrate.ts';

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
    c.header('Content-Type', services.metrics.registry.contentType);
    return c.body(await services.metrics.registry.metrics());
  });
}
