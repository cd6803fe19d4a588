import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createCompactionScheduler } from '../../../src/domain/documents/compaction-scheduler.ts';
import type { CompactionResult } from '../../../src/domain/documents/compaction.ts';
import { createDocumentSizeBudget } from '../../../src/domain/documents/size-limit.ts';
import { DomainError } from '../../../src/domain/errors.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the document size budget', () => {
  it('admits updates until the document would pass the limit, then refuses with PAYLOAD_TOO_LARGE', () => {
    const doc = new Y.Doc();
    const budget = createDocumentSizeBudget(2000, 0);
    const text = doc.getText('t');
    let refused: unknown;
    for (let i = 0; i < 100 && !refused; i += 1) {
      const update = (() => {
        const probe = new Y.Doc();
        Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc));
        let captured: Uint8Array = new Uint8Array();
        probe.on('update', (u: Uint8Array) => (captured = u));
        probe.getText('t').insert(probe.getText('t').length, 'x'.repeat(100));
        return captured;
      })();
      try {
        budget.admit(doc, update.length);
        Y.applyUpdate(doc, update);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('PAYLOAD_TOO_LARGE');
    expect(Y.encodeStateAsUpdate(doc).length).toBeLessThanOrEqual(2000);
    expect(text.length).toBeGreaterThan(1000);
  });

  it('measures the real size before refusing, so deletions free room the bound did not see', () => {
    const doc = new Y.Doc({ gc: true });
    doc.getText('t').insert(0, 'y'.repeat(1500));
    const budget = createDocumentSizeBudget(2000, 1600);
    doc.getText('t').delete(0, 1500);
    expect(() => budget.admit(doc, 1000)).not.toThrow();
    expect(budget.boundBytes).toBeLessThan(1200);
  });
});

