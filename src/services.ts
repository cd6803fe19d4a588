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
import { createAccountMail } from './domain/auth/account-mail.ts';
import { createAccountService, type AccountService } from './domain/auth/account-service.ts';
import { createSessionRevocations, type SessionRevocations } from './domain/auth/session-revocations.ts';
import { createMailer, type Mailer } from './domain/mail/mailer.ts';
import { createRateLimiterFromConfig } from './domain/rate-limit/create-rate-limiter.ts';
import type { RateLimiter } from './domain/rate-limit/rate-limiter.ts';
import { rateLimitRules, type RateLimitRules } from './domain/rate-limit/rules.ts';
import { createDocumentService, type DocumentService } from './domain/documents/document-service.ts';
import { createLiveDocumentRegistry, type LiveDocumentRegistry } from './domain/documents/live-documents.ts';
import { createSyncService, type SyncService } from './domain/sync/sync-service.ts';
import { createHistoryService, type HistoryService } from './domain/history/history-service.ts';
import { versionOnStoreHook } from './domain/history/version-store.ts';
import { createRetentionJob, type RetentionJob } from './domain/retention/retention-job.ts';
import { createTrashService, type TrashService } from './domain/trash/trash-service.ts';
import { createBlobService, type BlobService } from './domain/blobs/blob-service.ts';
import { createDatabaseBlobStore } from './domain/blobs/database-blob-store.ts';
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
  /** Every rate-limit rule (HTTP and collaboration) from config.rateLimits (limit 0 = disabled). */
  rateLimitRules: RateLimitRules;
  auth: AuthService;
  /** Sign-in and linking through OpenID Connect providers (docs/identity-providers.md). */
  oidc: OidcService;
  /** Passwords, email address, sessions, closing the account (docs/accounts.md). */
  accounts: AccountService;
  mailer: Mailer;
  /** Revoked sessions → live collaboration sockets, on every instance. Close it on shutdown. */
  sessionRevocations: SessionRevocations;
  /** Collaboration documents: durable update log, compaction, current state (REST and collab). */
  documents: DocumentService;
  /** The documents held in memory; the collaboration server serves this registry. */
  liveDocuments: LiveDocumentRegistry;
  /** Offline sync push/pull (docs/sync.md). */
  sync: SyncService;
  /** Version history of note documents (docs/history-and-trash.md). */
  history: HistoryService;
  /** The trash: archived rows of every type, purge now, purge after TRASH_RETENTION_DAYS. */
  trash: TrashService;
  /** Periodic retention (every TRASH_PURGE_INTERVAL_SECONDS): old versions, purged trash. */
  retention: RetentionJob;
  /** Images and attachments of notes (docs/blobs.md). */
  blobs: BlobService;
  /** Periodic blob clean-up (every BLOB_GC_INTERVAL_SECONDS): unreferenced blobs, abandoned uploads. */
  blobCleanup: RetentionJob;
  /** Per-user search language and the background re-index of a user's notes (docs/search.md). */
  searchSettings: SearchSettingsService;
}

export function createServices(config: Config, database: DatabaseHandle, logger: Logger, metrics: Metrics): Services {
  const jwtSecret = resolveJwtSecret(config.jwtSecret, config.dataDir);
  const rateLimiter = createRateLimiterFromConfig(config, logger);
  const limits = rateLimitRules(config.rateLimits);
  const blobStore = createDatabaseBlobStore(database);
  const mailer = createMailer(config.mail, logger.child({ component: 'mail' }));
  const sessionRevocations = createSessionRevocations({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    logger,
  });
  const accounts = createAccountService({
    db: database.db,
    mailer,
    mail: createAccountMail(config.mail.publicAppUrl),
    rateLimiter,
    rules: limits,
    revocations: sessionRevocations,
    blobStore,
    logger,
  });
  const auth = createAuthService({
    db: database.db,
    jwtSecret,
    rateLimiter,
    rules: limits,
    logger,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    revocations: sessionRevocations,
    afterRegister: accounts.sendVerificationInBackground,
  });
  const liveDocuments = createLiveDocumentRegistry();
  const documents = createDocumentService(config, database, logger, metrics, liveDocuments);
  const history = createHistoryService(database.db, documents, config.history);
  // A version is taken inside the compaction that stores the document (docs/history-and-trash.md).
  documents.addCompactionHook(versionOnStoreHook(config.history));
  const trash = createTrashService(database.db, config.trash.retentionDays);
  const retention = createRetentionJob(
    config.trash.purgeIntervalSeconds,
    [
      { name: 'trash', run: () => trash.purgeExpired() },
      { name: 'note_versions', run: () => history.prune() },
    ],
    logger,
  );
  const blobs = createBlobService(database.db, blobStore, config.blobs);
  const blobCleanup = createRetentionJob(
    config.blobs.gcIntervalSeconds,
    [
      {
        name: 'blobs',
        run: async () => {
          const removed = await blobs.collectGarbage();
          return removed.blobs + removed.abandonedUploads;
        },
      },
    ],
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
    rateLimitRules: limits,
    auth,
    accounts,
    mailer,
    sessionRevocations,
    oidc: createOidcService({
      db: database.db,
      config: config.oidc,
      publicUrl: config.publicUrl,
      registry: createProviderRegistry(config.oidc, config.publicUrl, logger),
      auth,
      rateLimiter,
      rules: limits,
      logger,
      afterUnverifiedSignUp: accounts.sendVerificationInBackground,
    }),
    documents,
    liveDocuments,
    sync: createSyncService(database.db, metrics, logger, {
      pull: { maxPageBytes: config.syncPullMaxPageBytes },
      mutationRetentionDays: config.syncMutationRetentionDays,
    }),
    history,
    trash,
    retention,
    blobs,
    blobCleanup,
    searchSettings: createSearchSettingsService(database.db, logger),
  };
}
