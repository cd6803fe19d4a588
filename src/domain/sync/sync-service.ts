// Offline sync as one service (SPEC §6): push and pull with their metrics, built once in services.ts.
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AuthContext } from '../auth/auth-context.ts';
import { pullChanges, type PullRequest, type PullResult } from './pull.ts';
import { pushChanges, type PushRequest, type PushResult } from './push.ts';

export interface SyncService {
  push(auth: AuthContext, request: PushRequest): Promise<PushResult>;
  pull(auth: AuthContext, request: PullRequest): Promise<PullResult>;
}

export function createSyncService(db: Db, metrics: Metrics, logger: Logger): SyncService {
  return {
    push: (auth, request) =>
      pushChanges(db, auth, request, {
        onOutcome: (outcome) => metrics.syncPushChanges.inc({ outcome }),
        onUnexpectedError: (error, change) => logger.error({ err: error, mutation_id: change.mutation_id, user_id: auth.userId }, 'sync push change failed unexpectedly'),
      }),
    pull: async (auth, request) => {
      const result = await pullChanges(db, auth, request);
      metrics.syncPulls.inc();
      metrics.syncPulledChanges.inc(result.changes.length);
      return result;
    },
  };
}
