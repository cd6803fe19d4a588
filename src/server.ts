// Builds a whole server (database → services → transports) without touching process state, so
// main.ts and the integration tests start exactly the same thing.
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from './config.ts';
import { openDatabase, type DatabaseHandle } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createCollabServer } from './collab/collab-server.ts';
import { createApp, type RouteModule } from './http/app.ts';
import { registerOpenApiRoutes } from './http/routes/openapi.ts';
import { metricsApp } from './http/routes/health.ts';
import { registerResourceRoutes } from './http/routes/resources.ts';
import { registerAuthRoutes } from './http/routes/auth.ts';
import { registerOidcRoutes } from './http/routes/oidc.ts';
import { registerAccountRoutes } from './http/routes/account.ts';
import { registerDemoRoutes } from './http/routes/demo.ts';
import { registerNoteDocumentRoutes } from './http/routes/note-document.ts';
import { registerNoteHistoryRoutes } from './http/routes/note-history.ts';
import { registerTrashRoutes } from './http/routes/trash.ts';
import { registerImportRoutes } from './http/routes/import.ts';
import { registerSyncRoutes } from './http/routes/sync.ts';
import { registerSearchRoutes } from './http/routes/search.ts';
import { registerBlobRoutes } from './http/routes/blobs.ts';
import type { Logger } from './logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { countUncompactedUpdates } from './domain/documents/update-log-stats.ts';
import { createServices, type Services } from './services.ts';
import { routeConsoleToLogger } from './observability/console-bridge.ts';

// Each transport module adds its routes. Order matters for OpenAPI listing, and where a fixed path
// shares a prefix with a parameterised one (the first registered route that matches answers).
// registerOpenApiRoutes stays last: the document must see every route.
export const routeModules: RouteModule[] = [
  registerAuthRoutes,
  registerOidcRoutes,
  registerAccountRoutes,
  registerDemoRoutes,
  registerNoteDocumentRoutes,
  registerNoteHistoryRoutes,
  registerTrashRoutes,
  // Before the resources: GET /notes/titles would otherwise be GET /notes/{id}.
  registerSearchRoutes,
  registerResourceRoutes,
  registerImportRoutes,
  registerSyncRoutes,
  registerBlobRoutes,
  registerOpenApiRoutes,
];

export interface RunningServer {
  services: Services;
  httpServer: HttpServer;
  port: number;
  /** `http://127.0.0.1:PORT` (or the configured host). */
  url: string;
  /** The metrics listener's URL when METRICS_PORT is set (`http://HOST:PORT`, without /metrics). */
  metricsUrl: string | undefined;
  /** Drain and stop: not ready, stop accepting, finish in-flight work, close the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  // Metrics first, so the database counts its statements; the log gauge reads it once it is open.
  let database: DatabaseHandle | undefined;
  const metrics = createMetrics({
    updateLogEntries: async () => (database ? countUncompactedUpdates(database.db) : 0),
  });
  database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onQuery: () => metrics.dbQueries.inc(),
  });
  try {
    await runMigrations(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const services = createServices(config, database, logger, metrics);
  // Hocuspocus prints to the console, some of it client text: every line goes through the logger.
  const restoreConsole = routeConsoleToLogger(logger);
  const app = createApp(services, routeModules);
  const httpServer = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  // Longer than any client's or proxy's idle timeout (nginx, load balancers, undici), so the
  // server never closes a kept-alive socket at the moment a client reuses it (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const collab = createCollabServer(services);
  httpServer.on('upgrade', (request, socket, head) => {
    if (!collab.handleUpgrade(request, socket, head)) socket.destroy();
  });

  await listen(httpServer, config.port, config.host);
  // docs/operations.md: /metrics on its own port, so it can stay on a private interface.
  let metricsServer: HttpServer | undefined;
  if (config.metricsListener) {
    metricsServer = createAdaptorServer({ fetch: metricsApp(services).fetch }) as HttpServer;
    try {
      await listen(metricsServer, config.metricsListener.port, config.metricsListener.host);
    } catch (error) {
      // The public listener is up already: close it, or a failed start would leave it bound.
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      throw error;
    }
  }
  services.sync.startRetention();
  services.retention.start();
  services.blobCleanup.start();
  services.searchSettings.start();
  const port = (httpServer.address() as AddressInfo).port;
  const displayHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;
  const metricsUrl =
    metricsPort === undefined ? undefined : `http://${displayHost(config.metricsListener?.host ?? '')}:${metricsPort}`;
  logger.info({ port, metricsPort, engine: database.engine }, 'server listening');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      services.lifecycle.draining = true;
      services.sync.stop();
      services.retention.stop();
      services.blobCleanup.stop();
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // A scrape in flight is cut short: the next one goes to the instance that replaces this one.
      metricsServer?.closeAllConnections();
      const metricsClosed = new Promise<void>((resolve) =>
        metricsServer ? metricsServer.close(() => resolve()) : resolve(),
      );
      // Sockets closed (reconnect later) and their documents stored before the database goes.
      await collab.stop();
      const forced = setTimeout(() => httpServer.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      await metricsClosed;
      clearTimeout(forced);
      await services.documents.shutdown();
      await services.accounts.settle();
      services.mailer.close();
      await services.sessionRevocations.close();
      await services.searchSettings.stop();
      await services.rateLimiter.close();
      await database.close();
      logger.info('server stopped');
      restoreConsole();
    })();
    return stopping;
  };

  return { services, httpServer, port, url: `http://${displayHost(config.host)}:${port}`, metricsUrl, stop };
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
