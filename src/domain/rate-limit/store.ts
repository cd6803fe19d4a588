/**
 * Where rate-limit counters live. A counter is created by its first increment and disappears at
 * its expiry; the window arithmetic lives in the limiter, so a store only counts and expires.
 * The Redis store lets several instances share counters; the memory store serves one process.
 */
export interface RateLimitStore {
  /** Adds one to `key` (created with the given lifetime when absent) and returns the new count. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** The count of `key`, 0 when absent or expired. */
  get(key: string): Promise<number>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
