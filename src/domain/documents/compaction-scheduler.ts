// When compactions run: on request (debounced), now (a store), again after a failure (backoff),
// and for everything still uncompacted at shutdown. Hocuspocus does not retry a failed store, and
// a document can be unloaded after one; since compaction needs nothing from memory (it starts from
// the live document when there is one, from the stored state + log otherwise), a retry can run
// long after the document is gone.
import type { CompactionMode, CompactionResult, DeferWork, YieldToRuns } from './compaction.ts';

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
  /**
   * The longest a run's after-commit work waits, in all, for later runs of its note
   * (`YieldToRuns`): stores asked for back to back never hold a version off for longer.
   */
  maxYieldMs?: number;
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
   * (a version) runs behind it. That work never holds up a run of the note: it yields to every run
   * asked for or running before each costly step (`YieldToRuns`, at most `maxYieldMs` in all), and
   * the note's after-commit works run one after another, in the order of their runs (a version is
   * decided only once the one before it is written). Every other run answers once the note's
   * after-commit work up to its own is done (a caller folding a note sees its version), and
   * `flushAll` waits for all of it.
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
  /** The note's runs, each chained after the one before, to its commit. */
  running: Promise<boolean> | undefined;
  /** Runs asked for and not yet committed (or failed). */
  inFlight: number;
  /** The note's after-commit works, each chained after the one before. */
  afterCommit: Promise<void> | undefined;
  failures: number;
}

/** Default of `maxYieldMs`. */
const MAX_YIELD_MS = 60_000;

export function createCompactionScheduler(options: CompactionSchedulerOptions): CompactionScheduler {
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const maxYieldMs = options.maxYieldMs ?? MAX_YIELD_MS;
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
        inFlight: 0,
        afterCommit: undefined,
        failures: 0,
      };
      notes.set(noteId, state);
    }
    return state;
  };

  const forgetIfSettled = (noteId: string, state: NoteCompaction) => {
    if (
      !state.timer &&
      !state.running &&
      !state.afterCommit &&
      state.generation === state.compactedGeneration &&
      state.failures === 0
    )
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

  /**
   * A `YieldToRuns` for one after-commit work of the note: waits while a run of the note is asked
   * for or running, until `maxYieldMs` of waiting in all.
   */
  const yieldingTo = (state: NoteCompaction): YieldToRuns => {
    let left = maxYieldMs;
    return async () => {
      while (state.inFlight > 0 && state.running && left > 0) {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          state.running,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, left);
          }),
        ]);
        clearTimeout(timer);
        left -= performance.now() - started;
      }
    };
  };

  /** Queues a run's after-commit work behind the note's earlier ones; a failure is reported, never thrown. */
  const deferFor =
    (noteId: string, state: NoteCompaction): DeferWork =>
    (work) => {
      const previous = state.afterCommit ?? Promise.resolve();
      const done = previous
        .then(() => work(yieldingTo(state)))
        .then(
          () => undefined,
          (error: unknown) => options.onAfterCommitFailed?.(noteId, error),
        );
      state.afterCommit = done;
      void done.finally(() => {
        if (state.afterCommit === done) state.afterCommit = undefined;
        forgetIfSettled(noteId, state);
      });
    };

  const runOnce = async (noteId: string, state: NoteCompaction, mode: CompactionMode): Promise<boolean> => {
    await acquireSlot();
    const generation = state.generation;
    const started = performance.now();
    try {
      const result = await options.compact(noteId, mode, deferFor(noteId, state));
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
    state.inFlight += 1;
    // Chained, not shared: appends may have landed while the previous run was reading. Counted
    // out before anything awaiting it resumes (runOnce never throws).
    const committed = previous
      .then(() => runOnce(noteId, state, mode))
      .finally(() => {
        state.inFlight -= 1;
      });
    state.running = committed;
    void committed.then(() => {
      if (state.running === committed) state.running = undefined;
      forgetIfSettled(noteId, state);
    });
    if (mode === 'store') return committed;
    // The note's after-commit work queued up to this run's commit, its own included.
    return committed.then(async (ok) => {
      await state.afterCommit;
      return ok;
    });
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
            state.timer ||
            state.running ||
            state.afterCommit ||
            state.generation !== state.compactedGeneration ||
            state.failures > 0,
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
