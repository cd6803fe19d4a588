import type { RateLimitConfig } from '../../config.ts';
import type { RateLimitRule } from './rate-limiter.ts';

// Every rate-limit rule of the server, in one place: the HTTP API's budgets and the collaboration
// socket's. Each comes from configuration (docs/operations.md: every limit has a variable, 0
// disables it); the mechanisms that count them are rate-limiter.ts (windows shared through Redis)
// and src/collab/limits.ts (a socket's own token bucket).

/** The named budgets, from configuration (docs/api.md: each can be changed or disabled). */
export interface RateLimitRules {
  /** Failed logins per (email, client address): the budget that refuses a guesser. */
  loginPerEmail: RateLimitRule;
  /** Failed logins per email across addresses: past it, only addresses without failures may try. */
  loginPerEmailAllAddresses: RateLimitRule;
  /** Successful logins per client address per minute. */
  loginSuccessPerIp: RateLimitRule;
  /** Failed logins per client address. */
  loginPerIp: RateLimitRule;
  /** Sign-up attempts per client address. */
  registerPerIp: RateLimitRule;
  /** Authenticated REST requests per user. */
  apiPerUser: RateLimitRule;
  /** Identity-provider sign-ins started per client address (each stores a flow row). */
  oidcStartPerIp: RateLimitRule;
  /** Failed collaboration authentications per client address (across sockets and instances). */
  collabAuthFailuresPerIp: RateLimitRule;
  /** Failed authentications one collaboration socket may make before it is closed. */
  collabAuthFailuresPerSocket: number;
  /** Messages per second one collaboration socket may send (a token bucket; bursts up to 1 s). */
  collabMessagesPerSecond: number;
  /** Password-reset requests per email address (known or not: the answer is the same). */
  passwordForgotPerEmail: RateLimitRule;
  /** Password-reset requests per client address. */
  passwordForgotPerIp: RateLimitRule;
  /** Verification mails asked again, per user. */
  emailResendPerUser: RateLimitRule;
}

export function rateLimitRules(limits: RateLimitConfig): RateLimitRules {
  return {
    loginPerEmail: { name: 'login-email-ip', limit: limits.loginPerEmail, windowSeconds: limits.loginWindowSeconds },
    loginPerEmailAllAddresses: {
      name: 'login-email',
      limit: limits.loginPerEmailAllAddresses,
      windowSeconds: limits.loginWindowSeconds,
    },
    loginSuccessPerIp: { name: 'login-success-ip', limit: limits.loginSuccessPerIpPerMinute, windowSeconds: 60 },
    loginPerIp: { name: 'login-ip', limit: limits.loginPerIp, windowSeconds: limits.loginWindowSeconds },
    registerPerIp: { name: 'register-ip', limit: limits.registerPerIpPerHour, windowSeconds: 3600 },
    apiPerUser: { name: 'api-user', limit: limits.apiPerMinute, windowSeconds: 60 },
    oidcStartPerIp: { name: 'oidc-start-ip', limit: limits.oidcStartPerIp, windowSeconds: 60 },
    collabAuthFailuresPerIp: { name: 'collab-auth-ip', limit: limits.collabAuthFailuresPerIp, windowSeconds: 60 },
    collabAuthFailuresPerSocket: limits.collabAuthFailures,
    collabMessagesPerSecond: limits.collabMessagesPerSecond,
    passwordForgotPerEmail: {
      name: 'password-forgot-email',
      limit: limits.passwordForgotPerEmailPerHour,
      windowSeconds: 3600,
    },
    passwordForgotPerIp: { name: 'password-forgot-ip', limit: limits.passwordForgotPerIpPerHour, windowSeconds: 3600 },
    emailResendPerUser: { name: 'email-resend-user', limit: limits.emailResendPerHour, windowSeconds: 3600 },
  };
}

/**
 * The rate-limit subject for a client address. An IPv6 client usually owns a whole /64, so one
 * address per request would let it dodge every per-IP limit; IPv4-mapped addresses are IPv4.
 */
export function clientAddressSubject(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  return `${ipv6Prefix64(address)}::/64`;
}

function ipv6Prefix64(address: string): string {
  const withoutZone = address.split('%')[0] ?? address;
  const [head = '', tail = ''] = withoutZone.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = withoutZone.includes('::')
    ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups]
    : headGroups;
  return groups
    .slice(0, 4)
    .map((group) => (Number.parseInt(group || '0', 16) || 0).toString(16))
    .join(':');
}
