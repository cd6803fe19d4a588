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
  /** 429 when this email or address has used up its failures. */
  refuseIfThrottled(email: string, client: ClientInfo): Promise<void>;
  countFailure(email: string, client: ClientInfo): Promise<void>;
  /** A correct password clears the email's failures. */
  clear(email: string): Promise<void>;
}

export function createLoginThrottle(rateLimiter: RateLimiter, rules: RateLimitRules): LoginThrottle {
  return {
    refuseIfThrottled: async (email, client) => {
      const decisions = await Promise.all([
        rateLimiter.check(rules.loginPerEmail, email),
        client.address ? rateLimiter.check(rules.loginPerIp, client.address) : undefined,
      ]);
      refuseIfAnyDenied(decisions);
    },
    countFailure: async (email, client) => {
      await Promise.all([
        rateLimiter.record(rules.loginPerEmail, email),
        client.address ? rateLimiter.record(rules.loginPerIp, client.address) : undefined,
      ]);
    },
    clear: (email) => rateLimiter.reset(rules.loginPerEmail, email),
  };
}
