import { Redis } from 'ioredis';
import type { RateLimitStore } from './store.ts';

// INCR and the expiry in one atomic step: a crash between the two would leave a counter that
// never expires and locks its key out for good.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

export interface RedisRateLimitStoreOptions {
  /** Every key is `${keyPrefix}${key}`, e.g. `framelord:rl:`. */
  keyPrefix: string;
  /** A command that takes longer fails (the limiter then lets the request through). */
  commandTimeoutMs?: number;
}

/** Counters in Redis, shared by every instance pointed at the same server and prefix. */
export function createRedisRateLimitStore(url: string, options: RedisRateLimitStoreOptions): RateLimitStore {
  const redis = new Redis(url, {
    keyPrefix: options.keyPrefix,
    // A request must not wait on a Redis outage: fail fast and let the limiter decide.
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // No connection until a limit is actually counted (with RATE_LIMITS=off, never).
    lazyConnect: true,
  });
  // Without a listener ioredis prints every reconnect failure; the limiter logs failed commands.
  redis.on('error', () => {});

  return {
    increment: async (key, ttlMs) => Number(await redis.eval(INCREMENT_SCRIPT, 1, key, Math.max(1, Math.ceil(ttlMs)))),
    get: async (key) => Number((await redis.get(key)) ?? 0),
    delete: async (key) => {
      await redis.del(key);
    },
    close: async () => {
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect();
        return;
      }
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