describe('the compaction scheduler', () => {
  it('retries a failed compaction with backoff until it succeeds, with no further trigger', async () => {
    const attempts: number[] = [];
    let failuresLeft = 2;
    const scheduler = createCompactionScheduler({
      compact: async (): Promise<CompactionResult> => {
        attempts.push(Date.now());
        if (failuresLeft-- > 0) throw new Error('database down');
        return { status: 'unchanged' };
      },
      debounceMs: 10,
      maxDebounceMs: 50,
      retryInitialMs: 20,
    });
    scheduler.markDirty('n1');
    expect(await scheduler.compactNow('n1')).toBe(false);
    for (let i = 0; i < 50 && attempts.length < 3; i += 1) await sleep(10);
    expect(attempts).toHaveLength(3);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(attempts[1]! - attempts[0]! - 5);
    await sleep(10);
    expect(scheduler.pendingCount()).toBe(0);
    scheduler.stop();
  });

  it('debounces requests and flushes outstanding work at shutdown', async () => {
    const compacted: string[] = [];
    const scheduler = createCompactionScheduler({
      compact: async (noteId) => {
        compacted.push(noteId);
        return { status: 'unchanged' };
      },
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
    });
    scheduler.request('a');
    scheduler.request('a');
    scheduler.markDirty('b');
    await sleep(20);
    expect(compacted).toEqual([]);
    await scheduler.flushAll();
    expect(compacted.sort()).toEqual(['a', 'b']);
    expect(scheduler.pendingCount()).toBe(0);
    scheduler.stop();
  });

  it('keeps a note dirty when an append lands while its compaction runs', async () => {
    let release: () => void = () => {};
    const compacted: string[] = [];
    const scheduler = createCompactionScheduler({
      compact: async (noteId) => {
        compacted.push(noteId);
        if (compacted.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { status: 'unchanged' };
      },
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
    });
    scheduler.markDirty('n');
    const running = scheduler.compactNow('n');
    await sleep(5);
    scheduler.markDirty('n');
    release();
    await running;
    await scheduler.flushAll();
    expect(compacted).toEqual(['n', 'n']);
    scheduler.stop();
  });

  it("answers a live document's store at its commit, and lets the note's next runs go before its deferred work", async () => {
    const events: string[] = [];
    const releases: Array<() => void> = [];
    const holds: Array<() => void> = [];
    const failed: unknown[] = [];
    let hold = false;
    let runs = 0;
    const scheduler = createCompactionScheduler({
      compact: async (noteId, mode, defer) => {
        runs += 1;
        const run = runs;
        events.push(`${mode} ${run}`);
        if (hold) await new Promise<void>((resolve) => holds.push(resolve));
        // Like a version: a first step (its encoding), then a yield before the next (the deflate).
        defer(async (yieldToRuns) => {
          events.push(`after ${run} starts`);
          await new Promise<void>((resolve) => releases.push(resolve));
          await yieldToRuns();
          events.push(`after ${run}`);
          if (noteId === 'bad') throw new Error('version refused');
        });
        return { status: 'refreshed', logEntries: 1, logBytes: 1 };
      },
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
      onAfterCommitFailed: (_noteId, error) => failed.push(error),
    });
    // A store answers although its deferred work has not run.
    expect(await scheduler.compactNow('n', 'store')).toBe(true);
    await sleep(5);
    expect(events).toEqual(['store 1', 'after 1 starts']);
    // The next store runs at once, not behind that work; the work yields to it until it committed.
    hold = true;
    const second = scheduler.compactNow('n', 'store');
    await sleep(5);
    expect(events).toEqual(['store 1', 'after 1 starts', 'store 2']);
    releases.shift()?.();
    await sleep(5);
    expect(events).toEqual(['store 1', 'after 1 starts', 'store 2']);
    holds.shift()?.();
    expect(await second).toBe(true);
    await sleep(5);
    // The note's deferred works run one after another, in the order of their runs.
    expect(events).toEqual(['store 1', 'after 1 starts', 'store 2', 'after 1', 'after 2 starts']);
    // A fold runs at once too, and answers only once the deferred work up to its own is done.
    hold = false;
    const fold = scheduler.compactNow('n', 'fold');
    let folded = false;
    void fold.then(() => (folded = true));
    await sleep(5);
    expect(events.slice(5)).toEqual(['fold 3']);
    releases.shift()?.();
    await sleep(5);
    expect(events.slice(5)).toEqual(['fold 3', 'after 2', 'after 3 starts']);
    expect(folded).toBe(false);
    releases.shift()?.();
    expect(await fold).toBe(true);
    expect(events.slice(5)).toEqual(['fold 3', 'after 2', 'after 3 starts', 'after 3']);
    // The flush at shutdown waits for a store's deferred work; a failure of it is reported, not retried.
    expect(await scheduler.compactNow('bad', 'store')).toBe(true);
    const flushed = scheduler.flushAll();
    for (let i = 0; i < 4; i += 1) {
      await sleep(5);
      for (const release of releases.splice(0)) release();
    }
    await flushed;
    expect(events.slice(9)).toEqual(['store 4', 'after 4 starts', 'fold 5', 'after 4', 'after 5 starts', 'after 5']);
    expect(failed).toHaveLength(2);
    expect(scheduler.pendingCount()).toBe(0);
    scheduler.stop();
  });

  it('lets deferred work wait for later runs of its note at most maxYieldMs in all', async () => {
    const holds: Array<() => void> = [];
    const yielded: number[] = [];
    let runs = 0;
    const scheduler = createCompactionScheduler({
      compact: async (_noteId, _mode, defer) => {
        runs += 1;
        if (runs === 1)
          defer(async (yieldToRuns) => {
            await sleep(5);
            const started = performance.now();
            await yieldToRuns();
            await yieldToRuns();
            yielded.push(performance.now() - started);
          });
        else await new Promise<void>((resolve) => holds.push(resolve));
        return { status: 'refreshed', logEntries: 1, logBytes: 1 };
      },
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
      maxYieldMs: 40,
    });
    expect(await scheduler.compactNow('n', 'store')).toBe(true);
    // A run of the note that does not end: the work stops waiting for it after 40 ms.
    const stuck = scheduler.compactNow('n', 'store');
    for (let i = 0; i < 40 && yielded.length === 0; i += 1) await sleep(5);
    expect(yielded).toHaveLength(1);
    expect(yielded[0]).toBeGreaterThanOrEqual(30);
    expect(yielded[0]).toBeLessThan(150);
    holds.shift()?.();
    expect(await stuck).toBe(true);
    scheduler.stop();
  });

  it('runs at most maxConcurrent compactions at once, and every queued one in the end', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const compacted: string[] = [];
    const scheduler = createCompactionScheduler({
      compact: async (noteId) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(10);
        running -= 1;
        compacted.push(noteId);
        // One of them fails: its slot must come back all the same.
        if (noteId === 'n3' && !compacted.includes('n3-retried')) {
          compacted.push('n3-retried');
          throw new Error('database away');
        }
        return { status: 'unchanged' };
      },
      debounceMs: 10_000,
      maxDebounceMs: 20_000,
      retryInitialMs: 5,
      maxConcurrent: 2,
    });
    const results = await Promise.all(Array.from({ length: 8 }, (_, index) => scheduler.compactNow(`n${index}`)));
    expect(mostAtOnce).toBe(2);
    expect(results.filter((ok) => !ok)).toHaveLength(1);
    await sleep(100);
    expect(compacted.filter((noteId) => noteId === 'n3')).toHaveLength(2);
    expect(new Set(compacted.filter((noteId) => /^n\d$/.test(noteId)))).toEqual(
      new Set(Array.from({ length: 8 }, (_, index) => `n${index}`)),
    );
    scheduler.stop();
  });
});
