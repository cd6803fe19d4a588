// The composition root's product: every domain service, built once per process from config and
// the database, and handed to each transport (HTTP routes, collaboration hooks, CLI).
import type { Config } from './config.ts';
import type { DatabaseHandle, Db } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { resolveJwtSecret } from './domain/auth/jwt-secret.ts';

export interface Lifecycle {
  /** True from the first shutdown signal: /readyz answers 503 so balancers stop sending work. */
  draining: boolean;
}

export interface Services {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  jwtSecret: string;
}

export function createServices(config: Config, database: DatabaseHandle, logger: Logger, metrics: Metrics): Services {
  return {
    config,
    database,
    db: database.db,
    logger,
    metrics,
    lifecycle: { draining: false },
    jwtSecret: resolveJwtSecret(config.jwtSecret, config.dataDir),
  };
}
