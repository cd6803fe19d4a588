import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createMemoryRateLimitStore } from '../../src/domain/rate-limit/memory-store.ts';
import { createRateLimiter, type RateLimitRule } from '../../src/domain/rate-limit/rate-limiter.ts';
import { createRedisRateLimitStore } from '../../src/domain/rate-limit/redis-store.ts';
import { clientAddressSubject } from '../../src/domain/rate-limit/rules.ts';
import { LogCapture } from '../helpers/server.ts';
import { awayFromWindowEdge } from './window-edge.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = createLogger('silent');

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

describe('the fixed-window limiter', () => {
  it('allows `limit` hits per window, refuses the next with Retry-After until the window ends, then allows again', async () => {
    const clock = manualClock(1_000_000_040_000); // 20 s into a 60 s window (windows start at multiples of 60 s)
    const limiter = createRateLimiter(createMemoryRateLimitStore(clock.now), silent, clock.now);
    const rule: RateLimitRule = { name: 'test', limit: 3, windowSeconds: 60 };
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await limiter.consume(rule, 'alice'));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(decisions[3]!.retryAfterSeconds).toBe(40);
    expect(decisions[3]!.resetAtMs).toBe(1_000_000_080_000);
    // Another subject has its own budget.
    expect((await limiter.consume(rule, 'bob')).allowed).toBe(true);
    clock.advance(39_000);
    expect((await limiter.consume(rule, 'alice')).retryAfterSeconds).toBe(1);
    clock.advance(1_000);
    expect(await limiter.consume(rule, 'alice')).toMatchObject({ allowed: true, remaining: 2 });
    await limiter.close();
  });

  it('check decides without counting, record counts without deciding, reset forgets, limit 0 disables', async () => {
    const limiter = createRateLimiter(createMemoryRateLimitStore(), silent);
    const rule: RateLimitRule = { name: 'failures', limit: 2, windowSeconds: 60 };
    expect((await limiter.check(rule, 'x')).allowed).toBe(true);
    expect((await limiter.check(rule, 'x')).allowed).toBe(true);
    await limiter.record(rule, 'x');
    expect(await limiter.check(rule, 'x')).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.record(rule, 'x');
    expect(await limiter.check(rule, 'x')).toMatchObject({ allowed: false, remaining: 0 });
    await limiter.reset(rule, 'x');
    expect(await limiter.check(rule, 'x')).toMatchObject({ allowed: true, remaining: 2 });

    const disabled: RateLimitRule = { name: 'off', limit: 0, windowSeconds: 60 };
    for (let i = 0; i < 50; i += 1) expect((await limiter.consume(disabled, 'x')).allowed).toBe(true);
    await limiter.close();
  });

  it('lets requests through and logs a warning when the store fails', async () => {
    const logs = new LogCapture();
    // Nothing listens on port 1: every command fails fast.
    const store = createRedisRateLimitStore('redis://127.0.0.1:1', { keyPrefix: 'unused:', commandTimeoutMs: 300 });
    const limiter = createRateLimiter(store, createLogger('warn', logs));
    const rule: RateLimitRule = { name: 'down', limit: 1, windowSeconds: 60 };
    for (let i = 0; i < 3; i += 1) expect((await limiter.consume(rule, 'x')).allowed).toBe(true);
    expect((await limiter.check(rule, 'x')).allowed).toBe(true);
    await limiter.close();
    expect(logs.text()).toContain('rate-limit store failed');
    expect(logs.lines).toHaveLength(1);
  });
});

describe('the Redis store', () => {
  const prefix = `fl-test-${randomUUID()}:rl:`;
  const admin = new Redis(REDIS_URL);
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('shares counters between two limiter instances (two server processes), with an expiry on every key', async () => {
    const first = createRateLimiter(createRedisRateLimitStore(REDIS_URL, { keyPrefix: prefix }), silent);
    const second = createRateLimiter(createRedisRateLimitStore(REDIS_URL, { keyPrefix: prefix }), silent);
    const rule: RateLimitRule = { name: 'shared', limit: 4, windowSeconds: 60 };
    const subject = `user-${randomUUID()}`;
    await awayFromWindowEdge(rule.windowSeconds);
    const seen = [];
    for (let i = 0; i < 5; i += 1) seen.push(await (i % 2 === 0 ? first : second).consume(rule, subject));
    // The count continues from one instance to the other.
    expect(seen.map((d) => d.remaining)).toEqual([3, 2, 1, 0, 0]);
    expect(seen.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
    const keys = await admin.keys(`${prefix}shared:${subject}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }

    // A failure counted on one instance is seen by the other; a reset on one clears it for both.
    const failures: RateLimitRule = { name: 'failures', limit: 2, windowSeconds: 3600 };
    await awayFromWindowEdge(failures.windowSeconds);
    await first.record(failures, subject);
    await second.record(failures, subject);
    expect((await first.check(failures, subject)).allowed).toBe(false);
    expect((await second.check(failures, subject)).allowed).toBe(false);
    await second.reset(failures, subject);
    expect((await first.check(failures, subject)).allowed).toBe(true);

    await first.close();
    await second.close();
  });
});

describe('client address subjects', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(clientAddressSubject('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressSubject('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientAddressSubject('2001:db8:1:2::1')).toBe(clientAddressSubject('2001:0db8:0001:0002:ffff::9'));
    expect(clientAddressSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressSubject('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressSubject('2001:db8:1:3::1')).not.toBe(clientAddressSubject('2001:db8:1:2::1'));
  });
});
