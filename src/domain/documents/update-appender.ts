// Group commit for the update log: every acknowledgement waits for a commit, so appends that
// arrive while a commit is in flight (from any connection, for any document) are written together
// by the next one. A lone append starts at once; under load one commit carries many updates, and
// the acknowledgement latency stays near one commit instead of a queue of them.
//
// Commits are also spaced by `minCommitIntervalMs`: a commit starts at once when none started
// that recently, otherwise when the interval is up, with everything queued by then. Each commit
// costs the server a query build and a socket write that, on a loopback connection, runs much of
// PostgreSQL's receive path too (about 0.35 ms of our CPU per commit, measured with --cpu-prof in
// the collab benchmark); at hundreds of edits a second, commits of ~1 row spent more CPU than the
// edits themselves. Spacing bounds commits per second without delaying a lone edit.
import type { Db } from '../../db/client.ts';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { appendUpdateRows, type LoggedUpdate } from './update-log.ts';

export interface UpdateAppenderOptions {
  /** Most entries in one INSERT. */
  maxBatchEntries?: number;
  /** Most bytes in one INSERT (a sync step 2 after a reconnect can be large). */
  maxBatchBytes?: number;
  /** From this size an entry is large: it commits after the small entries queued with it. */
  largeEntryBytes?: number;
  /** Commits in flight at once; more than one lets a connection pool overlap round trips. */
  concurrency?: number;
  /** Least time between the starts of two commits (0: no spacing). */
  minCommitIntervalMs?: number;
  /** How a batch is written (default: `appendUpdateRows` on `db`); one statement, one transaction. */
  insertRows?: (entries: readonly LoggedUpdate[]) => Promise<unknown>;
  /** Called after each committed batch. */
  onCommit?: (entries: readonly LoggedUpdate[], seconds: number) => void;
}

export interface UpdateAppender {
  /**
   * Resolves once `update` is committed to the note's log; rejects if it was not. `sessionId` is
   * the device that made it (null: unknown).
   */
  append(noteId: string, update: Uint8Array, sessionId?: string | null): Promise<void>;
  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void>;
}

interface Pending extends LoggedUpdate {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createUpdateAppender(db: Db, options: UpdateAppenderOptions = {}): UpdateAppender {
  const maxBatchEntries = options.maxBatchEntries ?? 1000;
  const maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
  const largeEntryBytes = options.largeEntryBytes ?? 64 * 1024;
  const concurrency = options.concurrency ?? 1;
  const minCommitIntervalMs = options.minCommitIntervalMs ?? 0;
  const insertRows = options.insertRows ?? ((entries: readonly LoggedUpdate[]) => appendUpdateRows(db, entries));
  const queue: Pending[] = [];
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  let pumpScheduled = false;
  let lastCommitStartedAt = -Infinity;
  let spacingTimer: NodeJS.Timeout | undefined;

  /**
   * The small entries queued, in order, when any large one is queued too: one user's large updates
   * (each up to MAX_UPDATE_STRUCTS, ~300 KB) must not make another user's keystroke wait for a
   * commit of megabytes (docs/benchmarks.md, "stall"). A note's entries keep their order: a small
   * entry behind a large one of its own note waits for it. Empty when no entry is large, or none
   * of the small ones may go first.
   */
  const takeSmallFirst = (): Pending[] => {
    if (!queue.some((entry) => entry.update.length >= largeEntryBytes)) return [];
    const heldBack = new Set<string>();
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let bytes = 0;
    for (const entry of queue) {
      const large = entry.update.length >= largeEntryBytes;
      const fits = batch.length < maxBatchEntries && bytes + entry.update.length <= maxBatchBytes;
      if (large || heldBack.has(entry.noteId) || !fits) {
        // Whatever of its note comes later stays behind it.
        heldBack.add(entry.noteId);
        rest.push(entry);
      } else {
        batch.push(entry);
        bytes += entry.update.length;
      }
    }
    if (batch.length > 0) queue.splice(0, queue.length, ...rest);
    return batch;
  };

  const takeBatch = (): Pending[] => {
    const small = takeSmallFirst();
    if (small.length > 0) return small;
    let count = 0;
    let bytes = 0;
    while (count < queue.length && count < maxBatchEntries) {
      const size = (queue[count] as Pending).update.length;
      if (count > 0 && bytes + size > maxBatchBytes) break;
      bytes += size;
      count += 1;
    }
    return queue.splice(0, count);
  };

  const write = async (batch: Pending[]): Promise<void> => {
    const started = performance.now();
    try {
      await insertRows(batch);
      options.onCommit?.(batch, (performance.now() - started) / 1000);
      for (const entry of batch) entry.resolve();
    } catch (error) {
      // A row the database refuses (its note was deleted meanwhile) must not fail the updates
      // that merely shared its batch: write them one by one. An outage fails them all.
      if (batch.length > 1 && !isDatabaseUnavailable(error)) {
        for (const entry of batch) await write([entry]);
        return;
      }
      for (const entry of batch) entry.reject(error);
    }
  };

  const pump = (): void => {
    while (inFlight < concurrency && queue.length > 0) {
      const wait = lastCommitStartedAt + minCommitIntervalMs - performance.now();
      if (wait > 0) {
        // One timer at a time: the pump it calls serves every batch waiting by then.
        if (spacingTimer === undefined) {
          spacingTimer = setTimeout(() => {
            spacingTimer = undefined;
            pump();
          }, wait);
        }
        break;
      }
      lastCommitStartedAt = performance.now();
      const batch = takeBatch();
      inFlight += 1;
      void write(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
    if (inFlight === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  return {
    append(noteId, update, sessionId = null) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ noteId, update, sessionId, resolve, reject });
        // Appends made in the same event-loop turn (frames of many sockets read in one poll) share
        // the first commit; setImmediate runs right after the poll phase, so this adds no timer delay.
        if (!pumpScheduled) {
          pumpScheduled = true;
          setImmediate(() => {
            pumpScheduled = false;
            pump();
          });
        }
      });
    },
    drain() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
