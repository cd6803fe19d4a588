import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Values read when /metrics is scraped rather than kept up to date by the code. */
export interface MetricSources {
  /** Uncompacted update-log entries over every note (shared by every instance). */
  updateLogEntries?: () => Promise<number>;
}

/**
 * Every series the server exposes on /metrics, on a registry of its own (not prom-client's global
 * one) so several servers in one test process never collide.
 */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    errors: new Counter({
      name: 'errors_total',
      help: 'Refusals and failures by error code and transport',
      labelNames: ['transport', 'code'] as const,
      registers,
    }),
    dbQueries: new Counter({ name: 'db_queries_total', help: 'Statements sent to the database', registers }),
    collabConnections: new Gauge({
      name: 'collab_open_connections',
      help: 'Open collaboration WebSocket connections',
      registers,
    }),
    collabDocuments: new Gauge({ name: 'collab_loaded_documents', help: 'Documents loaded in memory', registers }),
    collabUpdatesReceived: new Counter({
      name: 'collab_updates_received_total',
      help: 'Yjs updates received from clients',
      registers,
    }),
    collabUpdatesApplied: new Counter({
      name: 'collab_updates_applied_total',
      help: 'Yjs updates applied to loaded documents',
      registers,
    }),
    collabUpdatesLogged: new Counter({
      name: 'collab_updates_logged_total',
      help: 'Yjs updates committed to the update log',
      registers,
    }),
    collabAppendDuration: new Histogram({
      name: 'collab_update_append_duration_seconds',
      help: 'Time to commit one batch of updates to the log (what an acknowledgement waits for)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    collabStoreDuration: new Histogram({
      name: 'collab_store_duration_seconds',
      help: 'Time to compact a document into notes.blocksuite_doc with its derived data',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    collabDocumentRecounts: new Counter({
      name: 'collab_document_recounts_total',
      help: 'Live documents encoded and counted whole near MAX_DOCUMENT_STRUCTS (update-cost.ts)',
      registers,
    }),
    collabUpdateLogLength: new Gauge({
      name: 'collab_update_log_entries',
      help: 'Update-log entries not yet compacted, all notes (read from the database at scrape)',
      registers,
      async collect() {
        if (!sources.updateLogEntries) return;
        try {
          this.set(await sources.updateLogEntries());
        } catch {
          // The database is away: keep the last value; /readyz reports the outage.
        }
      },
    }),
    syncPushChanges: new Counter({
      name: 'sync_push_changes_total',
      help: 'Changes received by /sync/push by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    syncPulls: new Counter({ name: 'sync_pulls_total', help: 'Calls to /sync/pull', registers }),
    syncPulledChanges: new Counter({
      name: 'sync_pulled_changes_total',
      help: 'Changes returned by /sync/pull',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
