// The composition root's product: every domain service, built once per process from config and
// the database, and handed to each transport (HTTP routes, collaboration hooks, CLI).
import type { Config } from './config.ts';
import type { DatabaseHandle, Db } from './db/client.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { resolveJwtSecret } from './domain/auth/jwt-secret.ts';
import { createAuthService, type AuthService } from './domain/auth/auth-service.ts';
import { createOidcService, type OidcService } from './domain/auth/oidc/oidc-service.ts';
import { createProviderRegistry } from './domain/auth/oidc/providers.ts';
import { createRateLimiterFromConfig } from './domain/rate-limit/create-rate-limiter.ts';
import type { RateLimiter } from './domain/rate-limit/rate-limiter.ts';
import { apiRateLimitRules, type ApiRateLimitRules } from './domain/rate-limit/rules.ts';
import { createDocumentService, type DocumentService } from './domain/documents/document-service.ts';
import { createSyncService, type SyncService } from './domain/sync/sync-service.ts';
import { createHistoryService, type HistoryService } from './domain/history/history-service.ts';
import { createRetentionJob, type RetentionJob } from './domain/retention/retention-job.ts';
import { createSearchSettingsService, type SearchSettingsService } from './domain/search/search-settings.ts';

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
  /** Shared counters (Redis when REDIS_URL is set); close it on shutdown. */
  rateLimiter: RateLimiter;
  /** The HTTP API's budgets from config.rateLimits (limit 0 = disabled). */
  rateLimitRules: ApiRateLimitRules;
  auth: AuthService;
  /** Sign-in and linking through OpenID Connect providers (docs/identity-providers.md). */
  oidc: OidcService;
  /** Collaboration documents: durable update log, compaction, current state (REST and collab). */
  documents: DocumentService;
  /** Offline sync push/pull (docs/sync.md). */
  sync: SyncService;
  /** Version history of note documents (docs/history-and-trash.md). */
  history: HistoryService;
  /** Periodic retention (every TRASH_PURGE_INTERVAL_SECONDS): old versions, purged trash. */
  retention: RetentionJob;
  /** Per-user search language and the background re-index of a user's notes (docs/search.md). */
  searchSettings: SearchSettingsService;
}

export function createServices(config: Config, database: DatabaseHandle, logger: Logger, metrics: Metrics): Services {
  const jwtSecret = resolveJwtSecret(config.jwtSecret, config.dataDir);
  const rateLimiter = createRateLimiterFromConfig(config, logger);
  const rateLimitRules = apiRateLimitRules(config.rateLimits);
  const auth = createAuthService({ db: database.db, jwtSecret, rateLimiter, rules: rateLimitRules, logger });
  const documents = createDocumentService(config, database, logger, metrics);
  const history = createHistoryService(database.db, documents, config.history);
  const retention = createRetentionJob(
    config.trash.purgeIntervalSeconds,
    [{ name: 'note_versions', run: () => history.prune() }],
    logger,
  );
  return {
    config,
    database,
    db: database.db,
    logger,
    metrics,
    lifecycle: { draining: false },
    jwtSecret,
    rateLimiter,
    rateLimitRules,
    auth,
    oidc: createOidcService({
      db: database.db,
      config: config.oidc,
      publicUrl: config.publicUrl,
      registry: createProviderRegistry(config.oidc, config.publicUrl, logger),
      auth,
      rateLimiter,
      rules: rateLimitRules,
      logger,
    }),
    documents,
    sync: createSyncService(database.db, metrics, logger, {
      pull: { maxPageBytes: config.syncPullMaxPageBytes },
      mutationRetentionDays: config.syncMutationRetentionDays,
    }),
    history,
    retention,
    searchSettings: createSearchSettingsService(database.db, logger),
  };
}
