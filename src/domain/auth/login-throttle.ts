// The failed-password budget (per email and per client address), shared by every check of a
// password: login, password change, email change and account deletion all count against it, so
// a stolen access token cannot be used to guess the password either.
import { refuseIfAnyDenied, type RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { RateLimitRules } from '../rate-limit/rules.ts';

/** Who is asking: rate-limit subject of the address, and what the session list shows. */
export interface ClientInfo {
  /** A rate-limit subject for the client's address (see clientAddressSubject); undefined when unknown. */
  address: string | undefined;
  /** The client's IP address as seen, for the session list. */
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface LoginThrottle {
  /** 429 when this address, or this (email, address), has used up its failures (or its logins). */
  refuseIfThrottled(email: string, client: ClientInfo): Promise<void>;
  countFailure(email: string, client: ClientInfo): Promise<void>;
  /** A correct password clears this address's failures for the email, and counts a login. */
  clear(email: string, client: ClientInfo): Promise<void>;
}

// Failures count per (email, address), so a stranger who knows an email cannot lock its owner out
// (ten wrong passwords used to refuse the owner's correct one for 15 minutes). Across addresses a
// slower per-email budget holds: once it is spent, an address that has failed for this email is
// refused, while an address without failures still gets its try, so a distributed guesser gets
// one guess per address per window and the owner keeps signing in. docs/security.md.
export function createLoginThrottle(rateLimiter: RateLimiter, rules: RateLimitRules): LoginThrottle {
  const pair = (email: string, address: string) => `${email}|${address}`;
  return {
    refuseIfThrottled: async (email, client) => {
      const address = client.address;
      const [perIp, perPair, perEmail, successes] = await Promise.all([
        address ? rateLimiter.check(rules.loginPerIp, address) : undefined,
        address ? rateLimiter.check(rules.loginPerEmail, pair(email, address)) : undefined,
        rateLimiter.check(rules.loginPerEmailAllAddresses, email),
        address ? rateLimiter.check(rules.loginSuccessPerIp, address) : undefined,
      ]);
      const addressHasFailed = !address || (perPair !== undefined && perPair.remaining < perPair.limit);
      refuseIfAnyDenied([perIp, perPair, addressHasFailed ? perEmail : undefined, successes]);
    },
    countFailure: async (email, client) => {
      const address = client.address;
      await Promise.all([
        address ? rateLimiter.record(rules.loginPerIp, address) : undefined,
        address ? rateLimiter.record(rules.loginPerEmail, pair(email, address)) : undefined,
        rateLimiter.record(rules.loginPerEmailAllAddresses, email),
      ]);
    },
    clear: async (email, client) => {
      const address = client.address;
      await Promise.all([
        address ? rateLimiter.reset(rules.loginPerEmail, pair(email, address)) : undefined,
        address ? rateLimiter.record(rules.loginSuccessPerIp, address) : undefined,
      ]);
    },
  };
}
