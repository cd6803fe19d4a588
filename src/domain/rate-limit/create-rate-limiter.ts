import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { createMemoryRateLimitStore } from './memory-store.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { createRedisRateLimitStore } from './redis-store.ts';

/** With REDIS_URL the counters are shared by every instance; otherwise they live in this process. */
export function createRateLimiterFromConfig(config: Config, logger: Logger): RateLimiter {
  const store = config.redisUrl
    ? createRedisRateLimitStore(config.redisUrl, { keyPrefix: `${config.redisPrefix}:rl:` })
    : createMemoryRateLimitStore();
  return createRateLimiter(store, logger);
}
