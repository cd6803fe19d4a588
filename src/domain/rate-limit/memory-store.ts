import type { RateLimitStore } from './store.ts';

interface Counter {
  count: number;
  expiresAtMs: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** Counters in this process only: right for one instance, and for tests. */
export function createMemoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const counters = new Map<string, Counter>();
  const live = (key: string): Counter | undefined => {
    const counter = counters.get(key);
    if (counter && counter.expiresAtMs <= now()) {
      counters.delete(key);
      return undefined;
    }
    return counter;
  };
  // Windows end without anyone asking for their key again; sweep them so memory stays bounded.
  const sweeper = setInterval(() => {
    const at = now();
    for (const [key, counter] of counters) if (counter.expiresAtMs <= at) counters.delete(key);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    increment: async (key, ttlMs) => {
      const counter = live(key);
      if (counter) {
        counter.count += 1;
        return counter.count;
      }
      counters.set(key, { count: 1, expiresAtMs: now() + ttlMs });
      return 1;
    },
    get: async (key) => live(key)?.count ?? 0,
    delete: async (key) => {
      counters.delete(key);
    },
    close: async () => {
      clearInterval(sweeper);
      counters.clear();
    },
  };
}
