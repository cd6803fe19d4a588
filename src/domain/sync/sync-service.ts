// Offline sync as one service (docs/sync.md): push and pull with their metrics, and the retention of
// processed push mutations, built once in services.ts.
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { pruneMutations } from './mutation-log.ts';
import { pullChanges, type PullOptions, type PullRequest, type PullResult } from './pull.ts';
import { pushChanges, type PushRequest, type PushResult } from './push.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the retention job runs; its first run is one interval after start. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface SyncServiceOptions {
  pull?: PullOptions;
  /** How long a processed mutation_id is remembered (retries within it answer the first result). */
  mutationRetentionDays: number;
}

export interface SyncService {
  push(auth: AuthContext, request: PushRequest): Promise<PushResult>;
  pull(auth: AuthContext, request: PullRequest): Promise<PullResult>;
  /** Forgets mutations older than the retention; answers how many. */
  pruneMutations(now?: Date): Promise<number>;
  /** Runs pruneMutations every hour until stop(). Without it sync_mutations grows with every push. */
  startRetention(): void;
  stop(): void;
}

export function createSyncService(db: Db, metrics: Metrics, logger: Logger, options: SyncServiceOptions): SyncService {
  let retentionTimer: NodeJS.Timeout | undefined;
  const pruneOlder = async (now = new Date()) => {
    const pruned = await pruneMutations(db, new Date(now.getTime() - options.mutationRetentionDays * DAY_MS));
    if (pruned > 0) logger.info({ pruned, retention_days: options.mutationRetentionDays }, 'forgot old sync mutations');
    return pruned;
  };
  return {
    push: (auth, request) =>
      pushChanges(db, auth, request, {
        onOutcome: (outcome) => metrics.syncPushChanges.inc({ outcome }),
        onUnexpectedError: (error, change) =>
          logger.error(
            { err: error, mutation_id: change.mutation_id, user_id: auth.userId },
            'sync push change failed unexpectedly',
          ),
      }),
    pull: async (auth, request) => {
      const result = await pullChanges(db, auth, request, options.pull);
      metrics.syncPulls.inc();
      metrics.syncPulledChanges.inc(result.changes.length);
      return result;
    },
    pruneMutations: pruneOlder,
    startRetention() {
      if (retentionTimer) return;
      retentionTimer = setInterval(() => {
        pruneOlder().catch((error: unknown) =>
          logger.warn({ err: error }, 'could not prune old sync mutations; will try again'),
        );
      }, PRUNE_INTERVAL_MS);
      retentionTimer.unref();
    },
    stop() {
      if (retentionTimer) clearInterval(retentionTimer);
      retentionTimer = undefined;
    },
  };
}
