import type { Logger } from '../../logger.ts';
import { rateLimited } from '../errors.ts';
import type { RateLimitStore } from './store.ts';

/** A budget of `limit` hits per fixed window of `windowSeconds`; `limit` 0 disables the rule. */
export interface RateLimitRule {
  /** Part of every counter key, so rules never share counters. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Hits left in this window. */
  remaining: number;
  /** When the current window ends (epoch milliseconds). */
  resetAtMs: number;
  /** Whole seconds until the window ends, at least 1: the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit for `subject` and decides; the hit that goes past the limit is refused. */
  consume(rule: RateLimitRule, subject: string): Promise<RateLimitDecision>;
  /** Decides from the hits counted so far without counting one: refused once the limit is reached. */
  check(rule: RateLimitRule, subject: string): Promise<RateLimitDecision>;
  /** Counts one hit without deciding (e.g. a failed login, refused only on the next attempt). */
  record(rule: RateLimitRule, subject: string): Promise<void>;
  /** Forgets the hits of the current window (e.g. a successful login clears that email's failures). */
  reset(rule: RateLimitRule, subject: string): Promise<void>;
  close(): Promise<void>;
}

export const isRuleEnabled = (rule: RateLimitRule): boolean => rule.limit > 0;

/** 429 RATE_LIMIT_EXCEEDED when any decision refused, retrying after the longest wait; absent ones are skipped. */
export function refuseIfAnyDenied(decisions: ReadonlyArray<RateLimitDecision | undefined>): void {
  const waits = decisions.flatMap((decision) => (decision && !decision.allowed ? [decision.retryAfterSeconds] : []));
  if (waits.length > 0) throw rateLimited(Math.max(...waits));
}

const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Fixed-window counting: a hit lands in the window `floor(now / window)`, whose counter expires
 * when the window ends. The key carries the window start, so a stale counter can never be read
 * as the current one even if its expiry was lost.
 *
 * A store that fails (Redis down) lets requests through: a rate limit protects capacity, and an
 * outage of the counter store must not lock every user out. Failures are logged, at most every
 * few seconds.
 */
export function createRateLimiter(store: RateLimitStore, logger: Logger, now: () => number = Date.now): RateLimiter {
  let lastFailureLoggedAt = -Infinity;
  const window = (rule: RateLimitRule, subject: string) => {
    const windowMs = rule.windowSeconds * 1000;
    const at = now();
    const startMs = Math.floor(at / windowMs) * windowMs;
    return {
      key: `${rule.name}:${subject}:${startMs}`,
      resetAtMs: startMs + windowMs,
      ttlMs: startMs + windowMs - at,
      at,
    };
  };
  const decision = (
    rule: RateLimitRule,
    count: number,
    refusedFrom: number,
    resetAtMs: number,
    at: number,
  ): RateLimitDecision => ({
    allowed: count < refusedFrom,
    limit: rule.limit,
    remaining: Math.max(0, rule.limit - count),
    resetAtMs,
    retryAfterSeconds: Math.max(1, Math.ceil((resetAtMs - at) / 1000)),
  });
  const unlimited = (rule: RateLimitRule, resetAtMs: number): RateLimitDecision => ({
    allowed: true,
    limit: rule.limit,
    remaining: rule.limit,
    resetAtMs,
    retryAfterSeconds: 0,
  });
  const onStoreFailure = (error: unknown, rule: RateLimitRule) => {
    if (now() - lastFailureLoggedAt < FAILURE_LOG_INTERVAL_MS) return;
    lastFailureLoggedAt = now();
    logger.warn({ err: error, rule: rule.name }, 'rate-limit store failed; letting requests through');
  };

  return {
    consume: async (rule, subject) => {
      if (!isRuleEnabled(rule)) return unlimited(rule, now());
      const w = window(rule, subject);
      try {
        const count = await store.increment(w.key, w.ttlMs);
        return decision(rule, count, rule.limit + 1, w.resetAtMs, w.at);
      } catch (error) {
        onStoreFailure(error, rule);
        return unlimited(rule, w.resetAtMs);
      }
    },
    check: async (rule, subject) => {
      if (!isRuleEnabled(rule)) return unlimited(rule, now());
      const w = window(rule, subject);
      try {
        const count = await store.get(w.key);
        return decision(rule, count, rule.limit, w.resetAtMs, w.at);
      } catch (error) {
        onStoreFailure(error, rule);
        return unlimited(rule, w.resetAtMs);
      }
    },
    record: async (rule, subject) => {
      if (!isRuleEnabled(rule)) return;
      const w = window(rule, subject);
      try {
        await store.increment(w.key, w.ttlMs);
      } catch (error) {
        onStoreFailure(error, rule);
      }
    },
    reset: async (rule, subject) => {
      if (!isRuleEnabled(rule)) return;
      try {
        await store.delete(window(rule, subject).key);
      } catch (error) {
        onStoreFailure(error, rule);
      }
    },
    close: () => store.close(),
  };
}
