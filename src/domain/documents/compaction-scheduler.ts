// When compactions run: on request (debounced), now (a store), again after a failure (backoff),
// and for everything still uncompacted at shutdown. Hocuspocus does not retry a failed store, and
// a document can be unloaded after one; since compaction needs nothing from memory (it starts from
// the live document when there is one, from the stored state + log otherwise), a retry can run
// long after the document is gone.
import type { CompactionMode, CompactionResult, DeferWork } from './compaction.ts';

export interface CompactionSchedulerOptions {
  /** A run hands its after-commit work (a version) to `defer` (compaction.ts). */
  compact: (noteId: string, mode: CompactionMode, defer: DeferWork) => Promise<CompactionResult>;
  debounceMs: number;
  maxDebounceMs: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * Compactions running at once, across notes. Documents edited together reach their store
   * deadline together; twenty compactions decoding and extracting at the same moment held the
   * event loop for hundreds of milliseconds in the collab benchmark, delaying every edit's fan-out.
   * Queued ones run as slots free up. Unlimited when unset.
   */
  maxConcurrent?: number;
  onCompacted?: (noteId: string, result: CompactionResult, seconds: number) => void;
  onFailed?: (noteId: string, error: unknown, retryInMs: number) => void;
  /** A run's after-commit work failed (the store itself committed: nothing is retried). */
  onAfterCommitFailed?: (noteId: string, error: unknown) => void;
}

export interface CompactionScheduler {
  /** Records that the note's log grew (called after every committed append). */
  markDirty(noteId: string): void;
  /** Compacts after `debounceMs` of quiet, at most `maxDebounceMs` after the first request. */
  request(noteId: string): void;
  /**
   * Compacts now (after any compaction of this note already running). False when it failed; a
   * retry (which folds) is then scheduled. `mode` (compaction.ts): `fold` unless a live document's
   * store asks for `store`. A `store` answers once its transaction committed; its after-commit work
   * (a version) runs behind it, before the note's next run, and `flushAll` waits for it. Every
   * other run answers once that work is done too (a caller folding a note sees its version).
   */
  compactNow(noteId: string, mode?: CompactionMode): Promise<boolean>;
  /** Compacts every note with uncompacted appends or a pending request/retry, once each. */
  flushAll(): Promise<void>;
  /** Notes with uncompacted appends, pending requests or retries. */
  pendingCount(): number;
  /** Cancels every timer; later requests are ignored. */
  stop(): void;
}

interface NoteCompaction {
  generation: number;
  compactedGeneration: number;
  timer: NodeJS.Timeout | undefined;
  firstRequestedAt: number | undefined;
  running: Promise<boolean> | undefined;
  failures: number;
}

export function createCompactionScheduler(options: CompactionSchedulerOptions): CompactionScheduler {
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const notes = new Map<string, NoteCompaction>();
  let stopped = false;
  const maxConcurrent = options.maxConcurrent ?? Number.POSITIVE_INFINITY;
  let active = 0;
  const queued: Array<() => void> = [];
  const acquireSlot = async (): Promise<void> => {
    if (active < maxConcurrent) {
      active += 1;
      return;
    }
    // The slot is handed over by releaseSlot, so `active` stays counted.
    await new Promise<void>((resolve) => queued.push(resolve));
  };
  const releaseSlot = (): void => {
    const next = queued.shift();
    if (next) next();
    else active -= 1;
  };

  const stateOf = (noteId: string): NoteCompaction => {
    let state = notes.get(noteId);
    if (!state) {
      state = {
        generation: 0,
        compactedGeneration: 0,
        timer: undefined,
        firstRequestedAt: undefined,
        running: undefined,
        failures: 0,
      };
      notes.set(noteId, state);
    }
    return state;
  };

  const forgetIfSettled = (noteId: string, state: NoteCompaction) => {
    if (!state.timer && !state.running && state.generation === state.compactedGeneration && state.failures === 0)
      notes.delete(noteId);
  };

  const clearTimer = (state: NoteCompaction) => {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.firstRequestedAt = undefined;
  };

  const schedule = (noteId: string, state: NoteCompaction, delayMs: number) => {
    if (stopped) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.firstRequestedAt = undefined;
      void compactNow(noteId);
    }, delayMs);
    state.timer.unref();
  };

  const runOnce = async (
    noteId: string,
    state: NoteCompaction,
    mode: CompactionMode,
    deferred: Array<Promise<unknown>>,
  ): Promise<boolean> => {
    await acquireSlot();
    const generation = state.generation;
    const started = performance.now();
    try {
      const result = await options.compact(noteId, mode, (work) => deferred.push(work));
      state.failures = 0;
      state.compactedGeneration = Math.max(state.compactedGeneration, generation);
      options.onCompacted?.(noteId, result, (performance.now() - started) / 1000);
      return true;
    } catch (error) {
      state.failures += 1;
      const retryInMs = Math.min(retryMaxMs, retryInitialMs * 2 ** (state.failures - 1));
      options.onFailed?.(noteId, error, retryInMs);
      schedule(noteId, state, retryInMs);
      return false;
    } finally {
      releaseSlot();
    }
  };

  const compactNow = (noteId: string, mode: CompactionMode = 'fold'): Promise<boolean> => {
    const state = stateOf(noteId);
    clearTimer(state);
    const previous = state.running ?? Promise.resolve(true);
    const deferred: Array<Promise<unknown>> = [];
    // Chained, not shared: appends may have landed while the previous run was reading.
    const committed = previous.then(() => runOnce(noteId, state, mode, deferred));
    const run = committed.then(async (ok) => {
      for (const outcome of await Promise.allSettled(deferred))
        if (outcome.status === 'rejected') options.onAfterCommitFailed?.(noteId, outcome.reason);
      return ok;
    });
    state.running = run;
    void run.finally(() => {
      if (state.running === run) state.running = undefined;
      forgetIfSettled(noteId, state);
    });
    return mode === 'store' ? committed : run;
  };

  return {
    markDirty(noteId) {
      stateOf(noteId).generation += 1;
    },
    request(noteId) {
      if (stopped) return;
      const state = stateOf(noteId);
      const now = Date.now();
      state.firstRequestedAt ??= now;
      const waited = now - state.firstRequestedAt;
      const firstRequestedAt = state.firstRequestedAt;
      schedule(noteId, state, Math.max(0, Math.min(options.debounceMs, options.maxDebounceMs - waited)));
      state.firstRequestedAt = firstRequestedAt;
    },
    compactNow,
    async flushAll() {
      const outstanding = [...notes.entries()]
        .filter(
          ([, state]) =>
            state.timer || state.running || state.generation !== state.compactedGeneration || state.failures > 0,
        )
        .map(([noteId]) => noteId);
      for (const noteId of outstanding) await compactNow(noteId);
    },
    pendingCount() {
      return notes.size;
    },
    stop() {
      stopped = true;
      for (const state of notes.values()) clearTimer(state);
    },
  };
}
