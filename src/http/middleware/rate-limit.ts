import type { MiddlewareHandler } from 'hono';
import { rateLimited } from '../../domain/errors.ts';
import {
  isRuleEnabled,
  type RateLimiter,
  type RateLimitDecision,
  type RateLimitRule,
} from '../../domain/rate-limit/rate-limiter.ts';
import type { AppEnv } from '../app-env.ts';
import { sendError } from '../error-response.ts';

/**
 * The per-user REST budget (docs/api.md). Runs after `authenticate`; requests without a caller (the
 * public auth routes) have their own limits in the auth service. Every counted response carries
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds when the
 * window ends); a refused one is 429 RATE_LIMIT_EXCEEDED with `Retry-After`.
 */
export function apiRateLimit(limiter: RateLimiter, rule: RateLimitRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth || !isRuleEnabled(rule)) return next();
    const decision = await limiter.consume(rule, auth.userId);
    if (!decision.allowed) {
      setRateLimitHeaders(c.header, decision);
      return sendError(c, rateLimited(decision.retryAfterSeconds));
    }
    await next();
    // After the handler, so the headers land on whatever response it (or the error handler) built.
    setRateLimitHeaders(c.header, decision);
  };
}

function setRateLimitHeaders(header: (name: string, value: string) => void, decision: RateLimitDecision): void {
  header('X-RateLimit-Limit', String(decision.limit));
  header('X-RateLimit-Remaining', String(decision.remaining));
  header('X-RateLimit-Reset', String(Math.ceil(decision.resetAtMs / 1000)));
}
