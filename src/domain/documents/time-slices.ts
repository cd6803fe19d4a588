// Long document work (encoding or reading a 100k-block document takes seconds) done in slices, so
// the event loop that relays edits and acknowledgements of every other document is never held for
// more than one slice. The work calls `due()` often (it is cheap) and awaits `pause()` when it is.

export interface TimeSlicer {
  /** True once the current slice has used its budget. */
  due(): boolean;
  /** Gives the event loop a turn (setImmediate: after pending I/O), then starts a new slice. */
  pause(): Promise<void>;
}

/**
 * Slices of `budgetMs`. 10 ms leaves room under the 50 ms that counts as a long task for the work
 * a slice cannot split further (one Yjs struct, one statement's parameters).
 */
export function timeSlicer(budgetMs = 10): TimeSlicer {
  let started = performance.now();
  return {
    due: () => performance.now() - started >= budgetMs,
    pause: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          started = performance.now();
          resolve();
        }),
      ),
  };
}

/** A slicer that never pauses: the same code run in one go (tests, tools without other clients). */
export const NO_SLICES: TimeSlicer = { due: () => false, pause: async () => {} };
