// When a store of a live document may be put off. A compaction costs in proportion to the whole
// document (decode, encode, extraction, writing the full state and its derived rows); what it
// saves is the replay of the log at the next load. A document edited without a pause reaches
// STORE_MAX_DEBOUNCE_MS every 10 s with a few kilobytes of log: in the collab benchmark these
// compactions were a large part of the server's and PostgreSQL's CPU per delivered update.
// Durability does not depend on compaction (every acknowledged edit is in the log), so a store
// forced while editing goes on is skipped until the log is worth folding. Nothing else changes:
// - a store after a pause (STORE_DEBOUNCE_MS without an edit) compacts, so the note's derived data
//   (title, search, links) follows within the debounce once the typing stops;
// - the store when the last client leaves, at shutdown, and every retry compact as before;
// - a document edited without a pause is still compacted once its log passes
//   STORE_BUSY_MIN_LOG_BYTES, or STORE_BUSY_INTERVAL_MS after its first uncompacted edit.

/** What this instance appended to a live document's log since its last compaction here. */
export class UncompactedLog {
  bytes = 0;
  /** Date.now() of the first append since the last compaction; undefined when there was none. */
  since: number | undefined = undefined;

  appended(bytes: number, now = Date.now()): void {
    this.bytes += bytes;
    this.since ??= now;
  }

  /** A compaction is starting: what was appended until now is being folded. */
  compacting(): void {
    this.bytes = 0;
    this.since = undefined;
  }
}

export interface BusyStorePolicy {
  /** STORE_DEBOUNCE_MS: a store this long after the last change is the one after a pause. */
  debounceMs: number;
  minLogBytes: number;
  intervalMs: number;
}

export interface StoredDocument {
  getConnectionsCount(): number;
  /** Date.now() of the last change applied (Hocuspocus's Document). */
  lastChangeTime: number;
}

/** True when this store may be skipped: the document is being edited and its new log is small and young. */
export function deferBusyStore(
  policy: BusyStorePolicy,
  document: StoredDocument,
  log: UncompactedLog,
  now = Date.now(),
): boolean {
  if (document.getConnectionsCount() === 0) return false;
  // A store forced by the max debounce runs from within a change (0 ms after it); one after a
  // pause runs the debounce after it. Half of it tells them apart whatever the timer's jitter.
  if (now - document.lastChangeTime >= policy.debounceMs / 2) return false;
  if (log.since === undefined) return false;
  return log.bytes < policy.minLogBytes && now - log.since < policy.intervalMs;
}
