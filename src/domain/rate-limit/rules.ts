import type { RateLimitConfig } from '../../config.ts';
import type { RateLimitRule } from './rate-limiter.ts';

/** The named budgets of the HTTP API, from configuration (docs/api.md: each can be changed or disabled). */
export interface ApiRateLimitRules {
  /** Failed logins per email address. */
  loginPerEmail: RateLimitRule;
  /** Failed logins per client address. */
  loginPerIp: RateLimitRule;
  /** Sign-up attempts per client address. */
  registerPerIp: RateLimitRule;
  /** Authenticated REST requests per user. */
  apiPerUser: RateLimitRule;
  /** Identity-provider sign-ins started per client address (each stores a flow row). */
  oidcStartPerIp: RateLimitRule;
}

export function apiRateLimitRules(limits: RateLimitConfig): ApiRateLimitRules {
  return {
    loginPerEmail: { name: 'login-email', limit: limits.loginPerEmail, windowSeconds: limits.loginWindowSeconds },
    loginPerIp: { name: 'login-ip', limit: limits.loginPerIp, windowSeconds: limits.loginWindowSeconds },
    registerPerIp: { name: 'register-ip', limit: limits.registerPerIpPerHour, windowSeconds: 3600 },
    apiPerUser: { name: 'api-user', limit: limits.apiPerMinute, windowSeconds: 60 },
    oidcStartPerIp: { name: 'oidc-start-ip', limit: limits.oidcStartPerIp, windowSeconds: 60 },
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
