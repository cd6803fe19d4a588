// Which stores of a live document are put off (compaction is not what makes an edit durable).
import { describe, expect, it } from 'vitest';
import { type BusyStorePolicy, deferBusyStore, UncompactedLog } from '../../src/collab/busy-store.ts';

const policy: BusyStorePolicy = { debounceMs: 2000, minLogBytes: 64 * 1024, intervalMs: 60_000 };
const NOW = 1_000_000;

function documentOf(connections: number, lastChangeTime: number) {
  return { getConnectionsCount: () => connections, lastChangeTime };
}

function logOf(bytes: number, since: number | undefined) {
  const log = new UncompactedLog();
  if (since !== undefined) log.appended(bytes, since);
  return log;
}

describe('deferBusyStore', () => {
  it('puts off a store forced while editing goes on, while the new log is small and young', () => {
    expect(deferBusyStore(policy, documentOf(3, NOW), logOf(5_000, NOW - 10_000), NOW)).toBe(true);
  });

  it('compacts once the log since the last compaction is large enough or old enough', () => {
    expect(deferBusyStore(policy, documentOf(3, NOW), logOf(64 * 1024, NOW - 10_000), NOW)).toBe(false);
    expect(deferBusyStore(policy, documentOf(3, NOW), logOf(100, NOW - 60_000), NOW)).toBe(false);
  });

  it('always compacts after a pause in editing, when the last client left, or with nothing logged here', () => {
    // The store a debounce after the last change: derived data follows the pause at once.
    expect(deferBusyStore(policy, documentOf(3, NOW - 2000), logOf(100, NOW - 5000), NOW)).toBe(false);
    expect(deferBusyStore(policy, documentOf(0, NOW), logOf(100, NOW - 5000), NOW)).toBe(false);
    expect(deferBusyStore(policy, documentOf(3, NOW), logOf(0, undefined), NOW)).toBe(false);
  });

  it('starts counting afresh when a compaction starts', () => {
    const log = logOf(60 * 1024, NOW - 50_000);
    log.appended(8 * 1024, NOW - 1000);
    expect(deferBusyStore(policy, documentOf(1, NOW), log, NOW)).toBe(false);
    log.compacting();
    log.appended(100, NOW);
    expect(log.bytes).toBe(100);
    expect(deferBusyStore(policy, documentOf(1, NOW), log, NOW)).toBe(true);
  });
});
